// `npm start`: builds, then runs the Electron app. Where no Electron binary could be
// installed (no download possible), says so in one line and starts browser mode instead.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const step = (cmd, args) =>
  new Promise((resolve) => spawn(cmd, args, { stdio: 'inherit' }).on('exit', (code) => resolve(code ?? 1)));

if ((await step(process.execPath, ['scripts/build.mjs'])) !== 0) process.exit(1);

let electronPath;
try {
  // The electron package exports the path of its binary, and throws when none was installed.
  electronPath = require('electron');
} catch {
  electronPath = null;
}
if (typeof electronPath === 'string') {
  process.exit(await step(electronPath, ['.']));
} else {
  console.log('The Electron binary is not installed here (it could not be downloaded); starting browser mode instead.');
  process.exit(await step(process.execPath, ['dist/main/serve.js']));
}
