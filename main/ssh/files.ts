import { chmod, mkdir } from 'node:fs/promises';

/** Creates the folder (and parents) with owner-only access: it holds keys and tokens. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is ignored for folders that already exist (and masked by the umask).
  await chmod(dir, 0o700).catch(() => undefined);
}
