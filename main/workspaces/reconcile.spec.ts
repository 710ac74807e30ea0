import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { nexusPaths } from '../config/paths.js';
import { run } from '../process/run.js';
import { call } from '../../testing/app-client.js';
import { removeLabelledContainers, stopMutagenDaemon } from '../../testing/fixtures/docker.js';
import { gitIn, makeRepo } from '../../testing/fixtures/git-repo.js';
import { SocketProxy } from '../../testing/fixtures/socket-proxy.js';
import { tempHome } from '../../testing/fixtures/temp-home.js';
import { requireParts } from '../../testing/parts.js';

const parts = await requireParts(['docker', 'workspace-image', 'ssh']);
const homes: string[] = [];
const home = () => {
  const h = tempHome();
  homes.push(h);
  return h;
};

/** Runs a create in a child process and SIGKILLs it once `step` reports `state`. */
function createThenKill(h: string, repo: string, name: string, step: string, state = 'done'): Promise<string> {
  return new Promise((ok, fail) => {
    const script = resolve(import.meta.dirname, '../../testing/scenarios/create-and-die.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script, h, repo, name], { stdio: ['ignore', 'pipe', 'pipe'] });
    let id = '';
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      for (const line of chunk.split('\n').filter(Boolean)) {
        const p = JSON.parse(line) as { workspaceId?: string; step?: string; state?: string };
        if (p.workspaceId) id = p.workspaceId;
        if (p.step === step && p.state === state) child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? ok(id) : fail(new Error(`create finished before it could be killed:\n${out}`))));
  });
}

const containersOf = async (id: string) => (await run('docker', ['ps', '-aq', '--filter', `label=nexus.workspace.id=${id}`])).stdout.trim();

describe.skipIf(!parts.ok)('reconcile at startup', () => {
  afterAll(async () => {
    for (const h of homes) {
      await stopMutagenDaemon(h);
      await removeLabelledContainers({ home: h });
    }
  });

  it.each([['container'], ['ssh']])('rolls back a create killed after the %s step, leaving no orphan', async (step) => {
    const h = home();
    const repo = await makeRepo();
    const id = await createThenKill(h, repo, `crash-${step}`, step);
    expect(id).toMatch(/^[a-z0-9]{12}$/);
    expect(await containersOf(id)).not.toBe('');

    const app = await createApp({ runtime: 'browser', home: h });
    try {
      expect(await call(app, 'workspaces.list', {})).toEqual([]);
      expect(await containersOf(id)).toBe('');
      expect(existsSync(join(h, 'worktrees', 'project', `crash-${step}`))).toBe(false);
      expect(await gitIn(repo, 'branch', '--list', `nexus/crash-${step}`)).toBe('');
      const sshConfig = nexusPaths(h).sshConfig;
      if (existsSync(sshConfig)) expect(readFileSync(sshConfig, 'utf8')).not.toContain(`nexus-crash-${step}`);
    } finally {
      await app.dispose();
    }
  });

  it('adopts a labelled container whose state was lost, and shows a gone container as missing', async () => {
    const h = home();
    const repo = await makeRepo();
    const first = await createApp({ runtime: 'browser', home: h });
    const kept = await call(first, 'workspaces.create', { repo, name: 'kept', backend: 'docker' });
    const gone = await call(first, 'workspaces.create', { repo, name: 'gone', backend: 'docker' });
    await first.dispose();

    await run('docker', ['rm', '-f', ...(await containersOf(gone.id)).split('\n')]);
    const state = JSON.parse(readFileSync(nexusPaths(h).state, 'utf8')) as { workspaces: Array<{ id: string }> };
    state.workspaces = state.workspaces.filter((w) => w.id !== kept.id);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(nexusPaths(h).state, JSON.stringify(state));

    const second = await createApp({ runtime: 'browser', home: h });
    try {
      const list = await call(second, 'workspaces.list', {});
      const byName = Object.fromEntries(list.map((w) => [w.name, w]));
      expect(byName.kept).toMatchObject({ id: kept.id, status: 'running', statusDetail: expect.stringContaining('adopted') });
      expect(byName.gone).toMatchObject({ id: gone.id, status: 'missing' });
      const out = await call(second, 'workspaces.exec', { id: kept.id, command: ['cat', 'README.md'] });
      expect(out.stdout).toBe('# project\n');
      await call(second, 'workspaces.delete', { id: gone.id, force: true });
      await call(second, 'workspaces.delete', { id: kept.id, force: true });
    } finally {
      await second.dispose();
    }
  });

  it('with the Docker engine down, create fails with the message and leaves nothing; once it is back, create works', async () => {
    const h = home();
    const repo = await makeRepo();
    const proxy = new SocketProxy(join(h, 'docker.sock'));
    await proxy.open();
    const app = await createApp({ runtime: 'browser', home: h, dockerHost: proxy.dockerHost });
    try {
      await proxy.close();
      const err = await call(app, 'workspaces.create', { repo, name: 'down', backend: 'docker' }).catch((e: Error & { code?: string }) => e);
      expect(err).toMatchObject({ code: 'docker_unavailable', message: 'Docker is not running — start Docker Desktop or dockerd.' });
      expect(await call(app, 'workspaces.list', {})).toEqual([]);
      expect(await gitIn(repo, 'branch', '--list', 'nexus/down')).toBe('');
      expect(existsSync(join(h, 'worktrees', 'project', 'down'))).toBe(false);
      // The rest of the app keeps working.
      expect((await call(app, 'repos.add', { path: repo })).name).toBe('project');

      await proxy.open();
      const ws = await call(app, 'workspaces.create', { repo, name: 'down', backend: 'docker' });
      expect(ws.status).toBe('running');
      await call(app, 'workspaces.delete', { id: ws.id });
    } finally {
      await app.dispose();
      await proxy.close();
      rmSync(join(h, 'docker.sock'), { force: true });
    }
  });
});
