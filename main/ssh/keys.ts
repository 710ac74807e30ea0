import { createHash, randomBytes } from 'node:crypto';
import { chmod, link, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import ssh2 from 'ssh2';
import { NexusError } from '../../shared/errors.js';
import type { NexusPaths } from '../config/paths.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { readTextOrNull } from '../fs/read.js';
import { ensurePrivateDir } from './files.js';

const { utils } = ssh2;

export interface Identity {
  /** The private key in OpenSSH format, for ssh2's `privateKey`. */
  privateKey: Buffer;
  /** One line, "ssh-ed25519 AAAA… nexus": what goes into a workspace's authorized_keys. */
  publicKey: string;
  /** For OpenSSH's IdentityFile. */
  privateKeyPath: string;
}

const IDENTITY_COMMENT = 'nexus';

/** An OpenSSH public key line reduced to "type base64" (comments never take part in a match). */
export function normalizePublicKey(line: string): string {
  const [type, blob] = line.trim().split(/\s+/);
  if (!type || !blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) {
    throw new NexusError('ssh_failed', `Not an OpenSSH public key: "${line.slice(0, 80)}".`);
  }
  return `${type} ${blob}`;
}

/** The raw key blob of a public key line, as ssh2's hostVerifier receives it. */
export function publicKeyBlob(line: string): Buffer {
  return Buffer.from(normalizePublicKey(line).split(' ')[1] ?? '', 'base64');
}

/** "SHA256:…", the fingerprint OpenSSH prints, so messages can be compared with `ssh-keygen -l`. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * An ed25519 pair in OpenSSH format. ssh2's generator writes a key whose public half starts with
 * a zero byte one byte short (about 1 key in 300), which its own parser and OpenSSH reject; such
 * a pair is drawn again.
 */
export function generateEd25519(comment: string): { private: string; public: string } {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519', { comment });
    const parsed = utils.parseKey(pair.private);
    if (!(parsed instanceof Error) && !Array.isArray(parsed) && parsed.isPrivateKey()) return pair;
  }
  throw new NexusError('ssh_failed', 'Could not generate a usable SSH key; try again.');
}

const inFlight = new Map<string, Promise<Identity>>();

/**
 * The one Nexus key pair at `paths.identity` (+ `.pub`): reused when present, created otherwise.
 * Concurrent callers in this process share one run; across processes the private key is put in
 * place with link(), which fails rather than overwrite a key another process just created.
 */
export function ensureIdentity(paths: Pick<NexusPaths, 'identity'>): Promise<Identity> {
  const running = inFlight.get(paths.identity);
  if (running) return running;
  const job = loadOrCreate(paths.identity).finally(() => inFlight.delete(paths.identity));
  inFlight.set(paths.identity, job);
  return job;
}

async function loadOrCreate(path: string): Promise<Identity> {
  await ensurePrivateDir(dirname(path));
  let privateText = await readTextOrNull(path);
  if (privateText === null) {
    const pair = generateEd25519(IDENTITY_COMMENT);
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, pair.private, { mode: 0o600 });
    try {
      await link(tmp, path);
      privateText = pair.private;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      privateText = await readFile(path, 'utf8'); // another process won the race: use its key
    } finally {
      await rm(tmp, { force: true });
    }
  }
  // OpenSSH refuses a private key others can read ("UNPROTECTED PRIVATE KEY FILE").
  await chmod(path, 0o600).catch(() => undefined);

  const parsed = utils.parseKey(privateText);
  if (parsed instanceof Error || Array.isArray(parsed) || !parsed.isPrivateKey()) {
    const why = parsed instanceof Error ? parsed.message : 'not a single private key';
    throw new NexusError(
      'ssh_failed',
      `The Nexus SSH key at ${path} cannot be used (${why}). Move the file away and Nexus will create a new key; ` +
        'existing workspaces then need to be recreated.',
    );
  }
  const publicKey = `${parsed.type} ${parsed.getPublicSSH().toString('base64')} ${IDENTITY_COMMENT}`;
  // The .pub file is derived from the private key, so a missing or stale one is simply rewritten.
  const pubPath = `${path}.pub`;
  if ((await readTextOrNull(pubPath))?.trim() !== publicKey) await writeFileAtomic(pubPath, `${publicKey}\n`, 0o644);
  return { privateKey: Buffer.from(privateText), publicKey, privateKeyPath: path };
}

/** A fresh host key pair for one container (Nexus pins the public half before the first start). */
export function generateHostKey(): { privateKey: string; publicKey: string } {
  // No comment: `ssh-keygen -y` then prints exactly "type base64", the form the image's
  // entrypoint compares with the .pub file we supply.
  const pair = generateEd25519('');
  return { privateKey: pair.private, publicKey: normalizePublicKey(pair.public) };
}
