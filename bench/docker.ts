import { rmSync } from 'node:fs';
import { createApp } from '../main/app/create-app.js';
import { nexusPaths } from '../main/config/paths.js';
import { run, runOk } from '../main/process/run.js';
import { call } from '../testing/app-client.js';
import { makeRepo } from '../testing/fixtures/git-repo.js';
import { tempHome } from '../testing/fixtures/temp-home.js';
import { median, report, sample } from './lib.js';
import { createLogger } from '../main/log/logger.js';

/**
 * Docker workspaces: create → ready, stop → start → ready, and a pooled exec round trip, next
 * to a fresh `ssh` through the generated alias and a `docker exec`, measured in the same run.
 */
export async function bench(): Promise<void> {
  const home = tempHome();
  const app = await createApp({ runtime: 'browser', home, log: createLogger('bench', { level: 'warn' }) });
  const repo = await makeRepo({ files: 1000 });
  const paths = nexusPaths(home);
  try {
    // Warm the image check once, so the figures are about the workspace, not a first build.
    const warm = await call(app, 'workspaces.create', { repo, name: 'bench-warm', backend: 'docker' });
    await call(app, 'workspaces.delete', { id: warm.id, force: true });

    const createOnly: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const ws = await call(app, 'workspaces.create', { repo, name: `bench-c-${i}`, backend: 'docker' });
      createOnly.push(performance.now() - t);
      await call(app, 'workspaces.delete', { id: ws.id, force: true });
    }
    const ws = await call(app, 'workspaces.create', { repo, name: 'bench-main', backend: 'docker' });
    const restart = await sample(5, async () => {
      await call(app, 'workspaces.stop', { id: ws.id });
      await call(app, 'workspaces.start', { id: ws.id });
    });
    await call(app, 'workspaces.exec', { id: ws.id, command: ['true'] });
    const exec = await sample(50, () => call(app, 'workspaces.exec', { id: ws.id, command: ['true'] }));
    const freshSsh = await sample(10, () => runOk('ssh', ['-F', paths.sshConfig, ws.sshAlias, 'true']));
    const container = (await run('docker', ['ps', '-q', '--filter', `label=nexus.workspace.id=${ws.id}`])).stdout.trim();
    const dockerExec = await sample(10, () => runOk('docker', ['exec', container, 'true']));
    await call(app, 'workspaces.delete', { id: ws.id, force: true });

    const m = { createOnly: median(createOnly), restart: median(restart), exec: median(exec), ssh: median(freshSsh), dockerExec: median(dockerExec) };
    report('docker', [
      { name: 'create → ready (1,000-file repo, image present)', value: m.createOnly, unit: 'ms', target: '≤ 5000 ms', met: m.createOnly <= 5000 },
      { name: 'stop → start → ready', value: m.restart, unit: 'ms', target: '≤ 2000 ms', met: m.restart <= 2000 },
      { name: 'exec round trip, pooled (`true`)', value: m.exec, unit: 'ms', target: '≤ 60 ms', met: m.exec <= 60 },
      { name: 'anchor: fresh `ssh -F … nexus-<name> true`', value: m.ssh, unit: 'ms' },
      { name: 'anchor: `docker exec <container> true`', value: m.dockerExec, unit: 'ms' },
      { name: 'pooled exec speed-up over fresh ssh', value: m.ssh / m.exec, unit: '×', target: '≥ 5×', met: m.ssh / m.exec >= 5 },
    ], { samples: { createOnly, restart, exec, freshSsh, dockerExec } });
  } finally {
    await app.dispose();
    const left = (await run('docker', ['ps', '-aq', '--filter', `label=nexus.home=${home}`])).stdout.split('\n').filter(Boolean);
    if (left.length) await run('docker', ['rm', '-f', ...left]);
    rmSync(home, { recursive: true, force: true });
  }
}
