import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../../shared/domain/workspace.js';
import { createApp } from '../app/create-app.js';
import type { NexusApp } from '../app/create-app.js';
import { nexusPaths } from '../config/paths.js';
import { createLogger } from '../log/logger.js';
import { run } from '../process/run.js';
import { call } from '../../testing/app-client.js';
import { startEmulator } from '../../testing/daytona-emulator/index.js';
import type { RunningEmulator } from '../../testing/daytona-emulator/index.js';
import { makeRepo } from '../../testing/fixtures/git-repo.js';
import { tempHome } from '../../testing/fixtures/temp-home.js';
import { requireParts } from '../../testing/parts.js';

const parts = await requireParts(['docker', 'workspace-image', 'ssh', 'mutagen']);

const userOf = (config: string, alias: string) => new RegExp(`Host ${alias}\\n(?:  .*\\n)*?  User (\\S+)`).exec(config)?.[1];

// Tokens that live 6 s (refreshed after 4.8 s) make the refresh-before-expiry path observable.
describe.skipIf(!parts.ok)('SSH access tokens refreshed ahead of expiry (emulator)', () => {
  let emu: RunningEmulator;
  let app: NexusApp;
  let ws: Workspace;
  const home = tempHome();
  const paths = nexusPaths(home);

  beforeAll(async () => {
    emu = await startEmulator();
    app = await createApp({
      runtime: 'browser',
      home,
      log: createLogger('nexus', { level: 'warn', sink: () => undefined }),
      // The key from the environment this time (the first source in the resolution order).
      daytona: { apiUrl: emu.apiUrl, env: { DAYTONA_API_KEY: emu.apiKey }, tokenMinutes: 0.1, poll: { idleMs: 1_000, tickMs: 200 } },
    });
  });

  afterAll(async () => {
    await app?.dispose();
    if (emu) {
      await emu.removeAllSandboxes();
      await emu.stop();
    }
  });

  it('uses DAYTONA_API_KEY from the environment first', async () => {
    const status = await call(app, 'daytona.status', {});
    expect(status).toMatchObject({ source: 'environment', apiUrl: emu.apiUrl });
    expect(JSON.stringify(status)).not.toContain(emu.apiKey);
  });

  it('rewrites the alias with a fresh token while a long command keeps running on the pooled connection', async () => {
    ws = await call(app, 'workspaces.create', { repo: await makeRepo({ files: 2 }), name: 'tokens', backend: 'daytona' });
    const first = userOf(readFileSync(paths.sshConfig, 'utf8'), 'nexus-tokens');
    expect(first).toMatch(/^[A-Za-z0-9]{32}$/);
    const long = call(app, 'workspaces.exec', { id: ws.id, command: ['sh', '-c', 'sleep 8; echo still running'] });
    const seen = new Set([first]);
    const deadline = Date.now() + 20_000;
    while (seen.size < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      seen.add(userOf(readFileSync(paths.sshConfig, 'utf8'), 'nexus-tokens'));
    }
    expect(seen.size).toBeGreaterThanOrEqual(2);
    // The command that was running across the refresh was not cut off.
    expect((await long).stdout).toBe('still running\n');
    // New logins use the new token: OpenSSH through the rewritten alias, and the pool after a drop.
    const ssh = await run('ssh', ['-F', paths.sshConfig, 'nexus-tokens', 'echo', 'fresh'], { timeoutMs: 30_000 });
    expect(ssh.stdout, ssh.stderr).toBe('fresh\n');
    const sandbox = (await emu.admin.state()).sandboxes.find((s) => s.name.includes(ws.id.slice(0, 6)))!;
    await emu.admin.dropGatewayConnections(sandbox.id);
    await new Promise((r) => setTimeout(r, 300));
    expect((await call(app, 'workspaces.exec', { id: ws.id, command: ['echo', 'after drop'] })).stdout).toBe('after drop\n');
    await call(app, 'workspaces.delete', { id: ws.id, force: true });
  });
});
