import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nexusPaths, type NexusPaths } from '../config/paths.js';
import { generateHostKey } from './keys.js';
import { KnownHosts } from './known-hosts.js';

const hasKeygen = spawnSync('ssh-keygen', ['-?']).error === undefined;

let home: string;
let paths: NexusPaths;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'nexus-kh-'));
  paths = nexusPaths(home);
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('KnownHosts', () => {
  it('pins one key per alias, replaces it on re-pin, removes it', async () => {
    const kh = new KnownHosts(paths);
    const a = generateHostKey().publicKey;
    const b = generateHostKey().publicKey;
    await kh.pin('nexus-one', `${a} a comment`);
    expect(await kh.get('nexus-one')).toBe(a);
    expect(readFileSync(paths.knownHosts, 'utf8')).toBe(`nexus-one ${a}\n`);
    await kh.pin('nexus-one', b);
    expect(await kh.get('nexus-one')).toBe(b);
    expect(readFileSync(paths.knownHosts, 'utf8').trim().split('\n')).toHaveLength(1);
    await kh.remove('nexus-one');
    expect(await kh.get('nexus-one')).toBeNull();
    await kh.remove('nexus-never'); // removing an unknown alias is fine
    if (process.platform !== 'win32') expect(statSync(paths.knownHosts).mode & 0o777).toBe(0o600);
  });

  it('keeps lines it did not write, and matches whole aliases only', async () => {
    mkdirSync(paths.sshDir, { recursive: true });
    const other = generateHostKey().publicKey;
    writeFileSync(paths.knownHosts, `# a comment\n|1|hashed= ${other}\nnexus-one-x ${other}\n[127.0.0.1]:2222 ${other}\n`);
    const kh = new KnownHosts(paths);
    const mine = generateHostKey().publicKey;
    await kh.pin('nexus-one', mine);
    await kh.remove('nexus-one');
    expect(readFileSync(paths.knownHosts, 'utf8')).toBe(`# a comment\n|1|hashed= ${other}\nnexus-one-x ${other}\n[127.0.0.1]:2222 ${other}\n`);
  });

  it('concurrent pins and removes all land (writes are serialized, nothing half-written)', async () => {
    const kh = new KnownHosts(paths);
    const keys = Array.from({ length: 25 }, () => generateHostKey().publicKey);
    await Promise.all(keys.map((k, i) => kh.pin(`nexus-w${i}`, k)));
    await Promise.all([kh.remove('nexus-w3'), kh.remove('nexus-w7'), kh.pin('nexus-w8', keys[0]!)]);
    const lines = readFileSync(paths.knownHosts, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(23);
    expect(await kh.get('nexus-w8')).toBe(keys[0]);
    expect(await kh.get('nexus-w24')).toBe(keys[24]);
    // No temp files left behind by the atomic writes.
    expect(readdirSync(paths.sshDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a second instance (an app restart) sees what the first wrote', async () => {
    const key = generateHostKey().publicKey;
    await new KnownHosts(paths).pin('nexus-keep', key);
    expect(await new KnownHosts(paths).get('nexus-keep')).toBe(key);
  });

  it('refuses an alias OpenSSH would read as a pattern or a list', async () => {
    const kh = new KnownHosts(paths);
    const key = generateHostKey().publicKey;
    await expect(kh.pin('a,b', key)).rejects.toThrow();
    await expect(kh.pin('nexus-*', key)).rejects.toThrow();
    await expect(kh.pin('a b', key)).rejects.toThrow();
  });

  it.runIf(hasKeygen)('OpenSSH finds the entry by alias', async () => {
    const kh = new KnownHosts(paths);
    const key = generateHostKey().publicKey;
    await kh.pin('nexus-found', key);
    const out = spawnSync('ssh-keygen', ['-F', 'nexus-found', '-f', paths.knownHosts], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    expect(out.stdout).toContain(key);
  });
});
