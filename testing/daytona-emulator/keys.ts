import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import ssh2 from 'ssh2';
import { generateEd25519 as generateUsableEd25519 } from '../../main/ssh/keys.js';

export interface KeyPair {
  /** OpenSSH private key. */
  private: string;
  /** `ssh-ed25519 AAAA… comment` line. */
  public: string;
}

export function generateEd25519(comment: string): KeyPair {
  // The app's generator: it redraws the rare pair ssh2 writes malformed.
  const pair = generateUsableEd25519(comment);
  return { private: pair.private, public: pair.public.trim() };
}

/** Loads `<path>` (+ `.pub`), or generates and stores a new ed25519 pair there (mode 0600). */
export function loadOrCreateKeyPair(path: string, comment: string): KeyPair {
  if (existsSync(path) && existsSync(`${path}.pub`)) {
    return { private: readFileSync(path, 'utf8'), public: readFileSync(`${path}.pub`, 'utf8').trim() };
  }
  const pair = generateEd25519(comment);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeAtomic(path, pair.private, 0o600);
  writeAtomic(`${path}.pub`, `${pair.public}\n`, 0o644);
  return pair;
}

/** The SSH wire blob of a public key line, for comparing host keys. */
export function publicKeyBlob(publicLine: string): Buffer {
  const parsed = ssh2.utils.parseKey(publicLine);
  if (parsed instanceof Error) throw parsed;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key) throw new Error('no key in public key line');
  return key.getPublicSSH();
}

export function writeAtomic(path: string, content: string, mode = 0o600): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
}
