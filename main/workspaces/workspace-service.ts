import { existsSync } from 'node:fs';
import { NexusError } from '../../shared/errors.js';
import type { BackendKind, DeleteRisk, Workspace, WorkspaceStatus } from '../../shared/domain/workspace.js';
import type { Backend, SshEndpoint } from '../backends/backend.js';
import type { ConfigStore } from '../config/config-store.js';
import { branchExists, deleteBranch, pruneWorktrees, removeWorktree, uncommitted, unmergedCommits } from '../git/git.js';
import type { Logger } from '../log/logger.js';
import type { EventHub } from '../rpc/event-hub.js';
import { createWorkspace } from './create-workspace.js';
import type { CreateDeps } from './create-workspace.js';
import { KeyedMutex } from '../process/keyed-mutex.js';
import { toView } from './live-status.js';
import type { Live } from './live-status.js';
import type { WorkspaceSsh } from './ports.js';
import { reconcile } from './reconcile.js';
import type { StateStore, WorkspaceRecord } from './state-store.js';

const MAX_OUTPUT = 1024 * 1024;

export interface WorkspaceServiceDeps {
  state: StateStore;
  config: ConfigStore;
  backends: Backend[];
  ssh: WorkspaceSsh;
  hub: EventHub;
  log: Logger;
}

/** Hooks other services attach to the lifecycle (sync pauses on stop, resumes on start, …). */
export interface LifecycleHooks {
  afterFiles?: CreateDeps['afterFiles'];
  afterStart?: (record: WorkspaceRecord, endpoint: SshEndpoint) => Promise<void>;
  beforeStop?: (record: WorkspaceRecord) => Promise<void>;
  beforeDelete?: (record: WorkspaceRecord) => Promise<void>;
  /** The backend stopped it by itself (auto-stop, crash, `docker stop`). */
  afterSlept?: (record: WorkspaceRecord) => Promise<void>;
}

/**
 * Workspaces: create, list, start, stop, delete, exec. Operations on one workspace run one at a
 * time; delete never loses uncommitted or unmerged work without `force`.
 */
export class WorkspaceService {
  private readonly live = new Map<string, Live>();
  private readonly creating = new Map<string, AbortController>();
  private readonly mutex = new KeyedMutex();
  /** Endpoints of running workspaces, so an exec does not ask the backend every time. */
  private readonly endpoints = new Map<string, SshEndpoint>();
  hooks: LifecycleHooks = {};
  private readonly unwatch: Array<() => void> = [];

  constructor(private readonly deps: WorkspaceServiceDeps) {}

  /** Loads state and reconciles it with the backends. Call once at startup. */
  async init(): Promise<void> {
    await this.deps.state.load();
    const result = await reconcile(this.deps.state, this.deps.backends, this.deps.config.worktreesDir(), this.deps.log, (r) => this.deps.ssh.unregister(r));
    for (const [id, live] of result.live) this.live.set(id, live);
    const notice = (title: string, names: string[], level: 'info' | 'warning') =>
      names.length > 0 && this.deps.hub.emit('notice', { level, title, message: names.join(', '), workspaceId: null, key: `reconcile:${title}` });
    for (const backend of this.deps.backends) {
      const unwatch = backend.watch?.((id) => {
        // Our own start/stop/delete report their result themselves; this is for changes from outside.
        if (this.deps.state.workspace(id) && !this.mutex.busy(id) && !this.creating.has(id)) void this.refresh(id).catch(() => undefined);
      });
      if (unwatch) this.unwatch.push(unwatch);
    }
    notice('Adopted workspaces found on the backends', result.adopted, 'info');
    notice('Cleaned up interrupted creates', result.rolledBack, 'info');
    notice('Workspaces whose container or sandbox is gone', result.missing, 'warning');
  }

  backend(kind: BackendKind): Backend {
    const backend = this.deps.backends.find((b) => b.kind === kind);
    if (!backend) throw new NexusError('invalid_request', `The ${kind} backend is not available in this build.`, { field: 'backend' });
    return backend;
  }

  private record(id: string): WorkspaceRecord {
    const record = this.deps.state.workspace(id);
    if (!record) throw new NexusError('not_found', `No workspace with id ${id}. It may have been deleted; refresh the list.`);
    return record;
  }

  view(id: string): Workspace {
    return toView(this.record(id), this.live.get(id));
  }

  list(): Workspace[] {
    return this.deps.state.workspaces().map((r) => toView(r, this.live.get(r.id)));
  }

  /** Updates what the card shows and tells every window. */
  setLive(id: string, patch: Partial<Live>): void {
    const current = this.live.get(id) ?? { status: 'unknown' as WorkspaceStatus, detail: null, sync: null, ttl: null };
    this.live.set(id, { ...current, ...patch });
    const record = this.deps.state.workspace(id);
    if (!record) return;
    this.deps.hub.emit('workspace.changed', toView(record, this.live.get(id)));
    // Straight from running to sleeping means the backend stopped it (a stop passes through `stopping`).
    if (current.status === 'running' && patch.status === 'sleeping') {
      void this.hooks.afterSlept?.(record).catch((err: unknown) => this.deps.log.warn(`after ${record.name} fell asleep`, err));
      this.deps.hub.emit('notice', { level: 'warning', title: `Workspace ${record.name} fell asleep.`, message: patch.detail ?? 'It stopped outside Nexus; running something in it starts it again.', workspaceId: id, key: `slept:${id}` });
    }
  }

