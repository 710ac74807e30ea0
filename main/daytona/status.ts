import type { WorkspaceStatus } from '../../shared/domain/workspace.js';

/**
 * A Daytona sandbox state in Nexus's words. Every state of the API (0.218) has a mapping; an
 * unknown one (a newer server) is `unknown` with the raw word in the detail.
 */
export function sandboxStatus(state: string | undefined, errorReason?: string | null): { status: WorkspaceStatus; detail: string | null } {
  switch (state) {
    case 'started':
      return { status: 'running', detail: null };
    case 'stopped':
      return { status: 'sleeping', detail: null };
    case 'paused':
      return { status: 'sleeping', detail: 'Paused on Daytona.' };
    case 'starting':
      return { status: 'starting', detail: null };
    case 'restoring':
      return { status: 'starting', detail: 'Daytona is restoring it from the archive.' };
    case 'resuming':
      return { status: 'starting', detail: 'Daytona is resuming it.' };
    case 'creating':
    case 'pending_build':
    case 'building_snapshot':
    case 'pulling_snapshot':
      return { status: 'starting', detail: `Daytona is preparing it (${state.replace(/_/g, ' ')}).` };
    case 'resizing':
      return { status: 'starting', detail: 'Daytona is resizing it.' };
    case 'snapshotting':
    case 'forking':
      return { status: 'running', detail: `Daytona is ${state} it.` };
    case 'stopping':
      return { status: 'stopping', detail: null };
    case 'pausing':
      return { status: 'stopping', detail: 'Daytona is pausing it.' };
    case 'archiving':
      return { status: 'stopping', detail: 'Daytona is archiving it.' };
    case 'archived':
      return { status: 'archived', detail: 'Archived by Daytona; starting it restores it first (slower than a wake).' };
    case 'error':
      return { status: 'error', detail: errorReason ? `Daytona reports an error: ${errorReason}` : 'Daytona reports an error and gives no reason.' };
    case 'build_failed':
      return { status: 'error', detail: errorReason ? `The sandbox image failed to build: ${errorReason}` : 'The sandbox image failed to build.' };
    case 'destroying':
      return { status: 'missing', detail: 'Daytona is deleting the sandbox.' };
    case 'destroyed':
      return { status: 'missing', detail: 'The sandbox was deleted on Daytona.' };
    case 'unknown':
    case undefined:
      return { status: 'unknown', detail: 'Daytona does not know the sandbox state right now.' };
    default:
      return { status: 'unknown', detail: `Daytona reports a state Nexus does not know: ${state}.` };
  }
}

/** States from which a start makes sense (and which mean "asleep" to auto-wake). */
export const STARTABLE = new Set(['stopped', 'archived', 'paused']);
