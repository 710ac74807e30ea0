import {
  TERMINAL_MAX_INPUT,
  TERMINAL_PORT_MESSAGE,
  TerminalFrameKind,
  decodeTerminalFrame,
  encodeTerminalAck,
  encodeTerminalFrame,
} from '../../../shared/contract/wire.js';

/**
 * The terminal data path as the page sees it, whatever carries it (the WebSocket's binary
 * frames in browser mode, a MessagePort in Electron): attach to a terminal's output, send
 * input, acknowledge output once it is on the screen.
 */
export interface TerminalData {
  /** Receives a terminal's output; attaches now and again whenever the data path reconnects. */
  attach(terminalId: number, onOutput: (bytes: Uint8Array) => void): () => void;
  input(terminalId: number, bytes: Uint8Array): void;
  ack(terminalId: number, bytes: number): void;
}

/** Frames in and out over some `send`; the transport calls `receive` and `reattach`. */
export class TerminalFrames implements TerminalData {
  private readonly receivers = new Map<number, (bytes: Uint8Array) => void>();
  private readonly pendingAcks = new Map<number, number>();

  constructor(private readonly send: (frame: Uint8Array) => void) {}

  attach(terminalId: number, onOutput: (bytes: Uint8Array) => void): () => void {
    this.receivers.set(terminalId, onOutput);
    this.send(encodeTerminalFrame(TerminalFrameKind.attach, terminalId));
    return () => {
      if (this.receivers.get(terminalId) === onOutput) this.receivers.delete(terminalId);
    };
  }

  input(terminalId: number, bytes: Uint8Array): void {
    // A long paste goes in frames the service accepts.
    for (let at = 0; at < bytes.byteLength; at += TERMINAL_MAX_INPUT) {
      this.send(encodeTerminalFrame(TerminalFrameKind.input, terminalId, bytes.subarray(at, at + TERMINAL_MAX_INPUT)));
    }
  }

  /**
   * xterm.js parses several chunks in one pass and acknowledges each: the counts are summed and
   * sent once the pass is over (a microtask), one small frame instead of several.
   */
  ack(terminalId: number, bytes: number): void {
    if (this.pendingAcks.size === 0) queueMicrotask(() => this.sendAcks());
    this.pendingAcks.set(terminalId, (this.pendingAcks.get(terminalId) ?? 0) + bytes);
  }

  private sendAcks(): void {
    for (const [id, bytes] of this.pendingAcks) this.send(encodeTerminalAck(id, bytes));
    this.pendingAcks.clear();
  }

  receive(frame: Uint8Array): void {
    const decoded = decodeTerminalFrame(frame);
    if (typeof decoded === 'string' || decoded.kind !== TerminalFrameKind.output) return;
    this.receivers.get(decoded.terminalId)?.(decoded.payload);
  }

  /** After the carrier reconnected: the service sends each terminal's output here again. */
  reattach(): void {
    for (const id of this.receivers.keys()) this.send(encodeTerminalFrame(TerminalFrameKind.attach, id));
  }
}

declare global {
  interface Window {
    /** Electron only: asks the main process for the terminal MessagePort (see preload/index.ts). */
    nexusTerminals?: { requestPort(): void };
  }
}

/**
 * Electron: the preload forwards the main process's MessagePort with window.postMessage. Frames
 * sent before it arrives wait (the first ones are attaches, a handful of bytes each).
 */
export function messagePortTerminals(): TerminalData {
  let port: MessagePort | null = null;
  let requested = false;
  const waiting: Uint8Array[] = [];
  const frames = new TerminalFrames((frame) => {
    if (port) port.postMessage(frame, [frame.buffer]);
    else if (waiting.length < 1000) waiting.push(frame);
    if (!requested) {
      requested = true;
      window.nexusTerminals?.requestPort();
    }
  });
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (event.source !== window || (event.data as { type?: unknown } | null)?.type !== TERMINAL_PORT_MESSAGE) return;
    const received = event.ports[0];
    if (!received) return;
    port?.close();
    port = received;
    received.onmessage = (msg: MessageEvent<unknown>) => {
      const data = msg.data;
      if (data instanceof Uint8Array) frames.receive(data);
      else if (data instanceof ArrayBuffer) frames.receive(new Uint8Array(data));
    };
    received.start();
    for (const frame of waiting.splice(0)) received.postMessage(frame, [frame.buffer]);
  });
  return frames;
}
