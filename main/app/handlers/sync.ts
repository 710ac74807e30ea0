import type { Handlers } from '../../rpc/router.js';
import type { SyncService } from '../../sync/index.js';

/** `wake` starts a sleeping workspace first (saying so), as any action on it does. */
export function syncHandlers(sync: SyncService, wake: (id: string) => Promise<unknown>): Pick<Handlers, 'sync.flush' | 'sync.pause' | 'sync.resume' | 'sync.reset'> {
  const done = (id: string) => ({ sync: sync.state(id) });
  return {
    'sync.flush': async ({ id }) => {
      await wake(id);
      await sync.flush(id);
      return done(id);
    },
    'sync.pause': async ({ id }) => {
      await sync.pause(id);
      return done(id);
    },
    'sync.resume': async ({ id }) => {
      await wake(id);
      await sync.resume(id);
      return done(id);
    },
    'sync.reset': async ({ id }) => {
      await wake(id);
      await sync.reset(id);
      return done(id);
    },
  };
}
