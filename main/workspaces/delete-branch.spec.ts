import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigStore } from '../config/config-store.js';
import { nexusPaths } from '../config/paths.js';
import { createLogger } from '../log/logger.js';
import { EventHub } from '../rpc/event-hub.js';
import { gitIn, makeRepo } from '../../testing/fixtures/git-repo.js';
import { tempHome } from '../../testing/fixtures/temp-home.js';
import { branchFor, newWorkspaceId, sshAliasFor } from './ids.js';
import type { WorkspaceSsh } from './ports.js';
import { StateStore } from './state-store.js';
import type { WorkspaceRecord } from './state-store.js';
import { WorkspaceService } from './workspace-service.js';

// Real git, no backend: the records have no instance, so delete only touches the repository.
const ssh: WorkspaceSsh = {
  publicKey: () => Promise.resolve(''),
  register: () => Promise.resolve(),
  unregister: () => Promise.resolve(),
  exec: () => Promise.resolve({ exitCode: 0, signal: null }),
  waitReady: () => Promise.resolve(),
  drop: () => undefined,
  closeAll: () => Promise.resolve(),
};

const services: WorkspaceService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.dispose();
});

async function setup(name: string, options: { baseCommit: 'known' | 'unknown'; commitOnBranch: boolean; worktree: 'present' | 'missing' }) {
  const home = tempHome();
  const log = createLogger('spec', { sink: () => undefined });
  const repo = await makeRepo();
  const base = (await gitIn(repo, 'rev-parse', 'HEAD')).trim();
  const branch = branchFor(name);
  const worktree = join(home, 'worktrees', 'project', name);
  await gitIn(repo, 'worktree', 'add', '-q', '-b', branch, worktree, base);
  if (options.commitOnBranch) await gitIn(worktree, 'commit', '-q', '--allow-empty', '-m', 'only on the branch');
  if (options.worktree === 'missing') rmSync(worktree, { recursive: true, force: true });

  const state = new StateStore(join(home, 'state.json'), log);
  const record: WorkspaceRecord = {
    id: newWorkspaceId(),
    name,
    backend: 'docker',
    repo,
    branch,
    base: options.baseCommit === 'known' ? 'main' : '',
    baseCommit: options.baseCommit === 'known' ? base : '',
    worktree,
    sshAlias: sshAliasFor(name),
    instanceId: null,
    createdAt: new Date().toISOString(),
    phase: 'ready',
    adopted: options.baseCommit === 'unknown',
  };
  await state.putWorkspace(record);
  const hub = new EventHub(log);
  const notices: string[] = [];
  hub.on('notice', (n) => notices.push(n.title));
  const service = new WorkspaceService({ state, config: new ConfigStore(nexusPaths(home), log), backends: [], ssh, hub, log });
  services.push(service);
  const branchTip = async () => (await gitIn(repo, 'branch', '--list', '--format=%(subject)', branch)).trim();
  return { service, record, notices, branchTip };
}

describe('deleting a workspace keeps commits found only on its branch', () => {
  it('keeps the branch of an adopted workspace (base commit unknown) that has its own commit', async () => {
    const { service, record, notices, branchTip } = await setup('adopted', { baseCommit: 'unknown', commitOnBranch: true, worktree: 'present' });
    await service.delete(record.id);
    expect(await branchTip()).toBe('only on the branch');
    expect(notices).toContain(`Kept branch ${record.branch}`);
    expect(service.list()).toEqual([]);
  });

  it('keeps the branch of an adopted workspace even with force', async () => {
    const { service, record, branchTip } = await setup('adopted-force', { baseCommit: 'unknown', commitOnBranch: true, worktree: 'missing' });
    await service.delete(record.id, true);
    expect(await branchTip()).toBe('only on the branch');
  });

  it('still checks the branch for unmerged commits when the worktree folder is gone', async () => {
    const { service, record, notices, branchTip } = await setup('nofolder', { baseCommit: 'known', commitOnBranch: true, worktree: 'missing' });
    expect(await service.deleteRisk(record.id)).toEqual({ uncommitted: [], unmerged: [expect.stringContaining('only on the branch')] });
    await expect(service.delete(record.id)).rejects.toThrow(/1 commit\(s\) on nexus\/nofolder not in main/);
    await service.delete(record.id, true);
    expect(await branchTip()).toBe('only on the branch');
    expect(notices).toContain(`Kept branch ${record.branch}`);
  });

  it('deletes a branch that has nothing of its own', async () => {
    const { service, record, notices, branchTip } = await setup('clean', { baseCommit: 'known', commitOnBranch: false, worktree: 'present' });
    await service.delete(record.id);
    expect(await branchTip()).toBe('');
    expect(notices).not.toContain(`Kept branch ${record.branch}`);
  });

  it('deletes a branch that has nothing of its own when its folder was removed outside Nexus', async () => {
    const { service, record, branchTip } = await setup('gone-clean', { baseCommit: 'known', commitOnBranch: false, worktree: 'missing' });
    await service.delete(record.id);
    expect(await branchTip()).toBe('');
    expect(service.list()).toEqual([]);
  });
});
