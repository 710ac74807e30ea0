import { z } from 'zod';
import { Progress, Workspace, WorkspaceId } from '../domain/workspace.js';
import { TerminalId, TerminalState } from './methods/terminals.js';

export const Notice = z.strictObject({
  level: z.enum(['info', 'success', 'warning', 'error']),
  title: z.string(),
  message: z.string(),
  workspaceId: WorkspaceId.nullable(),
  /** Notices with the same key within a short window are folded into one. */
  key: z.string(),
});
export type Notice = z.infer<typeof Notice>;

/**
 * The desktop shell asks the window to show a workspace (a tray item, a notification click).
 * `terminal`: open or switch to its terminal. `workspaceId: null` just brings the window up.
 */
export const FocusRequest = z.strictObject({
  workspaceId: WorkspaceId.nullable(),
  view: z.enum(['card', 'terminal']),
});
export type FocusRequest = z.infer<typeof FocusRequest>;

/** Every event the main process pushes: name → payload schema. */
export const events = {
  'workspace.changed': Workspace,
  'workspace.removed': z.strictObject({ id: WorkspaceId }),
  'workspace.progress': Progress,
  notice: Notice,
  'ui.focus': FocusRequest,
  /** A terminal connected, disconnected (Enter reconnects), exited, or was closed. */
  'terminal.state': z.strictObject({ terminalId: TerminalId, workspaceId: WorkspaceId, state: z.union([TerminalState, z.literal('closed')]) }),
  /** A terminal's shell ended with a status (`exit 3`) or a signal. */
  'terminal.exit': z.strictObject({ terminalId: TerminalId, workspaceId: WorkspaceId, exitCode: z.number().int().nullable(), signal: z.string().max(50).nullable() }),
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}
