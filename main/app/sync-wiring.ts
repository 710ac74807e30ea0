import type { EnsureRecord, SyncService } from '../sync/index.js';
import type { LifecycleHooks, WorkspaceService } from '../workspaces/workspace-service.js';

/** Sync follows the workspace: last step of create, paused on stop, resumed on start, gone on delete. */
export function syncHooks(sync: SyncService): LifecycleHooks {
  return {
    afterFiles: async (record, _endpoint, progress, signal) => {
      await progress.step('sync', 'Starting file sync', (report) =>
        sync.create(record, (received, expected) => report(`Staging files: ${received} of ${expected}`, expected > 0 ? received / expected : null), signal),
      );
      return () => sync.terminate(record.id);
    },
    afterStart: (record) => sync.resume(record.id),
    beforeStop: (record) => sync.pause(record.id),
    beforeDelete: (record) => sync.terminate(record.id),
    // Nothing to reach while it sleeps: pause instead of retrying into a closed gateway.
    afterSlept: (record) => sync.pause(record.id),
  };
}

/** The workspaces that should have a session (paused when asleep). */
function syncRecords(workspaces: WorkspaceService): EnsureRecord[] {
  return workspaces
    .list()
    .filter((w) => w.status !== 'missing' && w.status !== 'creating')
    .map((w) => ({ id: w.id, name: w.name, worktree: w.worktree, sshAlias: w.sshAlias, paused: w.status !== 'running' }));
}

/**
 * Starts the private daemon and makes sure every workspace has its session (paused when
 * asleep), made with the current sync.exclude (config.yaml may have changed while Nexus was closed).
 */
export async function startSync(sync: SyncService, workspaces: WorkspaceService, onError: (message: string) => void): Promise<void> {
  try {
    await sync.start();
  } catch (err) {
    onError(err instanceof Error ? err.message : String(err));
    return;
  }
  await ensureSessions(sync, workspaces, onError);
}

/** Every workspace's session, made again where sync.exclude changed (at startup, after Settings saved it). */
export async function ensureSessions(sync: SyncService, workspaces: WorkspaceService, onError: (message: string) => void): Promise<void> {
  try {
    const result = await sync.ensure(syncRecords(workspaces));
    for (const failure of result.failed) onError(`File sync for ${workspaces.view(failure.id).name} could not be set up: ${failure.error}`);
  } catch (err) {
    onError(err instanceof Error ? err.message : String(err));
  }
}
