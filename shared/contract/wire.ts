import { z } from 'zod';
import { ErrorShape } from '../errors.js';

/** Channel names for Electron IPC: written here once, used by main/electron and preload. */
export const IPC_INVOKE = 'nexus:invoke';
export const IPC_EVENT = 'nexus:event';

/** Largest request or event frame either transport accepts. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

export const Reply = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), result: z.unknown() }),
  z.strictObject({ ok: z.literal(false), error: ErrorShape }),
]);
export type Reply = z.infer<typeof Reply>;

/** Messages the browser sends over the WebSocket. */
export const ClientFrame = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('req'), id: z.number().int().nonnegative(), method: z.string().max(200), params: z.unknown() }),
  z.strictObject({ t: z.literal('sub'), event: z.string().max(200) }),
  z.strictObject({ t: z.literal('unsub'), event: z.string().max(200) }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/** Messages the service sends over the WebSocket. */
export type ServerFrame =
  | { t: 'res'; id: number; reply: Reply }
  | { t: 'evt'; event: string; payload: unknown }
  | { t: 'hello'; runtime: 'browser' };
