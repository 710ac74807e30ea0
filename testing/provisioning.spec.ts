import { mkdtempSync, realpathSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run, runOk } from '../main/process/run.js';
import { requireParts } from './parts.js';

// What scripts/provision.sh sets up, checked with the plain tools a developer would use.
const parts = await requireParts(['docker', 'workspace-image', 'mutagen', 'ssh']);

describe.skipIf(!parts.ok)('provisioning', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-prov-'));
  let container = '';
  afterAll(async () => {
    if (container) await run('docker', ['rm', '-f', container]);
  });

  it('mutagen version matches the agent bundled beside it', async () => {
    const cli = (await runOk('mutagen', ['version'])).trim();
    const binary = realpathSync((await runOk('sh', ['-c', 'command -v mutagen'])).trim());
    await runOk('tar', ['-xzf', join(dirname(binary), 'mutagen-agents.tar.gz'), '-C', dir, 'linux_amd64']);
    const agent = (await runOk(join(dir, 'linux_amd64'), ['version'])).trim();
    expect(cli).toMatch(/^\d+\.\d+\.\d+/);
    expect(agent).toBe(cli);
  });

  it('a container from the workspace image accepts a key on 127.0.0.1 with its pinned host key, strictly', async () => {
    await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', join(dir, 'host')]);
    await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', join(dir, 'user')]);
    container = (await runOk('docker', ['create', '--label', 'nexus.test=provisioning', '-p', '127.0.0.1::22', 'nexus-workspace:latest'])).trim();
    const keys = join(dir, 'etc');
    await runOk('mkdir', ['-p', keys]);
    await runOk('cp', [join(dir, 'host'), join(keys, 'ssh_host_ed25519_key')]);
    await runOk('cp', [join(dir, 'host.pub'), join(keys, 'ssh_host_ed25519_key.pub')]);
    await runOk('cp', [join(dir, 'user.pub'), join(keys, 'authorized_keys')]);
    await runOk('docker', ['cp', `${keys}/.`, `${container}:/etc/ssh/nexus/`]);
    await runOk('docker', ['start', container]);
    const port = (await runOk('docker', ['port', container, '22/tcp'])).trim().split(':').pop() ?? '';
    writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${readFileSync(join(dir, 'host.pub'), 'utf8').trim()}\n`);
    const ssh = (user: string, ...extra: string[]) =>
      run('ssh', ['-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`, '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-i', join(dir, 'user'), '-p', port, ...extra, `${user}@127.0.0.1`, 'id -un'], { timeoutMs: 15_000 });
    let answer = await ssh('nexus');
    for (let i = 0; i < 30 && answer.code === 255 && !/Permission denied|Host key/.test(answer.stderr); i++) {
      await new Promise((r) => setTimeout(r, 200));
      answer = await ssh('nexus');
    }
    expect(answer.stdout.trim()).toBe('nexus');
    // Root login is off; and a different host key is refused (strict checking works).
    expect((await ssh('root')).code).toBe(255);
    writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${readFileSync(join(dir, 'user.pub'), 'utf8').trim()}\n`);
    const spoofed = await ssh('nexus');
    expect(spoofed.code).toBe(255);
    expect(spoofed.stderr).toMatch(/host key/i);
  });
});
