import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncState } from '../../shared/domain/workspace.js';
import { nexusPaths } from '../config/paths.js';
import { createLogger } from '../log/logger.js';
import { run } from '../process/run.js';
import { gitIn, makeRepo } from '../../testing/fixtures/git-repo.js';
import { tempHome } from '../../testing/fixtures/temp-home.js';
import { requireParts } from '../../testing/parts.js';
import { recreateEmpty, remote, remoteWatch, remoteWrite, removeTestContainers, startTestWorkspace, until } from './spec-support.js';
import type { TestWorkspace } from './spec-support.js';
import { SyncService } from './sync-service.js';
import { mutagenEnv } from './cli.js';

const parts = await requireParts(['docker', 'workspace-image', 'mutagen', 'ssh']);
const ASSETS = 1500;

describe.skipIf(!parts.ok)('SyncService with real Mutagen, Docker and sshd', () => {
  const home = tempHome();
  const owner = basename(home);
  const paths = nexusPaths(home);
  const id = 'a1b2c3d4e5f6';
  const alias = 'nexus-synca';
  const log = createLogger('sync-spec', { level: (process.env.NEXUS_LOG_LEVEL as 'debug' | undefined) ?? 'warn' });
  const states: Array<{ id: string; state: SyncState }> = [];
  let service: SyncService;
  let excludes = ['scratch/'];
  let container: TestWorkspace;
  let worktree: string;
  let repo: string;
  const latencies: Record<string, number[]> = { localToRemote: [], remoteToLocal: [] };

  const current = () => service.state(id);
  const waitStatus = (status: SyncState['status'], timeoutMs = 30_000, raw?: string) =>
    until(() => current()?.status === status && (raw === undefined || current()?.raw === raw), timeoutMs, `sync status ${status}${raw ? ` (${raw})` : ''}, now ${JSON.stringify(current())}`);
  const remoteCat = (path: string) => remote(paths, alias, `cat /workspace/${path} 2>/dev/null || true`);
  const remoteExists = async (path: string) => (await remote(paths, alias, `test -e /workspace/${path} && echo yes || echo no`)).trim() === 'yes';

  /** Local write → seen in the container, in ms. */
  async function localToRemote(path: string, content: string): Promise<number> {
    const watch = remoteWatch(paths, alias, `/workspace/${path}`, content);
    await watch.ready;
    mkdirSync(dirname(join(worktree, path)), { recursive: true });
    const t0 = Date.now();
    writeFileSync(join(worktree, path), content);
    const ms = (await watch.seenAt) - t0;
    latencies.localToRemote!.push(ms);
    return ms;
  }

  /** Container write → seen in the worktree, in ms. */
  async function remoteToLocal(path: string, content: string): Promise<number> {
    const local = join(worktree, path);
    const written = await remoteWrite(paths, alias, `/workspace/${path}`, content);
    await until(() => existsSync(local) && readFileSync(local, 'utf8') === content, 20_000, `${path} to reach the worktree`, 10);
    const ms = Date.now() - written;
    latencies.remoteToLocal!.push(ms);
    return ms;
  }

  beforeAll(async () => {
    repo = await makeRepo({ files: 40 });
    worktree = join(dirname(repo), 'wt-a');
    await gitIn(repo, 'worktree', 'add', '-q', '-b', 'nexus/a', worktree, 'main');
    // Things that must never be synced, present before the first cycle.
    mkdirSync(join(worktree, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(join(worktree, 'node_modules', 'dep', 'index.js'), 'module.exports = 1;\n');
    writeFileSync(join(worktree, 'build.log'), 'log\n');
    mkdirSync(join(worktree, 'scratch'), { recursive: true });
    writeFileSync(join(worktree, 'scratch', 'big.bin'), 'excluded by sync.exclude\n');
    // Enough content that the first cycle shows staging progress. Every file differs: Mutagen
    // stages each content once, so 251 repeated contents staged too fast to be seen on a quiet machine.
    for (let i = 0; i < ASSETS; i++) {
      mkdirSync(join(worktree, 'assets', `g${i % 10}`), { recursive: true });
      const content = Buffer.alloc(20_000, i % 251);
      content.write(`asset ${i}\n`);
      writeFileSync(join(worktree, 'assets', `g${i % 10}`, `a${i}.bin`), content);
    }
    container = await startTestWorkspace(paths, alias, owner);
    service = new SyncService({
      paths,
      excludes: () => excludes,
      log,
      onState: (wsId, state) => states.push({ id: wsId, state }),
      restartDelayMs: 200,
    });
    await service.start();
  });

  afterAll(async () => {
    const pid = service?.daemonState().pid;
    await service?.dispose();
    if (pid) expect(() => process.kill(pid, 0)).toThrow(); // the daemon is gone
    await removeTestContainers(owner);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    process.stdout.write(
      `sync latency (ms): local→remote ${JSON.stringify(latencies.localToRemote)} median ${median(latencies.localToRemote!)}; ` +
        `remote→local ${JSON.stringify(latencies.remoteToLocal)} median ${median(latencies.remoteToLocal!)}\n`,
    );
  });

  it('creates the session, reports staging progress and returns after the first full cycle', async () => {
    const progress: Array<[number, number]> = [];
    await service.create({ id, name: 'a', worktree, sshAlias: alias }, (r, e) => progress.push([r, e]), new AbortController().signal);
    expect(await remoteCat('README.md')).toBe('# project\n');
    expect((await remote(paths, alias, 'find /workspace/assets -type f | wc -l')).trim()).toBe(String(ASSETS));
    expect(current()).toMatchObject({ status: 'watching', raw: 'watching', lastError: null, conflicts: [], problems: [] });
    // Progress is files received of expected, as the monitor saw it (small files can finish
    // between two monitor lines, so not every count shows).
    expect(progress.length).toBeGreaterThan(0);
    for (const [received, expected] of progress) {
      expect(received).toBeLessThanOrEqual(expected);
      expect(expected).toBeGreaterThan(0);
    }
    const seen = new Set(states.filter((s) => s.id === id).map((s) => s.state.status));
    expect(seen).toContain('staging');
  });

  it('propagates edits both ways within about a second', async () => {
    // Warm-up edit, then edits in folders not touched recently (no inotify shortcut there).
    await localToRemote('src/d0/f1.txt', 'edited on the host\n');
    await new Promise((r) => setTimeout(r, 1_500));
    for (let i = 0; i < 3; i++) {
      expect(await localToRemote(`assets/g${i}/a${i}.bin`, `host edit ${i}\n`)).toBeLessThan(3_000);
      expect(await remoteToLocal(`assets/g${i + 5}/a${i + 5}.bin`, `container edit ${i}\n`)).toBeLessThan(3_000);
      expect(await remoteToLocal(`fresh/r${i}.txt`, `new in container ${i}\n`)).toBeLessThan(3_000);
    }
  });

  it('never syncs .git, node_modules/, *.log or sync.exclude, and git still works in the worktree', async () => {
    expect(readFileSync(join(worktree, '.git'), 'utf8')).toMatch(/^gitdir: /); // a real worktree: .git is a file
    await remote(paths, alias, 'mkdir -p /workspace/node_modules/remote-dep && echo x > /workspace/node_modules/remote-dep/i.js && echo y > /workspace/remote.log && mkdir -p /workspace/scratch && echo z > /workspace/scratch/r.txt');
    await service.flush(id);
    expect(await remoteExists('.git')).toBe(false);
    expect(await remoteExists('node_modules/dep')).toBe(false);
    expect(await remoteExists('build.log')).toBe(false);
    expect(await remoteExists('scratch/big.bin')).toBe(false);
    expect(existsSync(join(worktree, 'node_modules', 'remote-dep'))).toBe(false);
    expect(existsSync(join(worktree, 'remote.log'))).toBe(false);
    expect(existsSync(join(worktree, 'scratch', 'r.txt'))).toBe(false);

    const status = await gitIn(worktree, 'status', '--porcelain');
    expect(status).toContain('src/d0/f1.txt');
    expect(status).toContain('fresh/');
    await gitIn(worktree, 'add', '-A');
    await gitIn(worktree, 'commit', '-q', '-m', 'work from the workspace');
    expect(await gitIn(worktree, 'log', '--oneline', '-1')).toContain('work from the workspace');
    expect(await gitIn(repo, 'log', '--oneline', '-1', 'nexus/a')).toContain('work from the workspace');
    await service.flush(id);
    expect(await remoteExists('.git')).toBe(false);
    expect(current()?.status).toBe('watching');
  });

  it('pause stops propagation, resume restarts it', async () => {
    await service.pause(id);
    await waitStatus('paused', 10_000);
    writeFileSync(join(worktree, 'paused.txt'), 'written while paused\n');
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await remoteExists('paused.txt')).toBe(false);
    await service.resume(id);
    await until(async () => (await remoteCat('paused.txt')) === 'written while paused\n', 10_000, 'paused.txt to arrive after resume', 200);
    await waitStatus('watching');
  });

  it('reports an edit on both sides as a conflict, with both changes, and loses neither', async () => {
    await service.pause(id);
    await waitStatus('paused', 10_000);
    writeFileSync(join(worktree, 'README.md'), '# edited on the host\n');
    await remoteWrite(paths, alias, '/workspace/README.md', '# edited in the container\n');
    await service.resume(id);
    await service.flush(id);
    await until(() => (current()?.conflicts.length ?? 0) > 0, 10_000, 'a conflict');
    const conflict = current()!.conflicts.find((c) => c.path === 'README.md');
    expect(conflict).toBeDefined();
    expect(conflict!.alpha.join(' ')).toMatch(/^modified README\.md \(file \w+ → file \w+\)/);
    expect(conflict!.beta.join(' ')).toMatch(/^modified README\.md \(file \w+ → file \w+\)/);
    expect(conflict!.alpha[0]).not.toBe(conflict!.beta[0]);
    expect(readFileSync(join(worktree, 'README.md'), 'utf8')).toBe('# edited on the host\n');
    expect(await remoteCat('README.md')).toBe('# edited in the container\n');
    // The user resolves it by making both sides agree; the conflict goes away.
    await remoteWrite(paths, alias, '/workspace/README.md', '# edited on the host\n');
    await service.flush(id);
    await until(() => current()?.conflicts.length === 0, 10_000, 'the conflict to clear');
  });

  it('restarts a killed daemon, and the session carries on by itself', async () => {
    const before = service.daemonState();
    expect(before.status).toBe('running');
    const since = states.length;
    process.kill(before.pid!, 'SIGKILL');
    await until(() => service.daemonState().status === 'running' && service.daemonState().pid !== before.pid, 20_000, 'the daemon to come back');
    expect(service.daemonState().restarts).toBe(1);
    expect(states.slice(since).some((s) => s.id === id && s.state.raw === 'daemon-stopped' && s.state.status === 'disconnected')).toBe(true);
    await waitStatus('watching');
    expect(await localToRemote('after-restart.txt', 'after the daemon restart\n')).toBeLessThan(5_000);
    expect(await remoteToLocal('after-restart-remote.txt', 'from the container after restart\n')).toBeLessThan(5_000);
  });

  it('reports halted-on-root-emptied for a container recreated empty, keeps local files, and reset recovers', async () => {
    const before = readdirSync(worktree).sort();
    const readme = readFileSync(join(worktree, 'README.md'), 'utf8');
    await recreateEmpty(paths, container, owner);
    // Reconnect now rather than at Mutagen's next 15 s retry (what a workspace start does).
    await service.resume(id);
    await waitStatus('halted', 45_000, 'halted-on-root-emptied');
    expect(current()?.lastError).toMatch(/became empty/);
    expect(readdirSync(worktree).sort()).toEqual(before);
    expect(readFileSync(join(worktree, 'README.md'), 'utf8')).toBe(readme);
    expect(await remoteExists('README.md')).toBe(false);

    await service.reset(id);
    await service.flush(id);
    await waitStatus('watching');
    expect(await remoteCat('README.md')).toBe(readme);
    expect((await remote(paths, alias, 'find /workspace/assets -type f | wc -l')).trim()).toBe(String(ASSETS));
    expect(readdirSync(worktree).sort()).toEqual(before);
  });

  it('ensure applies a changed sync.exclude to the existing session, and loses no file', async () => {
    const ws = { id, name: 'a', worktree, sshAlias: alias };
    expect(await service.ensure([ws])).toEqual({ created: [], recreated: [], failed: [], orphaned: [] });
    await service.flush(id);
    expect(await remoteExists('scratch/big.bin')).toBe(false);
    // scratch/ is no longer excluded; out/ now is.
    excludes = ['out/'];
    expect(await service.ensure([ws])).toEqual({ created: [], recreated: [id], failed: [], orphaned: [] });
    await waitStatus('watching');
    mkdirSync(join(worktree, 'out'), { recursive: true });
    writeFileSync(join(worktree, 'out', 'gen.js'), 'generated\n');
    await remoteWrite(paths, alias, '/workspace/out/remote.js', 'made in the container\n');
    await service.flush(id);
    expect(await remoteCat('scratch/big.bin')).toBe('excluded by sync.exclude\n');
    expect(await remoteExists('out/gen.js')).toBe(false);
    expect(existsSync(join(worktree, 'out', 'remote.js'))).toBe(false);
    expect(readFileSync(join(worktree, 'out', 'gen.js'), 'utf8')).toBe('generated\n');
    expect(await remoteCat('out/remote.js')).toBe('made in the container\n');
    expect(await localToRemote('after-excludes.txt', 'after the change\n')).toBeLessThan(5_000);
    // Applied once: nothing more to do.
    expect(await service.ensure([ws])).toEqual({ created: [], recreated: [], failed: [], orphaned: [] });
  });

  it('terminate removes the session; ensure recreates a missing one', async () => {
    const since = states.length;
    await service.terminate(id);
    expect(service.state(id)).toBeNull();
    expect(states.slice(since).some((s) => s.id === id && s.state.status === 'off')).toBe(true);
    await service.terminate(id); // idempotent
    expect(existsSync(join(worktree, 'README.md'))).toBe(true);

    const result = await service.ensure([{ id, name: 'a', worktree, sshAlias: alias }]);
    expect(result).toEqual({ created: [id], recreated: [], failed: [], orphaned: [] });
    await waitStatus('watching');
    expect(await localToRemote('after-ensure.txt', 'after ensure\n')).toBeLessThan(5_000);
    expect((await service.ensure([{ id, name: 'a', worktree, sshAlias: alias }])).created).toEqual([]);
    expect((await service.ensure([])).orphaned).toEqual([id]);

    await service.terminate(id);
    const listed = await run('mutagen', ['sync', 'list', '--template', '{{json .}}'], {
      env: { ...process.env, MUTAGEN_DATA_DIRECTORY: paths.mutagenDir, MUTAGEN_DISABLE_AUTOSTART: '1' },
    });
    expect(listed.stdout.trim()).toBe('[]');
  });

  it('a cancelled create leaves no session behind', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(service.create({ id, name: 'a', worktree, sshAlias: alias }, () => undefined, controller.signal)).rejects.toMatchObject({ code: 'cancelled' });
    expect(service.state(id)).toBeNull();
  });
});

