import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CredentialCipher, KeyProtection } from './cipher.js';

const VERSION = 1;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The Node-side cipher for when no OS keychain is available (browser mode, tests): AES-256-GCM
 * with a random 256-bit key kept in a 0600 file (`<NEXUS_HOME>/credentials.key`). The key file
 * and the ciphertext live apart from each other, and neither is ever the plaintext.
 * Blob layout: version (1 byte) | IV (12) | auth tag (16) | ciphertext.
 */
export class FileCipher implements CredentialCipher {
  private key: Buffer | null = null;

  constructor(private readonly keyPath: string) {}

  protection(): KeyProtection {
    return 'file';
  }

  encrypt(plain: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.loadKey(true), iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
  }

  decrypt(b: Buffer): string {
    if (b.length < 1 + IV_BYTES + TAG_BYTES || b[0] !== VERSION) throw new Error('not a Nexus credential blob');
    const key = this.loadKey(false);
    const iv = b.subarray(1, 1 + IV_BYTES);
    const tag = b.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(b.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }

  private loadKey(create: boolean): Buffer {
    if (this.key) return this.key;
    try {
      const key = readFileSync(this.keyPath);
      if (key.length !== KEY_BYTES) throw new Error(`${this.keyPath} is not a ${KEY_BYTES}-byte key`);
      this.key = key;
      return key;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !create) throw err;
    }
    const key = randomBytes(KEY_BYTES);
    mkdirSync(dirname(this.keyPath), { recursive: true, mode: 0o700 });
    // Written 0600 from the first byte, then linked in place: link() never replaces a key another
    // process made meanwhile (that one wins, and is read back).
    const tmp = `${this.keyPath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, key);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, this.keyPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return this.loadKey(false);
    } finally {
      rmSync(tmp, { force: true });
    }
    this.key = key;
    return key;
  }
}
