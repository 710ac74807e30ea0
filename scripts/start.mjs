// `npm start`: builds, then runs the Electron app. Where no Electron binary is installed and none
// can be downloaded, says so in one line and starts browser mode instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const step = (cmd, args) =>
  new Promise((resolve) => spawn(cmd, args, { stdio: 'inherit' }).on('exit', (code) => resolve(code ?? 1)));

/** The Electron executable if installed (the same lookup as the electron package, without its download). */
function electronExecutable() {
  const pkgDir = dirname(require.resolve('electron/package.json'));
  const pathFile = join(pkgDir, 'path.txt');
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const binary = override ? join(override, name ?? 'electron') : name ? join(pkgDir, 'dist', name) : null;
  return binary && existsSync(binary) ? binary : null;
}

if ((await step(process.execPath, ['scripts/build.mjs'])) !== 0) process.exit(1);

let electron = electronExecutable();
if (!electron) {
  // First run after `npm install` (which no longer runs install scripts): fetch the binary once.
  const installer = join(dirname(require.resolve('electron/package.json')), 'install.js');
  spawnSync(process.execPath, [installer], { stdio: 'ignore', timeout: 180_000 });
  electron = electronExecutable();
}
if (electron) {
  process.exit(await step(electron, ['.']));
} else {
  console.log('The Electron binary is not installed and could not be downloaded here; starting browser mode instead.');
  process.exit(await step(process.execPath, ['dist/main/serve.js']));
}
