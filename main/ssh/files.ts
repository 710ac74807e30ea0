import { chmod, mkdir, readFile } from 'node:fs/promises';

export { writeFileAtomic } from '../fs/atomic.js';

/** Creates the folder (and parents) with owner-only access: it holds keys and tokens. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is ignored for folders that already exist (and masked by the umask).
  await chmod(dir, 0o700).catch(() => undefined);
}

/** The file's text, or null when it does not exist. */
export async function readTextOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Runs tasks one after another (read-modify-write of one file must not interleave). */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    // Keep the chain alive after a failure; the caller still sees the rejection.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