describe.skipIf(!parts.ok)('SyncService daemon ownership', () => {
  it('takes over a daemon left behind by a Nexus process that died, and leaves none behind', async () => {
    const home = tempHome();
    const paths = nexusPaths(home);
    const env = mutagenEnv(process.env, paths.mutagenDir, join(home, 'mutagen-ssh'));
    mkdirSync(paths.mutagenDir, { recursive: true });
    const orphan = spawn('mutagen', ['daemon', 'run'], { env, stdio: 'ignore', detached: true });
    orphan.unref();
    await until(async () => (await run('mutagen', ['sync', 'list'], { env })).code === 0, 10_000, 'the orphan daemon');
    const service = new SyncService({ paths, excludes: () => [], log: createLogger('sync-spec', { level: 'error' }), onState: () => undefined });
    try {
      await service.start();
      const state = service.daemonState();
      expect(state.status).toBe('running');
      expect(state.pid).not.toBe(orphan.pid);
      await until(() => {
        try {
          process.kill(orphan.pid!, 0);
          return false;
        } catch {
          return true;
        }
      }, 5_000, 'the orphan daemon to exit');
    } finally {
      await service.dispose();
      try {
        process.kill(orphan.pid!, 'SIGKILL');
      } catch {
        // already gone, as expected
      }
    }
  });
});
