import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BackendKind, WorkspaceId, WorkspaceName } from '../../shared/domain/workspace.js';
import type { Backend, BackendInstance } from '../backends/backend.js';
import { LABELS } from '../backends/backend.js';
import { branchExists, deleteBranch, removeWorktree } from '../git/git.js';
import type { Logger } from '../log/logger.js';
import { branchFor, sshAliasFor } from './ids.js';
import type { Live } from './live-status.js';
import type { StateStore, WorkspaceRecord } from './state-store.js';

export interface ReconcileResult {
  live: Map<string, Live>;
  adopted: string[];
  rolledBack: string[];
  missing: string[];
}

/**
 * Makes the state file agree with what the backends report (the backends are the source of
 * truth): an interrupted create is rolled back, an interrupted delete finished, a labelled
 * instance with no record adopted, and a record whose instance is gone kept and shown as missing.
 */
export async function reconcile(
  state: StateStore,
  backends: Backend[],
  worktreesDir: string,
  log: Logger,
  unregister: (record: WorkspaceRecord) => Promise<void>,
): Promise<ReconcileResult> {
  const result: ReconcileResult = { live: new Map(), adopted: [], rolledBack: [], missing: [] };
  const listed = new Map<BackendKind, BackendInstance[] | null>();
  for (const backend of backends) {
    listed.set(backend.kind, await backend.list().catch((err: unknown) => {
      log.warn(`could not list ${backend.kind} workspaces; their status stays unknown`, err instanceof Error ? err.message : err);
      return null;
    }));
  }
  const finished = new Set<string>();
  const byId = (kind: BackendKind, id: string) => (listed.get(kind) ?? []).filter((i) => i.labels[LABELS.id] === id);
  const backendOf = (kind: BackendKind) => backends.find((b) => b.kind === kind);

  for (const record of state.workspaces()) {
    const instances = listed.get(record.backend);
    if (record.phase === 'creating' || record.phase === 'deleting') {
      if (instances === null || instances === undefined) {
        result.live.set(record.id, { status: 'unknown', detail: `An interrupted ${record.phase === 'creating' ? 'create' : 'delete'} will be finished when ${record.backend} is reachable again.`, sync: null, ttl: null });
        continue;
      }
      for (const instance of byId(record.backend, record.id)) await backendOf(record.backend)?.remove(instance.instanceId);
      await unregister(record).catch(() => undefined);
      if (existsSync(record.worktree)) await removeWorktree(record.repo, record.worktree);
      // The branch was made by this create and has nothing on it yet; a deleting one was confirmed.
      if (record.phase === 'creating' && (await branchExists(record.repo, record.branch).catch(() => false))) {
        await deleteBranch(record.repo, record.branch).catch(() => undefined);
      }
      await state.removeWorkspace(record.id);
      finished.add(record.id);
      result.rolledBack.push(record.name);
      log.info(`finished an interrupted ${record.phase} of ${record.name}`);
      continue;
    }
    if (instances === null || instances === undefined) {
      result.live.set(record.id, { status: 'unknown', detail: `${record.backend === 'docker' ? 'Docker' : 'Daytona'} is not reachable, so the status is unknown.`, sync: null, ttl: null });
      continue;
    }
    const [instance] = byId(record.backend, record.id);
    if (!instance) {
      result.live.set(record.id, { status: 'missing', detail: 'Its container or sandbox is gone (removed outside Nexus). The worktree is kept; delete the workspace to clean up.', sync: null, ttl: null });
      result.missing.push(record.name);
      continue;
    }
    if (instance.instanceId !== record.instanceId) await state.patchWorkspace(record.id, { instanceId: instance.instanceId });
    result.live.set(record.id, { status: instance.status, detail: instance.detail, sync: null, ttl: null });
  }

  const known = new Set(state.workspaces().map((w) => w.id));
  for (const [kind, instances] of listed) {
    for (const instance of instances ?? []) {
      const id = WorkspaceId.safeParse(instance.labels[LABELS.id]);
      const name = WorkspaceName.safeParse(instance.labels[LABELS.name]);
      const repo = instance.labels[LABELS.repo];
      if (!id.success || !name.success || !repo || known.has(id.data) || finished.has(id.data)) continue;
      if (state.workspaces().some((w) => w.name === name.data)) {
        log.warn(`not adopting ${kind} instance ${instance.instanceId}: its name ${name.data} is taken`);
        continue;
      }
      const worktree = join(worktreesDir, basename(repo), name.data);
      const record: WorkspaceRecord = {
        id: id.data,
        name: name.data,
        backend: BackendKind.parse(kind),
        repo,
        branch: branchFor(name.data),
        base: '',
        baseCommit: '',
        worktree,
        sshAlias: sshAliasFor(name.data),
        instanceId: instance.instanceId,
        createdAt: new Date().toISOString(),
        phase: 'ready',
        adopted: true,
      };
      await state.putWorkspace(record);
      known.add(record.id);
      const detail = existsSync(worktree) ? 'Found on the backend and adopted.' : `Found on the backend and adopted; its worktree ${worktree} is missing.`;
      result.live.set(record.id, { status: instance.status, detail, sync: null, ttl: null });
      result.adopted.push(record.name);
    }
  }
  return result;
}
