import type { NexusPaths } from '../config/paths.js';
import { normalizePublicKey } from './keys.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { readTextOrNull } from '../fs/read.js';
import { SerialQueue } from '../fs/serial-queue.js';

/**
 * Nexus's own known_hosts. Entries are keyed by the workspace's ssh alias (OpenSSH looks them
 * up through `HostKeyAlias`), never by 127.0.0.1:port: a port reused by a later workspace can
 * never match an old key. Lines Nexus did not write are kept as they are.
 */
export class KnownHosts {
  readonly path: string;
  private readonly queue = new SerialQueue();

  constructor(paths: Pick<NexusPaths, 'knownHosts'>) {
    this.path = paths.knownHosts;
  }

  /** Pins `publicKeyLine` ("ssh-ed25519 AAAA…", comment optional) as the only key of `alias`. */
  async pin(alias: string, publicKeyLine: string): Promise<void> {
    checkAlias(alias);
    const key = normalizePublicKey(publicKeyLine);
    return this.queue.run(async () => {
      const lines = (await this.readLines()).filter((line) => entryAlias(line) !== alias);
      lines.push(`${alias} ${key}`);
      await this.writeLines(lines);
    });
  }

  remove(alias: string): Promise<void> {
    return this.queue.run(async () => {
      const lines = await this.readLines();
      const kept = lines.filter((line) => entryAlias(line) !== alias);
      if (kept.length !== lines.length) await this.writeLines(kept);
    });
  }

  /** The pinned key of `alias` ("type base64"), or null. */
  get(alias: string): Promise<string | null> {
    return this.queue.run(async () => {
      const line = (await this.readLines()).find((l) => entryAlias(l) === alias);
      if (line === undefined) return null;
      const [, type, blob] = line.trim().split(/\s+/);
      return `${type} ${blob}`;
    });
  }

  private async readLines(): Promise<string[]> {
    const text = await readTextOrNull(this.path);
    return text === null ? [] : text.split('\n').filter((line) => line.trim() !== '');
  }

  private writeLines(lines: string[]): Promise<void> {
    return writeFileAtomic(this.path, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
  }
}

/** The host of a plain one-host entry; null for comments, markers, hashed or multi-host lines. */
function entryAlias(line: string): string | null {
  const trimmed = line.trim();
  if (trimmed.startsWith('#') || trimmed.startsWith('@') || trimmed.startsWith('|')) return null;
  const host = trimmed.split(/\s+/)[0] ?? '';
  return host.includes(',') ? null : host;
}

function checkAlias(alias: string): void {
  // An alias is a host pattern for OpenSSH: whitespace, commas or wildcards would change meaning.
  if (!/^[A-Za-z0-9._-]+$/.test(alias)) throw new Error(`Not a usable ssh alias: "${alias}"`);
}