  async create(req: { repo: string; name: string; base?: string | undefined; backend?: BackendKind | undefined }): Promise<Workspace> {
    const kind = req.backend ?? this.deps.config.current.workspace.default_backend;
    const controller = new AbortController();
    let id: string | null = null;
    const record = await createWorkspace(
      { repo: req.repo, name: req.name, base: req.base, backend: kind },
      {
        state: this.deps.state,
        backend: this.backend(kind),
        ssh: this.deps.ssh,
        hub: this.deps.hub,
        log: this.deps.log,
        worktreesDir: this.deps.config.worktreesDir(),
        ...(this.hooks.afterFiles ? { afterFiles: this.hooks.afterFiles } : {}),
        onRecord: (r) => {
          id = r.id;
          this.creating.set(r.id, controller);
          this.setLive(r.id, { status: 'creating', detail: null });
        },
      },
      controller.signal,
    ).catch((err: unknown) => {
      if (id) {
        this.live.delete(id);
        this.deps.hub.emit('workspace.removed', { id });
      }
      throw err;
    }).finally(() => {
      if (id) this.creating.delete(id);
    });
    this.setLive(record.id, { status: 'running', detail: null });
    this.deps.hub.emit('notice', { level: 'success', title: `Workspace ${record.name} is ready.`, message: `${record.branch} in ${record.worktree}`, workspaceId: record.id, key: `ready:${record.id}` });
    return this.view(record.id);
  }

  cancelCreate(id: string): boolean {
    const controller = this.creating.get(id);
    if (!controller) return false;
    controller.abort();
    return true;
  }

  async endpoint(record: WorkspaceRecord): Promise<SshEndpoint> {
    const cached = this.endpoints.get(record.id);
    // Gateway endpoints carry a token the backend may have replaced since: ask it every time.
    if (cached && cached.hostKey.kind === 'pinned') return cached;
    if (!record.instanceId) throw new NexusError('not_found', `Workspace ${record.name} has no container or sandbox.`);
    const endpoint = await this.backend(record.backend).endpoint(record.instanceId);
    this.endpoints.set(record.id, endpoint);
    return endpoint;
  }

  async start(id: string): Promise<Workspace> {
    return this.mutex.run(id, () => this.startLocked(id));
  }

  private async startLocked(id: string): Promise<Workspace> {
    const record = this.record(id);
    if (!record.instanceId) throw new NexusError('not_found', `Workspace ${record.name} has no container or sandbox to start. Delete it and create it again.`);
    this.setLive(id, { status: 'starting', detail: null });
    try {
      this.endpoints.delete(id);
      const endpoint = await this.backend(record.backend).start(record.instanceId);
      this.endpoints.set(id, endpoint);
      await this.deps.ssh.waitReady(record, endpoint, AbortSignal.timeout(90_000));
      await this.hooks.afterStart?.(record, endpoint);
      this.setLive(id, { status: 'running', detail: null });
      return this.view(id);
    } catch (err) {
      await this.refresh(id);
      throw err;
    }
  }

  async stop(id: string): Promise<Workspace> {
    return this.mutex.run(id, async () => {
      const record = this.record(id);
      if (!record.instanceId) throw new NexusError('not_found', `Workspace ${record.name} has no container or sandbox to stop.`);
      this.setLive(id, { status: 'stopping', detail: null });
      try {
        await this.hooks.beforeStop?.(record);
        this.deps.ssh.drop(id);
        this.endpoints.delete(id);
        await this.backend(record.backend).stop(record.instanceId);
        this.setLive(id, { status: 'sleeping', detail: null, ttl: null });
        return this.view(id);
      } catch (err) {
        await this.refresh(id);
        throw err;
      }
    });
  }

  /** Asks the backend for the workspace's status now. */
  async refresh(id: string): Promise<Workspace> {
    const record = this.record(id);
    if (!record.instanceId) return this.view(id);
    const instance = await this.backend(record.backend).inspect(record.instanceId).catch((err: unknown) => {
      this.setLive(id, { status: 'unknown', detail: err instanceof Error ? err.message : String(err) });
      return undefined;
    });
    if (instance === null) this.setLive(id, { status: 'missing', detail: 'Its container or sandbox is gone (removed outside Nexus).' });
    else if (instance) this.setLive(id, { status: instance.status, detail: instance.detail });
    return this.view(id);
  }

  async deleteRisk(id: string): Promise<DeleteRisk> {
    const { uncommitted: dirty, unmerged } = await this.assessDelete(this.record(id));
    return { uncommitted: dirty, unmerged };
  }

