import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export interface ServeProcess {
  url: string;
  origin: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

const root = resolve(import.meta.dirname, '..');

/** Starts `node dist/main/serve.js` (what `npm run serve` runs after building) and waits for its URL. */
export function startServe(env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [resolve(root, 'dist/main/serve.js')], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => fail(new Error(`npm run serve printed no URL within 30 s:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /ready: (http:\/\/127\.0\.0\.1:\d+\/\?token=\w+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        const url = m[1];
        ok({
          url,
          origin: new URL(url).origin,
          child,
          output: () => out,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
            }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`serve exited with ${code}:\n${out}`));
    });
  });
}
