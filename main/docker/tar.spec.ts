import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tarFiles } from './tar.js';

const hasTar = spawnSync('tar', ['--version']).status === 0;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nexus-tar-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('tarFiles', () => {
  it('is a whole number of 512-byte blocks ending in two zero blocks', () => {
    const tar = tarFiles([{ name: 'a', content: 'x'.repeat(513), mode: 0o644 }]);
    expect(tar.length % 512).toBe(0);
    expect(tar.length).toBe(512 + 1024 + 1024);
    expect(tar.subarray(-1024).every((b) => b === 0)).toBe(true);
  });

  it('refuses paths that would escape or not fit', () => {
    expect(() => tarFiles([{ name: '../x', content: '', mode: 0o644 }])).toThrow();
    expect(() => tarFiles([{ name: '/etc/x', content: '', mode: 0o644 }])).toThrow();
    expect(() => tarFiles([{ name: 'x'.repeat(100), content: '', mode: 0o644 }])).toThrow();
  });

  it.runIf(hasTar)('GNU tar lists and extracts it with the right contents and modes', () => {
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n';
    const archive = join(dir, 'a.tar');
    writeFileSync(
      archive,
      tarFiles([
        { name: 'ssh_host_ed25519_key', content: key, mode: 0o600 },
        { name: 'authorized_keys', content: Buffer.from('ssh-ed25519 AAAA nexus\n'), mode: 0o644 },
        { name: 'empty', content: '', mode: 0o640 },
      ]),
    );
    const list = spawnSync('tar', ['-tvf', archive], { encoding: 'utf8' });
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/-rw------- root\/root\s+\d+ .* ssh_host_ed25519_key/);
    const out = join(dir, 'out');
    spawnSync('mkdir', [out]);
    const x = spawnSync('tar', ['-xf', archive, '-C', out], { encoding: 'utf8' });
    expect(x.status, x.stderr).toBe(0);
    expect(readFileSync(join(out, 'ssh_host_ed25519_key'), 'utf8')).toBe(key);
    expect(readFileSync(join(out, 'authorized_keys'), 'utf8')).toBe('ssh-ed25519 AAAA nexus\n');
    expect(readFileSync(join(out, 'empty'), 'utf8')).toBe('');
    expect(statSync(join(out, 'ssh_host_ed25519_key')).mode & 0o777).toBe(0o600);
  });
});