  /**
   * What a delete would lose. `checked` says whether the branch was actually compared with its
   * base: an adopted record has no base commit, so commits only on its branch cannot be ruled out.
   */
  private async assessDelete(record: WorkspaceRecord): Promise<DeleteRisk & { branchExists: boolean; checked: boolean }> {
    const hasBranch = await branchExists(record.repo, record.branch).catch(() => false);
    const checked = hasBranch && record.baseCommit !== '';
    const [dirty, ahead] = await Promise.all([
      existsSync(record.worktree) ? uncommitted(record.worktree) : Promise.resolve([]),
      checked ? unmergedCommits(record.repo, record.branch, record.baseCommit) : Promise.resolve([]),
    ]);
    return { uncommitted: dirty, unmerged: ahead, branchExists: hasBranch, checked };
  }

  async delete(id: string, force = false): Promise<void> {
    return this.mutex.run(id, async () => {
      const record = this.record(id);
      const risk = await this.assessDelete(record);
      if (!force && (risk.uncommitted.length > 0 || risk.unmerged.length > 0)) {
        throw new NexusError('unsafe', describeRisk(record, risk));
      }
      await this.deps.state.patchWorkspace(id, { phase: 'deleting' });
      this.setLive(id, { status: 'deleting', detail: null });
      await this.hooks.beforeDelete?.(record);
      this.deps.ssh.drop(id);
      this.endpoints.delete(id);
      if (record.instanceId) await this.backend(record.backend).remove(record.instanceId);
      await this.deps.ssh.unregister(record);
      // A folder removed outside Nexus is still registered with git, which then refuses to delete the branch.
      if (existsSync(record.worktree)) await removeWorktree(record.repo, record.worktree);
      else await pruneWorktrees(record.repo);
      // Commits that exist only on the branch are kept (the branch stays) even with force; so is a
      // branch that could not be checked for them.
      if (risk.branchExists && risk.checked && risk.unmerged.length === 0) {
        await deleteBranch(record.repo, record.branch);
      } else if (risk.branchExists) {
        const message = risk.checked
          ? `It has ${risk.unmerged.length} commit(s) not in ${record.base || 'its base'}; delete the branch in ${record.repo} when you no longer need them.`
          : `Nexus does not know the commit it was made from, so it could not check it for commits found nowhere else; delete the branch in ${record.repo} when you no longer need it.`;
        this.deps.hub.emit('notice', { level: 'info', title: `Kept branch ${record.branch}`, message, workspaceId: null, key: `kept:${id}` });
      }
      await this.deps.state.removeWorkspace(id);
      this.live.delete(id);
      this.deps.hub.emit('workspace.removed', { id });
    });
  }

  /** Starts a sleeping workspace first, saying so, then runs the command. */
  async ensureRunning(id: string): Promise<{ record: WorkspaceRecord; endpoint: SshEndpoint }> {
    const record = this.record(id);
    const status = this.live.get(id)?.status;
    if (status === 'sleeping' || status === 'stopping' || status === 'archived') {
      this.deps.hub.emit('notice', { level: 'info', title: `Workspace ${record.name} is sleeping. Starting…`, message: '', workspaceId: id, key: `waking:${id}` });
      await this.start(id);
      this.deps.hub.emit('notice', { level: 'success', title: 'Workspace started.', message: record.name, workspaceId: id, key: `woke:${id}` });
    }
    return { record, endpoint: await this.endpoint(record) };
  }

  async exec(id: string, command: string[], cwd = '/workspace'): Promise<{ exitCode: number | null; stdout: string; stderr: string; truncated: boolean }> {
    const { record, endpoint } = await this.ensureRunning(id);
    let stdout = '';
    let stderr = '';
    let truncated = false;
    const keep = (current: string, chunk: Buffer) => {
      if (current.length >= MAX_OUTPUT) {
        truncated = true;
        return current;
      }
      return current + chunk.toString('utf8');
    };
    const result = await this.deps.ssh.exec(record, endpoint, command, {
      cwd,
      onStdout: (c) => (stdout = keep(stdout, c)),
      onStderr: (c) => (stderr = keep(stderr, c)),
    });
    return { exitCode: result.exitCode, stdout, stderr, truncated };
  }

  async dispose(): Promise<void> {
    for (const stop of this.unwatch.splice(0)) stop();
    for (const controller of this.creating.values()) controller.abort();
    await this.deps.ssh.closeAll();
  }
}

function describeRisk(record: WorkspaceRecord, risk: DeleteRisk): string {
  const parts: string[] = [];
  if (risk.uncommitted.length > 0) {
    const shown = risk.uncommitted.slice(0, 5).join(', ');
    parts.push(`uncommitted changes in ${shown}${risk.uncommitted.length > 5 ? ` and ${risk.uncommitted.length - 5} more` : ''}`);
  }
  if (risk.unmerged.length > 0) {
    parts.push(`${risk.unmerged.length} commit(s) on ${record.branch} not in ${record.base || 'its base'} (${risk.unmerged.slice(0, 3).join('; ')})`);
  }
  return `Workspace ${record.name} has ${parts.join(' and ')}. Commit, push or merge them first, or delete with force to discard the worktree (unmerged commits stay on the branch).`;
}
