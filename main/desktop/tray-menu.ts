import type { Workspace, WorkspaceStatus } from '../../shared/domain/workspace.js';
import { remainingMs, statusText } from './workspace-words.js';

/**
 * What a tray click asks for. `start` and `stop` become the contract methods `workspaces.start`
 * and `workspaces.stop`; the others are window actions.
 */
export type TrayAction =
  | { kind: 'start'; workspaceId: string }
  | { kind: 'stop'; workspaceId: string }
  | { kind: 'open-terminal'; workspaceId: string }
  | { kind: 'open-window'; workspaceId: string | null }
  | { kind: 'quit' };

export type TrayItem =
  | { type: 'action'; label: string; enabled: boolean; action: TrayAction }
  /** Text only (greyed out). */
  | { type: 'label'; label: string }
  | { type: 'separator' }
  | { type: 'submenu'; label: string; items: TrayItem[] };

export interface TrayModel {
  tooltip: string;
  items: TrayItem[];
}

const CAN_START: ReadonlySet<WorkspaceStatus> = new Set(['sleeping', 'error']);
const CAN_STOP: ReadonlySet<WorkspaceStatus> = new Set(['running']);
/** A terminal on a sleeping workspace starts it first (and says so). */
const CAN_OPEN_TERMINAL: ReadonlySet<WorkspaceStatus> = new Set(['running', 'sleeping']);

/** Menus get long and slow to scan; beyond this the window is the better place. */
export const TRAY_MAX_WORKSPACES = 15;

function workspaceItems(ws: Workspace, now: number): TrayItem[] {
  const id = ws.id;
  return [
    { type: 'label', label: statusText(ws, now) },
    { type: 'label', label: `${ws.branch} · ${ws.backend}` },
    { type: 'separator' },
    { type: 'action', label: 'Open in Window', enabled: true, action: { kind: 'open-window', workspaceId: id } },
    { type: 'action', label: 'Open Terminal', enabled: CAN_OPEN_TERMINAL.has(ws.status), action: { kind: 'open-terminal', workspaceId: id } },
    { type: 'separator' },
    { type: 'action', label: 'Start', enabled: CAN_START.has(ws.status), action: { kind: 'start', workspaceId: id } },
    { type: 'action', label: 'Stop', enabled: CAN_STOP.has(ws.status), action: { kind: 'stop', workspaceId: id } },
  ];
}

function tooltip(workspaces: Workspace[]): string {
  if (workspaces.length === 0) return 'Nexus Desktop — no workspaces';
  const count = (s: WorkspaceStatus) => workspaces.filter((w) => w.status === s).length;
  const parts = [`${count('running')} running`, `${count('sleeping')} sleeping`];
  const other = workspaces.length - count('running') - count('sleeping');
  if (other > 0) parts.push(`${other} other`);
  return `Nexus Desktop — ${parts.join(', ')}`;
}

/**
 * The tray menu as data: a plain function of the workspace list and the time, so it is tested
 * under Node; main/electron only renders it. Workspaces are sorted by name (stable positions
 * for muscle memory), each a submenu titled with its status and TTL.
 */
export function trayMenu(workspaces: readonly Workspace[], now: number, max = TRAY_MAX_WORKSPACES): TrayModel {
  const sorted = [...workspaces].sort((a, b) => a.name.localeCompare(b.name));
  const items: TrayItem[] = [{ type: 'action', label: 'Open Nexus Desktop', enabled: true, action: { kind: 'open-window', workspaceId: null } }, { type: 'separator' }];
  if (sorted.length === 0) {
    items.push({ type: 'label', label: 'No workspaces yet' });
  } else {
    items.push({ type: 'label', label: 'Workspaces' });
    for (const ws of sorted.slice(0, max)) {
      items.push({ type: 'submenu', label: `${ws.name} — ${statusText(ws, now)}`, items: workspaceItems(ws, now) });
    }
    if (sorted.length > max) {
      items.push({ type: 'action', label: `${sorted.length - max} more in the window…`, enabled: true, action: { kind: 'open-window', workspaceId: null } });
    }
  }
  items.push({ type: 'separator' }, { type: 'action', label: 'Quit Nexus Desktop', enabled: true, action: { kind: 'quit' } });
  return { tooltip: tooltip(sorted), items };
}

/** True while some label counts down, i.e. the menu must be rebuilt as time passes. */
export function hasCountdown(workspaces: readonly Workspace[], now: number): boolean {
  return workspaces.some((w) => remainingMs(w, now) !== null);
}
