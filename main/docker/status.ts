import type { WorkspaceStatus } from '../../shared/domain/workspace.js';

/** What Docker says about a container's state (from inspect, or parsed from a list row). */
export interface DockerState {
  /** created | running | paused | restarting | removing | exited | dead */
  status: string;
  exitCode?: number | null;
  oomKilled?: boolean;
  /** Docker's own error for a failed start (e.g. a port already in use). */
  error?: string | null;
}

/**
 * Exit codes of a container that was stopped rather than one that failed: sshd exits 255 on
 * SIGTERM (docker stop), 137/143 are SIGKILL/SIGTERM through the init, 130 an interrupt.
 */
const STOPPED_EXIT_CODES = new Set([0, 130, 137, 143, 255]);

/** Docker's container state in Nexus words, with a detail when the word alone is not enough. */
export function workspaceStatus(state: DockerState, name: string): { status: WorkspaceStatus; detail: string | null } {
  const exitCode = state.exitCode ?? null;
  const error = state.error?.trim() || null;
  switch (state.status) {
    case 'running':
      return { status: 'running', detail: null };
    case 'restarting':
      return { status: 'starting', detail: 'Docker is restarting the container.' };
    case 'paused':
      return { status: 'sleeping', detail: 'The container is paused (docker pause); starting the workspace resumes it.' };
    case 'removing':
      return { status: 'deleting', detail: null };
    case 'created':
      if (error) return { status: 'error', detail: startFailure(error) };
      return { status: 'sleeping', detail: 'The container was created but has not been started yet.' };
    case 'exited':
      if (state.oomKilled) {
        return { status: 'error', detail: `The container ran out of memory and was stopped. Start it again, or see docker logs ${name}.` };
      }
      if (error) return { status: 'error', detail: startFailure(error) };
      if (exitCode !== null && !STOPPED_EXIT_CODES.has(exitCode)) {
        return { status: 'error', detail: `The container's sshd exited with code ${exitCode}. See docker logs ${name}, then start the workspace again.` };
      }
      return { status: 'sleeping', detail: null };
    case 'dead':
      return { status: 'error', detail: 'Docker could not stop or remove the container cleanly (state "dead"). Delete the workspace and create it again.' };
    default:
      return { status: 'unknown', detail: `Docker reports the container as "${state.status}".` };
  }
}

function startFailure(error: string): string {
  if (isPortInUseMessage(error)) {
    return `The container could not start: its SSH port is in use by another program (${error}). Free the port, or delete and recreate the workspace.`;
  }
  return `The container could not start: ${error}`;
}

/** Whether Docker's error text says a published port is already taken on the host. */
export function isPortInUseMessage(text: string): boolean {
  return /port is already allocated|address already in use/i.test(text);
}

/** The exit code in a list row's status text ("Exited (137) 2 minutes ago"). */
export function exitCodeFromStatusText(text: string): number | null {
  const match = /Exited \((-?\d+)\)/.exec(text);
  return match ? Number(match[1]) : null;
}
