import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireParts } from '../../testing/parts.js';
import { run } from '../process/run.js';
import { generateEd25519 } from '../ssh/keys.js';
import { DEFAULT_IMAGE } from './docker-backend.js';

const parts = await requireParts(['docker', 'workspace-image']);

/**
 * The workspace image's entry point with the host key Nexus supplies: `sshd -t` (passed through
 * to sshd) checks the configuration and keys and exits, so the container ends by itself.
 */
describe.skipIf(!parts.ok)('workspace image entry point (real engine)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function start(files: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), 'nexus-entry-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return run('docker', ['run', '--rm', '-v', `${dir}:/etc/ssh/nexus`, DEFAULT_IMAGE, '-t']);
  }

  it('accepts a supplied host key that carries a comment, without a warning', async () => {
    const key = generateEd25519('nexus host key');
    const r = await start({ ssh_host_ed25519_key: key.private, 'ssh_host_ed25519_key.pub': `${key.public}\n`, authorized_keys: '' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/warning/);
  });

  it("warns when the supplied .pub is not the private key's, and still starts", async () => {
    const key = generateEd25519('');
    const other = generateEd25519('');
    const r = await start({ ssh_host_ed25519_key: key.private, 'ssh_host_ed25519_key.pub': `${other.public}\n`, authorized_keys: '' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/does not match the private key; sshd presents: ssh-ed25519 \S+$/m);
  });
});
