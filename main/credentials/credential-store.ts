import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { KeyProtection } from '../../shared/contract/methods/daytona.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { registerSecret } from '../log/logger.js';
import type { CredentialCipher } from './cipher.js';

/** One saved key: ciphertext, the profile it is for and the URL it was validated against. */
const Entry = z.object({
  apiUrl: z.string(),
  protection: KeyProtection,
  /** base64 of the cipher's output. Never the key itself. */
  ciphertext: z.string(),
  savedAt: z.string(),
});

const StoreFile = z.object({
  version: z.literal(1),
  daytona: z.record(z.string(), Entry).default({}),
});
type StoreFile = z.infer<typeof StoreFile>;

export interface StoredKey {
  apiKey: string;
  apiUrl: string;
  protection: KeyProtection;
}

export type LoadResult = { ok: true; key: StoredKey } | { ok: false; reason: 'none' } | { ok: false; reason: 'undecryptable'; detail: string };

/**
 * The "keychain" store: `<NEXUS_HOME>/credentials.json` (0600) holding, per Daytona profile, the
 * key encrypted by the cipher (Electron safeStorage, or FileCipher), the profile name and the URL
 * the key was validated against. The plaintext is never written anywhere; every key read back is
 * registered with the logger's redaction at once.
 */
export class CredentialStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly cipher: CredentialCipher,
  ) {}

  protection(): KeyProtection {
    return this.cipher.protection();
  }

  async load(profile: string): Promise<LoadResult> {
    const entry = (await this.read()).daytona[profile];
    if (!entry) return { ok: false, reason: 'none' };
    try {
      const apiKey = this.cipher.decrypt(Buffer.from(entry.ciphertext, 'base64'));
      registerSecret(apiKey);
      return { ok: true, key: { apiKey, apiUrl: entry.apiUrl, protection: entry.protection } };
    } catch (err) {
      // A different OS user, a reset keychain or a lost key file: the blob is useless now.
      return { ok: false, reason: 'undecryptable', detail: err instanceof Error ? err.message : String(err) };
    }
  }

  async profiles(): Promise<string[]> {
    return Object.keys((await this.read()).daytona);
  }

  save(profile: string, apiKey: string, apiUrl: string): Promise<void> {
    registerSecret(apiKey);
    return this.serial(async () => {
      const file = await this.read();
      const ciphertext = this.cipher.encrypt(apiKey).toString('base64');
      file.daytona[profile] = { apiUrl, protection: this.cipher.protection(), ciphertext, savedAt: new Date().toISOString() };
      await this.write(file);
    });
  }

  remove(profile: string): Promise<boolean> {
    return this.serial(async () => {
      const file = await this.read();
      if (!(profile in file.daytona)) return false;
      delete file.daytona[profile];
      await this.write(file);
      return true;
    });
  }

  private async read(): Promise<StoreFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, daytona: {} };
      throw err;
    }
    const parsed = StoreFile.safeParse(safeJson(text));
    // An unreadable store is treated as empty; the next save replaces it (keys are re-entered).
    return parsed.success ? parsed.data : { version: 1, daytona: {} };
  }

  private write(file: StoreFile): Promise<void> {
    return writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`, 0o600);
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
