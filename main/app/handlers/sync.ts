import type { Handlers } from '../../rpc/router.js';
import type { SyncService } from '../../sync/index.js';
import type { WorkspaceService } from '../../workspaces/workspace-service.js';

export function syncHandlers(sync: SyncService, workspaces: WorkspaceService): Pick<Handlers, 'sync.flush' | 'sync.pause' | 'sync.resume' | 'sync.reset'> {
  const done = (id: string) => ({ sync: sync.state(id) });
  return {
    'sync.flush': async ({ id }) => {
      await workspaces.ensureRunning(id);
      await sync.flush(id);
      return done(id);
    },
    'sync.pause': async ({ id }) => {
      await sync.pause(id);
      return done(id);
    },
    'sync.resume': async ({ id }) => {
      await workspaces.ensureRunning(id);
      await sync.resume(id);
      return done(id);
    },
    'sync.reset': async ({ id }) => {
      await workspaces.ensureRunning(id);
      await sync.reset(id);
      return done(id);
    },
  };
}
