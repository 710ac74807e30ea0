import { z } from 'zod';
import { SyncState, WorkspaceId } from '../../domain/workspace.js';

const byId = z.strictObject({ id: WorkspaceId });
const syncResult = z.strictObject({ sync: SyncState.nullable() });

/** File sync actions on a workspace's Mutagen session. */
export const syncMethods = {
  /** Sync now: waits for a full cycle (a sleeping workspace is started first). */
  'sync.flush': { params: byId, result: syncResult },
  'sync.pause': { params: byId, result: syncResult },
  'sync.resume': { params: byId, result: syncResult },
  /** The way out of a halted session (e.g. the workspace's files were emptied): rescans both sides. */
  'sync.reset': { params: byId, result: syncResult },
} as const;
