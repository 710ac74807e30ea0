import type { RawBridge } from '../../../shared/contract/client.js';
import type { Reply, ServerFrame } from '../../../shared/contract/wire.js';
import { TerminalFrames } from './terminal-data.js';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

interface Pending {
  resolve: (reply: Reply) => void;
}

/**
 * The browser-mode bridge: contract calls as JSON frames over one WebSocket, reconnecting with
 * backoff. A call made while disconnected fails at once with a message, never hangs. Terminal
 * bytes share the socket as binary frames (`terminals`); they are re-attached after a reconnect.
 */
export class WsBridge implements RawBridge {
  private socket: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private retryMs = 250;
  private closed = false;
  state: ConnectionState = 'connecting';
  /** Terminal data: binary frames on this socket (dropped while it is down). */
  readonly terminals = new TerminalFrames((frame) => {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(frame);
  });

  constructor(private readonly url: string) {
    this.open();
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }

  private open(): void {
    const socket = new WebSocket(this.url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.setState('connecting');
    socket.onopen = () => {
      this.retryMs = 250;
      for (const event of this.listeners.keys()) socket.send(JSON.stringify({ t: 'sub', event }));
      this.setState('connected');
      this.terminals.reattach();
    };
    socket.onmessage = (msg) => {
      if (msg.data instanceof ArrayBuffer) return this.terminals.receive(new Uint8Array(msg.data));
      if (typeof msg.data !== 'string') return;
      const frame = JSON.parse(msg.data) as ServerFrame;
      if (frame.t === 'res') {
        this.pending.get(frame.id)?.resolve(frame.reply);
        this.pending.delete(frame.id);
      } else if (frame.t === 'evt') {
        for (const listener of this.listeners.get(frame.event) ?? []) listener(frame.payload);
      }
    };
    socket.onclose = () => {
      this.socket = null;
      for (const [id, call] of this.pending) {
        call.resolve({ ok: false, error: { code: 'internal', message: 'Lost the connection to the Nexus service before it answered. Try again once it reconnects.' } });
        this.pending.delete(id);
      }
      if (this.closed) return;
      this.setState('disconnected');
      setTimeout(() => this.open(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    };
  }

  invoke(method: string, params: unknown): Promise<Reply> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      return Promise.resolve({ ok: false, error: { code: 'internal', message: 'Not connected to the Nexus service. It reconnects by itself; try again in a moment.' } });
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve });
      socket.send(JSON.stringify({ t: 'req', id, method, params }));
    });
  }

  on(event: string, listener: (payload: unknown) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      this.listeners.set(event, (set = new Set()));
      if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ t: 'sub', event }));
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }
}
