import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { ClientFrame, MAX_MESSAGE_BYTES } from '../../shared/contract/wire.js';
import type { ServerFrame } from '../../shared/contract/wire.js';
import type { EventName } from '../../shared/contract/events.js';
import { EventHub } from './event-hub.js';
import type { CallTarget } from './router.js';
import type { Logger } from '../log/logger.js';
import type { TerminalLink, TerminalPeer } from '../terminals/terminal-service.js';

export const WS_PATH = '/rpc';

export interface WsTransportOptions {
  router: CallTarget;
  hub: EventHub;
  token: string;
  /** Origins a browser page may connect from (the page this server serves). */
  allowedOrigins: () => string[];
  log: Logger;
  /** Terminal data: binary frames (see `encodeTerminalFrame`) go here; without it binary frames are refused. */
  terminals?: { connect(peer: TerminalPeer): TerminalLink };
}

function sameToken(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Why an upgrade is refused, or null when it may proceed. */
export function refuseReason(req: IncomingMessage, token: string, allowedOrigins: string[]): string | null {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname !== WS_PATH) return 'unknown path';
  if (!sameToken(url.searchParams.get('token'), token)) return 'wrong or missing token';
  const origin = req.headers.origin;
  // Tools without a browser send no Origin; a browser always does, and it must be ours.
  if (origin !== undefined && !allowedOrigins.includes(origin)) return `foreign origin ${origin}`;
  return null;
}

/**
 * The browser-mode transport: the same router and events, as JSON text frames over a WebSocket;
 * terminal bytes as binary frames on the same socket.
 */
export class WsTransport {
  readonly wss: WebSocketServer;

  constructor(private readonly options: WsTransportOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_MESSAGE_BYTES,
      perMessageDeflate: false,
    });
    this.wss.on('connection', (socket) => this.accept(socket));
  }

  /** Hook for the HTTP server's 'upgrade' event. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const reason = refuseReason(req, this.options.token, this.options.allowedOrigins());
    if (reason) {
      this.options.log.warn(`refused a WebSocket connection: ${reason}`);
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  private accept(socket: WebSocket): void {
    const subscribed = new Set<EventName>();
    const send = (frame: ServerFrame) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
    };
    const unsubscribe = this.options.hub.subscribe((event, payload) => {
      if (subscribed.has(event)) send({ t: 'evt', event, payload });
    });
    const terminals = this.options.terminals?.connect({
      send: (frame) => {
        if (socket.readyState === socket.OPEN) socket.send(frame, { binary: true });
      },
    });
    socket.on('close', () => {
      unsubscribe();
      terminals?.close();
    });
    socket.on('error', (err) => this.options.log.debug('WebSocket error', err.message));
    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        const refused = terminals ? terminals.receive(binaryOf(data)) : 'binary frames are not accepted here';
        if (refused) {
          this.options.log.warn(`closed a WebSocket: ${refused}`);
          socket.close(1003, refused.slice(0, 120));
        }
        return;
      }
      let frame: ClientFrame;
      try {
        const parsed = ClientFrame.safeParse(JSON.parse(data.toString()));
        if (!parsed.success) throw new Error('bad frame');
        frame = parsed.data;
      } catch {
        socket.close(1007, 'malformed frame');
        return;
      }
      if (frame.t === 'sub') {
        if (EventHub.isKnown(frame.event)) subscribed.add(frame.event);
      } else if (frame.t === 'unsub') {
        if (EventHub.isKnown(frame.event)) subscribed.delete(frame.event);
      } else {
        const id = frame.id;
        void this.options.router.call(frame.method, frame.params).then((reply) => send({ t: 'res', id, reply }));
      }
    });
    send({ t: 'hello', runtime: 'browser' });
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }
}

function binaryOf(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
