import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { NexusError, isNexusError } from '../../shared/errors.js';
import type { BackendKind } from '../../shared/domain/workspace.js';
import { WorkspaceName } from '../../shared/domain/workspace.js';
import type { Backend, SshEndpoint } from '../backends/backend.js';
import { addWorktree, branchExists, currentBranch, deleteBranch, removeWorktree, repoRoot, resolveCommit } from '../git/git.js';
import type { Logger } from '../log/logger.js';
import { branchFor, newWorkspaceId, sshAliasFor } from './ids.js';
import type { WorkspaceSsh } from './ports.js';
import { CreateProgress } from './progress.js';
import { seedFiles } from './seed-files.js';
import type { StateStore, WorkspaceRecord } from './state-store.js';
import type { EventHub } from '../rpc/event-hub.js';

export interface CreateRequest {
  repo: string;
  name: string;
  base?: string | undefined;
  backend: BackendKind;
}

export interface CreateDeps {
  state: StateStore;
  backend: Backend;
  ssh: WorkspaceSsh;
  hub: EventHub;
  log: Logger;
  worktreesDir: string;
  /** Extra steps after the files are in place (sync, in the sync service). */
  afterFiles?: (record: WorkspaceRecord, endpoint: SshEndpoint, progress: CreateProgress, signal: AbortSignal) => Promise<() => Promise<void>>;
  /** Told the record as soon as it exists, so the card appears and cancel can find it. */
  onRecord: (record: WorkspaceRecord) => void;
}

/** Checks everything that can be checked before anything is made. */
export async function validateCreate(req: CreateRequest, deps: Pick<CreateDeps, 'state' | 'backend' | 'worktreesDir'>) {
  const name = WorkspaceName.safeParse(req.name);
  if (!name.success) throw new NexusError('invalid_request', name.error.issues[0]?.message ?? 'Invalid name.', { field: 'name' });
  const repo = await repoRoot(req.repo);
  if (deps.state.workspaces().some((w) => w.name === req.name)) {
    throw new NexusError('conflict', `A workspace named "${req.name}" already exists. Pick another name.`, { field: 'name' });
  }
  const availability = await deps.backend.available();
  if (!availability.ok) throw new NexusError(deps.backend.kind === 'docker' ? 'docker_unavailable' : 'daytona_unreachable', availability.reason);
  const base = req.base ?? (await currentBranch(repo)) ?? 'HEAD';
  const baseCommit = await resolveCommit(repo, base);
  const branch = branchFor(req.name);
  if (await branchExists(repo, branch)) {
    throw new NexusError('conflict', `Branch ${branch} already exists in ${repo}. Pick another name, or delete that branch first.`, { field: 'name' });
  }
  const worktree = join(deps.worktreesDir, basename(repo), req.name);
  if (existsSync(worktree)) {
    throw new NexusError('conflict', `${worktree} already exists. Pick another name, or move that folder away.`, { field: 'name' });
  }
  return { repo, base, baseCommit, branch, worktree };
}

/**
 * The create flow: worktree → image → container → ssh → files (→ sync) → ready, one progress
 * event per step. Cancellable; a failure or cancel undoes what this create made, in reverse.
 * The record is saved (phase `creating`) before anything exists, so a crash mid-way is found
 * and rolled back by reconcile at the next start.
 */
export async function createWorkspace(req: CreateRequest, deps: CreateDeps, signal: AbortSignal, id = newWorkspaceId()): Promise<WorkspaceRecord> {
  const v = await validateCreate(req, deps);
  const record: WorkspaceRecord = {
    id,
    name: req.name,
    backend: req.backend,
    repo: v.repo,
    branch: v.branch,
    base: v.base,
    baseCommit: v.baseCommit,
    worktree: v.worktree,
    sshAlias: sshAliasFor(req.name),
    instanceId: null,
    createdAt: new Date().toISOString(),
    phase: 'creating',
    adopted: false,
  };
  await deps.state.putWorkspace(record);
  deps.onRecord(record);
  const progress = new CreateProgress(deps.hub, id, req.name);
  const undo: Array<{ what: string; run: () => Promise<void> }> = [];
  const check = () => {
    if (signal.aborted) throw new NexusError('cancelled', `Creating "${req.name}" was cancelled; nothing was left behind.`);
  };
  try {
    await progress.step('worktree', `Creating branch ${v.branch} from ${v.base} in ${v.worktree}`, async () => {
      await addWorktree(v.repo, v.worktree, v.branch, v.baseCommit, signal);
      undo.push({
        what: 'worktree',
        run: async () => {
          await removeWorktree(v.repo, v.worktree);
          await deleteBranch(v.repo, v.branch);
        },
      });
    });
    check();
    await progress.step('image', 'Checking the workspace image', (report) => deps.backend.prepare(report, signal));
    check();
    const authorizedKey = await deps.ssh.publicKey();
    const made = await progress.step('container', `Creating the ${req.backend} workspace`, (report) =>
      deps.backend.create({ workspaceId: id, name: req.name, repo: v.repo, authorizedKey }, report, signal),
    );
    undo.push({ what: 'instance', run: () => deps.backend.remove(made.instanceId) });
    record.instanceId = made.instanceId;
    await deps.state.patchWorkspace(id, { instanceId: made.instanceId });
    check();
    await progress.step('ssh', `Connecting over SSH (${record.sshAlias})`, async (report) => {
      await deps.ssh.register(record, made.endpoint);
      undo.push({ what: 'ssh entry', run: () => deps.ssh.unregister(record) });
      await deps.ssh.waitReady(record, made.endpoint, signal, (attempt) => report(`Waiting for the SSH server (attempt ${attempt + 1})`));
    });
    check();
    await progress.step('files', `Copying ${v.base} (${v.baseCommit.slice(0, 8)}) into the workspace`, () => seedFiles(deps.ssh, record, made.endpoint, signal));
    check();
    if (deps.afterFiles) {
      const undoAfter = await deps.afterFiles(record, made.endpoint, progress, signal);
      undo.push({ what: 'sync', run: undoAfter });
      check();
    }
    const ready = (await deps.state.patchWorkspace(id, { phase: 'ready' })) ?? record;
    progress.ready();
    return ready;
  } catch (err) {
    const cancelled = signal.aborted || (isNexusError(err) && err.code === 'cancelled');
    const reason = err instanceof Error ? err.message : String(err);
    if (cancelled) progress.cancelled();
    else progress.failed(reason);
    deps.ssh.drop(id);
    for (const step of undo.reverse()) {
      await step.run().catch((e: unknown) => deps.log.warn(`rolling back ${step.what} of ${req.name} failed`, e));
    }
    await deps.state.removeWorkspace(id);
    if (cancelled) throw new NexusError('cancelled', `Creating "${req.name}" was cancelled; nothing was left behind.`);
    const code = isNexusError(err) ? err.code : 'internal';
    if (!isNexusError(err)) deps.log.error(`create ${req.name} failed at ${progress.current}`, err);
    const said = isNexusError(err) ? err.message : 'an unexpected error (details in the log)';
    throw new NexusError(code, `Creating "${req.name}" failed at the ${progress.current} step: ${said}`, { cause: err });
  }
}
