import type { Workspace, WorkspaceStatus } from '../../shared/domain/workspace.js';

const STATUS_WORDS: Record<WorkspaceStatus, string> = {
  creating: 'creating…',
  starting: 'starting…',
  running: 'running',
  stopping: 'stopping…',
  sleeping: 'sleeping',
  archived: 'archived',
  deleting: 'deleting…',
  missing: 'missing',
  error: 'error',
  unknown: 'status unknown',
};

/**
 * Time left before an auto-stop, coarse on purpose (the card counts seconds; menus and
 * notifications do not). Rounds down, so it never promises more time than there is.
 */
export function formatRemaining(ms: number): string {
  if (ms <= 0) return 'stopping now';
  if (ms < 60_000) return 'under a minute left';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m left`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours}h left` : `${hours}h ${rest}m left`;
}

/** Milliseconds until the workspace's auto-stop, or null when it has none running. */
export function remainingMs(ws: Pick<Workspace, 'status' | 'ttl'>, now: number): number | null {
  if (ws.status !== 'running' || !ws.ttl) return null;
  const stopsAt = Date.parse(ws.ttl.stopsAt);
  return Number.isFinite(stopsAt) ? stopsAt - now : null;
}

/** "running · 12m left", "sleeping", "starting…". */
export function statusText(ws: Pick<Workspace, 'status' | 'ttl'>, now: number): string {
  const word = STATUS_WORDS[ws.status];
  const left = remainingMs(ws, now);
  return left === null ? word : `${word} · ${formatRemaining(left)}`;
}
