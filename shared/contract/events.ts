import { z } from 'zod';
import { Progress, Workspace, WorkspaceId } from '../domain/workspace.js';

export const Notice = z.strictObject({
  level: z.enum(['info', 'success', 'warning', 'error']),
  title: z.string(),
  message: z.string(),
  workspaceId: WorkspaceId.nullable(),
  /** Notices with the same key within a short window are folded into one. */
  key: z.string(),
});
export type Notice = z.infer<typeof Notice>;

/** Every event the main process pushes: name → payload schema. */
export const events = {
  'workspace.changed': Workspace,
  'workspace.removed': z.strictObject({ id: WorkspaceId }),
  'workspace.progress': Progress,
  notice: Notice,
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}
