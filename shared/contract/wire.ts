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

/**
 * Terminal data: binary frames, never a contract call per chunk. Browser mode sends them as
 * binary WebSocket messages on the contract's socket; Electron as Uint8Array messages on a
 * MessagePort (requested over IPC_TERMINAL_PORT, handed to the page by the preload).
 *
 *   byte 0      kind (TerminalFrameKind)
 *   bytes 1..4  terminal id, uint32 big-endian
 *   bytes 5..   payload: output or input bytes; for `ack` a uint32 BE byte count; empty for `attach`
 *
 * The page attaches to a terminal (after `terminals.open`, and again after a reconnect of the
 * socket), receives its output, sends input, and acknowledges output once written, which lets
 * the service pause the shell channel when too much is unacknowledged.
 */
export const TerminalFrameKind = {
  /** service → page: output bytes (≤ TERMINAL_MAX_CHUNK, UTF-8 sequences never split). */
  output: 1,
  /** page → service: keyboard / paste bytes (≤ TERMINAL_MAX_INPUT). */
  input: 2,
  /** page → service: this many output bytes were written to the screen. */
  ack: 3,
  /** page → service: send this terminal's output here (re-attach replaces the previous receiver). */
  attach: 4,
} as const;
export type TerminalFrameKind = (typeof TerminalFrameKind)[keyof typeof TerminalFrameKind];

export const TERMINAL_FRAME_HEADER = 5;
/** Largest output chunk the service sends. */
export const TERMINAL_MAX_CHUNK = 100 * 1024;
/** Largest input frame the service accepts (the page splits a long paste). */
export const TERMINAL_MAX_INPUT = 64 * 1024;
export const TERMINAL_MAX_ID = 0x7fffffff;

/** Electron: the page asks for, and the main process answers with, the terminal MessagePort. */
export const IPC_TERMINAL_PORT = 'nexus:terminal-port';
/** The preload hands the port to the page with `window.postMessage({ type: TERMINAL_PORT_MESSAGE }, '*', [port])`. */
export const TERMINAL_PORT_MESSAGE = 'nexus:terminal-port';

export interface TerminalFrame {
  kind: TerminalFrameKind;
  terminalId: number;
  payload: Uint8Array;
}

export function encodeTerminalFrame(kind: TerminalFrameKind, terminalId: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const frame = new Uint8Array(TERMINAL_FRAME_HEADER + payload.byteLength);
  frame[0] = kind;
  new DataView(frame.buffer).setUint32(1, terminalId >>> 0, false);
  frame.set(payload, TERMINAL_FRAME_HEADER);
  return frame;
}

export function encodeTerminalAck(terminalId: number, bytes: number): Uint8Array {
  const payload = new Uint8Array(4);
  new DataView(payload.buffer).setUint32(0, Math.max(0, Math.min(bytes, 0xffffffff)) >>> 0, false);
  return encodeTerminalFrame(TerminalFrameKind.ack, terminalId, payload);
}

/** Reads and checks one frame; a string says why it is refused (the sender is then cut off). */
export function decodeTerminalFrame(frame: Uint8Array): TerminalFrame | string {
  if (frame.byteLength < TERMINAL_FRAME_HEADER) return 'terminal frame too short';
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const kind = view.getUint8(0);
  const terminalId = view.getUint32(1, false);
  if (terminalId < 1 || terminalId > TERMINAL_MAX_ID) return 'terminal frame with an invalid terminal id';
  const payload = frame.subarray(TERMINAL_FRAME_HEADER);
  switch (kind) {
    case TerminalFrameKind.output:
      if (payload.byteLength > TERMINAL_MAX_CHUNK) return 'terminal output frame too large';
      return { kind, terminalId, payload };
    case TerminalFrameKind.input:
      if (payload.byteLength > TERMINAL_MAX_INPUT) return `terminal input frame larger than ${TERMINAL_MAX_INPUT} bytes`;
      return { kind, terminalId, payload };
    case TerminalFrameKind.ack:
      if (payload.byteLength !== 4) return 'terminal ack frame must carry a 4-byte count';
      return { kind, terminalId, payload };
    case TerminalFrameKind.attach:
      if (payload.byteLength !== 0) return 'terminal attach frame must be empty';
      return { kind, terminalId, payload };
    default:
      return `unknown terminal frame kind ${kind}`;
  }
}

/** The byte count of an ack frame's payload. */
export function ackCount(payload: Uint8Array): number {
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0, false);
}
