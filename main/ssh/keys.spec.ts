import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nexusPaths, type NexusPaths } from '../config/paths.js';
import { NexusError } from '../../shared/errors.js';
import ssh2 from 'ssh2';
import { ensureIdentity, fingerprint, generateEd25519, generateHostKey, normalizePublicKey, publicKeyBlob } from './keys.js';

const hasKeygen = spawnSync('ssh-keygen', ['-?']).error === undefined;
const posix = process.platform !== 'win32';

let home: string;
let paths: NexusPaths;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'nexus-keys-'));
  paths = nexusPaths(home);
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('ensureIdentity', () => {
  it('creates one ed25519 pair with owner-only permissions', async () => {
    const id = await ensureIdentity(paths);
    expect(id.privateKeyPath).toBe(paths.identity);
    expect(id.publicKey).toMatch(/^ssh-ed25519 AAAA[A-Za-z0-9+/]+=* nexus$/);
    expect(readFileSync(`${paths.identity}.pub`, 'utf8')).toBe(`${id.publicKey}\n`);
    expect(id.privateKey.toString()).toContain('BEGIN OPENSSH PRIVATE KEY');
    if (posix) {
      expect(statSync(paths.sshDir).mode & 0o777).toBe(0o700);
      expect(statSync(paths.identity).mode & 0o777).toBe(0o600);
    }
  });

  it('reuses the key on later calls, and concurrent first calls agree on one key', async () => {
    const all = await Promise.all([ensureIdentity(paths), ensureIdentity(paths), ensureIdentity(paths)]);
    expect(new Set(all.map((i) => i.publicKey)).size).toBe(1);
    const again = await ensureIdentity(paths);
    expect(again.publicKey).toBe(all[0]!.publicKey);
    expect(again.privateKey.equals(all[0]!.privateKey)).toBe(true);
  });

  it('rewrites a missing .pub from the private key and tightens loose permissions', async () => {
    const first = await ensureIdentity(paths);
    unlinkSync(`${paths.identity}.pub`);
    if (posix) spawnSync('chmod', ['0644', paths.identity]);
    const second = await ensureIdentity(paths);
    expect(second.publicKey).toBe(first.publicKey);
    expect(readFileSync(`${paths.identity}.pub`, 'utf8').trim()).toBe(first.publicKey);
    if (posix) expect(statSync(paths.identity).mode & 0o777).toBe(0o600);
  });

  it.runIf(hasKeygen)('OpenSSH agrees: the private key derives the same public key', async () => {
    const id = await ensureIdentity(paths);
    const derived = spawnSync('ssh-keygen', ['-y', '-f', paths.identity], { encoding: 'utf8' });
    expect(derived.status).toBe(0);
    expect(normalizePublicKey(derived.stdout)).toBe(normalizePublicKey(id.publicKey));
  });

  it('refuses an unreadable key file with a message saying what to do (never overwrites it)', async () => {
    await ensureIdentity(paths);
    writeFileSync(paths.identity, 'garbage', { mode: 0o600 });
    await expect(ensureIdentity(paths)).rejects.toMatchObject({
      name: 'NexusError',
      code: 'ssh_failed',
      message: expect.stringMatching(/cannot be used.*Move the file away/),
    });
    expect(readFileSync(paths.identity, 'utf8')).toBe('garbage');
  });
});

describe('generateEd25519', () => {
  it('never hands out a key that fails to parse (ssh2 writes about 1 in 300 malformed)', () => {
    for (let i = 0; i < 1500; i++) {
      const pair = generateEd25519('nexus');
      const parsed = ssh2.utils.parseKey(pair.private);
      expect(parsed instanceof Error ? parsed.message : 'ok').toBe('ok');
    }
  });
});

describe('generateHostKey', () => {
  it('gives a fresh pair each time, public half normalized to "type base64"', () => {
    const a = generateHostKey();
    const b = generateHostKey();
    expect(a.publicKey).toMatch(/^ssh-ed25519 AAAA[A-Za-z0-9+/]+=*$/);
    expect(a.publicKey).not.toBe(b.publicKey);
    expect(a.privateKey).toContain('BEGIN OPENSSH PRIVATE KEY');
  });

  it.runIf(hasKeygen)('OpenSSH can read the private key and prints the same fingerprint', () => {
    const key = generateHostKey();
    const file = join(home, 'host_key');
    writeFileSync(file, key.privateKey, { mode: 0o600 });
    const out = spawnSync('ssh-keygen', ['-l', '-f', file], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    expect(out.stdout).toContain(fingerprint(publicKeyBlob(key.publicKey)));
  });
});

describe('normalizePublicKey', () => {
  it('drops comments and whitespace; refuses what is not a key line', () => {
    expect(normalizePublicKey('  ssh-ed25519   AAAAC3Nza  me@host \n')).toBe('ssh-ed25519 AAAAC3Nza');
    expect(() => normalizePublicKey('ssh-ed25519')).toThrow(NexusError);
    expect(() => normalizePublicKey('ssh-ed25519 not*base64')).toThrow(NexusError);
  });
});
