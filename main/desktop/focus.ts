/**
 * "Show this workspace" from the tray or a notification click. The renderer acts on it once the
 * contract declares the event (proposed: `ui.focus` in shared/contract/events.ts, see the report);
 * until then main/electron still sends it on the event channel and the preload drops it, so
 * focusing the window works today and the workspace selection lights up with the contract change.
 */
export const FOCUS_EVENT = 'ui.focus';

export interface FocusRequest {
  workspaceId: string | null;
  /** `terminal`: open (or switch to) the workspace's terminal — the terminal feature's part. */
  view: 'card' | 'terminal';
}
