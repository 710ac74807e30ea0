import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import type { NexusApp } from '../app/create-app.js';
import { nexusPaths } from '../config/paths.js';
import { run } from '../process/run.js';
import { call, recordEvents } from '../../testing/app-client.js';
import { gitIn, makeRepo } from '../../testing/fixtures/git-repo.js';
import { tempHome } from '../../testing/fixtures/temp-home.js';
import { requireParts } from '../../testing/parts.js';
import { removeLabelledContainers } from '../../testing/fixtures/docker.js';

const parts = await requireParts(['docker', 'workspace-image', 'ssh']);

const containersOf = async (id: string) =>
  (await run('docker', ['ps', '-aq', '--filter', `label=nexus.workspace.id=${id}`])).stdout.trim();

describe.skipIf(!parts.ok)('Docker workspaces end to end', () => {
  const home = tempHome();
  let app: NexusApp;
  let repo: string;

  beforeAll(async () => {
    app = await createApp({ runtime: 'browser', home });
    repo = await makeRepo({ files: 20 });
  });
  afterAll(async () => {
    await app?.dispose();
    await removeLabelledContainers({ home });
  });

  it('runs the whole lifecycle: create, exec, stop, start, exec, delete', async () => {
    const events = recordEvents(app);
    const ws = await call(app, 'workspaces.create', { repo, name: 'life', backend: 'docker' });
    expect(ws.status).toBe('running');
    expect(ws.branch).toBe('nexus/life');
    const steps = events.of('workspace.progress').filter((p) => p.state === 'done').map((p) => p.step);
    expect(steps).toEqual(['worktree', 'image', 'container', 'ssh', 'files', 'sync', 'ready']);

    writeFileSync(join(ws.worktree, 'src', 'd0', 'f1.txt'), 'changed on the host\n');
    // File sync carries the edit into the workspace, where git sees it against the base.
    await expect
      .poll(async () => (await call(app, 'workspaces.exec', { id: ws.id, command: ['cat', 'src/d0/f1.txt'] })).stdout, { timeout: 15_000 })
      .toBe('changed on the host\n');
    await expect.poll(async () => (await call(app, 'workspaces.get', { id: ws.id })).sync?.status, { timeout: 15_000 }).toBe('watching');
    const status = await call(app, 'workspaces.exec', { id: ws.id, command: ['git', 'status', '--short', '--branch'] });
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toContain('## nexus/life');
    expect(status.stdout).toContain(' M src/d0/f1.txt');
    const files = await call(app, 'workspaces.exec', { id: ws.id, command: ['ls', 'src/d0'] });
    expect(files.stdout).toContain('f19.txt');

    // The generated ssh config works from any terminal, with strict host key checking.
    const paths = nexusPaths(home);
    const fresh = await run('ssh', ['-F', paths.sshConfig, ws.sshAlias, 'cat', '/workspace/README.md'], { timeoutMs: 20_000 });
    expect(fresh.stdout).toBe('# project\n');

    const failing = await call(app, 'workspaces.exec', { id: ws.id, command: ['sh', '-c', 'echo oops >&2; exit 3'] });
    expect(failing).toMatchObject({ exitCode: 3, stderr: 'oops\n' });

    expect((await call(app, 'workspaces.stop', { id: ws.id })).status).toBe('sleeping');
    expect((await call(app, 'workspaces.start', { id: ws.id })).status).toBe('running');
    const again = await call(app, 'workspaces.exec', { id: ws.id, command: ['whoami'] });
    expect(again.stdout.trim()).toBe('nexus');

    const port = readFileSync(paths.sshConfig, 'utf8').match(new RegExp(`Host ${ws.sshAlias}\\n(?:.*\\n)*?\\s+Port (\\d+)`))?.[1];
    expect(port).toBeDefined();
    // Uncommitted edit from above: delete must be forced.
    await call(app, 'workspaces.delete', { id: ws.id, force: true });
    expect(await containersOf(ws.id)).toBe('');
    expect(existsSync(ws.worktree)).toBe(false);
    expect(readFileSync(paths.sshConfig, 'utf8')).not.toContain(ws.sshAlias);
    expect(readFileSync(paths.knownHosts, 'utf8')).not.toContain(ws.sshAlias);
    const published = await run('docker', ['ps', '-a', '--format', '{{.Ports}}']);
    expect(published.stdout).not.toContain(`127.0.0.1:${port}->`);
    expect(await gitIn(repo, 'branch', '--list', 'nexus/life')).toBe('');
    expect(events.of('workspace.removed')).toEqual([{ id: ws.id }]);
  });

  it('sees a container stopped outside Nexus at once, and wakes it when something runs in it', async () => {
    const ws = await call(app, 'workspaces.create', { repo, name: 'outside', backend: 'docker' });
    const events = recordEvents(app);
    await run('docker', ['stop', '-t', '1', await containersOf(ws.id)]);
    await expect.poll(async () => (await call(app, 'workspaces.get', { id: ws.id })).status, { timeout: 10_000 }).toBe('sleeping');
    expect(events.of('notice').map((n) => n.title)).toContain('Workspace outside fell asleep.');

    const out = await call(app, 'workspaces.exec', { id: ws.id, command: ['cat', 'README.md'] });
    expect(out.stdout).toBe('# project\n');
    const titles = events.of('notice').map((n) => n.title);
    expect(titles.indexOf('Workspace outside is sleeping. Starting…')).toBeLessThan(titles.indexOf('Workspace started.'));
    expect((await call(app, 'workspaces.get', { id: ws.id })).status).toBe('running');
    await call(app, 'workspaces.delete', { id: ws.id });
  });

  it.each([
    ['../x'],
    ['a;rm -rf ~'],
    ['$(id)'],
    ['café'],
    ['x'.repeat(200)],
    [''],
    ['-rf'],
    ['UPPER'],
  ])('refuses the hostile name %j and creates nothing', async (name) => {
    const before = await gitIn(repo, 'branch', '--list');
    const err = await call(app, 'workspaces.create', { repo, name, backend: 'docker' }).catch((e: Error & { code?: string; field?: string }) => e);
    expect(err).toMatchObject({ code: 'invalid_request', field: 'name' });
    expect((err as Error).message).toMatch(/name/i);
    expect(await gitIn(repo, 'branch', '--list')).toBe(before);
    expect(await call(app, 'workspaces.list', {})).toEqual([]);
  });

  it('cancels a create in flight and leaves nothing behind', async () => {
    const events = recordEvents(app);
    let cancelled: Promise<unknown> | null = null;
    const off = app.hub.on('workspace.progress', (p) => {
      if (p.step === 'ssh' && p.state === 'running' && !cancelled) cancelled = call(app, 'workspaces.cancelCreate', { id: p.workspaceId });
    });
    const err = await call(app, 'workspaces.create', { repo, name: 'cancelme', backend: 'docker' }).catch((e: Error & { code?: string }) => e);
    off();
    expect(await cancelled).toEqual({ cancelled: true });
    expect(err).toMatchObject({ code: 'cancelled' });
    const id = events.of('workspace.progress')[0]?.workspaceId ?? '';
    expect(events.of('workspace.progress').at(-1)).toMatchObject({ state: 'cancelled' });
    expect(await containersOf(id)).toBe('');
    expect(await gitIn(repo, 'branch', '--list', 'nexus/cancelme')).toBe('');
    expect(existsSync(join(home, 'worktrees', 'project', 'cancelme'))).toBe(false);
    expect(await call(app, 'workspaces.list', {})).toEqual([]);
  });

  it('refuses a folder that is not a git repository, saying so', async () => {
    await expect(call(app, 'workspaces.create', { repo: home, name: 'nogit', backend: 'docker' })).rejects.toThrow(/is not a git repository/);
    await expect(call(app, 'repos.add', { path: home })).rejects.toThrow(/is not a git repository/);
  });

  it('gives five parallel creates five distinct ports, and all become ready', async () => {
    const names = ['par-1', 'par-2', 'par-3', 'par-4', 'par-5'];
    const made = await Promise.all(names.map((name) => call(app, 'workspaces.create', { repo, name, backend: 'docker' })));
    expect(made.map((w) => w.status)).toEqual(names.map(() => 'running'));
    const config = readFileSync(nexusPaths(home).sshConfig, 'utf8');
    const ports = names.map((n) => new RegExp(`Host nexus-${n}\\n(?:.*\\n)*?\\s+Port (\\d+)`).exec(config)?.[1]);
    expect(new Set(ports).size).toBe(5);
    for (const p of ports) expect(Number(p)).toBeGreaterThanOrEqual(32800);
    await Promise.all(made.map((w) => call(app, 'workspaces.delete', { id: w.id })));
    expect(await call(app, 'workspaces.list', {})).toEqual([]);
  });

  it('refuses to delete a dirty worktree or unmerged commits, naming them, and deletes with force', async () => {
    const ws = await call(app, 'workspaces.create', { repo, name: 'guarded', backend: 'docker' });
    writeFileSync(join(ws.worktree, 'notes.txt'), 'precious\n');
    await expect(call(app, 'workspaces.delete', { id: ws.id })).rejects.toThrow(/uncommitted changes in notes\.txt/);
    await gitIn(ws.worktree, 'add', 'notes.txt');
    await gitIn(ws.worktree, '-c', 'user.name=T', '-c', 'user.email=t@e', 'commit', '-q', '-m', 'keep my notes');
    const risk = await call(app, 'workspaces.deleteRisk', { id: ws.id });
    expect(risk.uncommitted).toEqual([]);
    expect(risk.unmerged).toEqual([expect.stringContaining('keep my notes')]);
    await expect(call(app, 'workspaces.delete', { id: ws.id })).rejects.toThrow(/1 commit\(s\) on nexus\/guarded not in main \(\w+ keep my notes\)/);
    expect((await call(app, 'workspaces.get', { id: ws.id })).status).toBe('running');
    await call(app, 'workspaces.delete', { id: ws.id, force: true });
    expect(existsSync(ws.worktree)).toBe(false);
    // The commits are not destroyed: the branch stays.
    expect(await gitIn(repo, 'log', '--format=%s', '-1', 'nexus/guarded')).toBe('keep my notes\n');
  });
});
