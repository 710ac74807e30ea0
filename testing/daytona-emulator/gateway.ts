import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import ssh2 from 'ssh2';
import type {
  AcceptConnection,
  ClientChannel,
  Connection,
  PseudoTtyInfo,
  RejectConnection,
  ServerChannel,
  Session,
  TcpipRequestInfo,
} from 'ssh2';
import type { Logger } from '../../main/log/logger.js';
import type { GatewayControl } from './api.js';
import type { EmulatedClock } from './clock.js';
import { publicKeyBlob } from './keys.js';
import type { SandboxStore } from './store.js';

const { Client, Server } = ssh2;
type SshClient = InstanceType<typeof Client>;

/** While any channel is open, the gateway bumps the sandbox's activity this often (emulated). */
export const KEEPALIVE_EVERY_MS = 45_000;

export interface GatewayOptions {
  host: string;
  port: number;
  /** The gateway's own host key (OpenSSH private key); stable per data dir. */
  hostKey: string;
  /** The key the gateway logs into sandboxes with (as `nexus`). */
  clientKey: string;
  store: SandboxStore;
  clock: EmulatedClock;
  logger: Logger;
}

interface GatewayConnection {
  client: Connection;
  sandboxId: string;
  upstream: Promise<SshClient> | null;
  upstreamClient: SshClient | null;
  channels: number;
  closed: boolean;
}

/** Resolves once everything written to `w` so far has been handed to the SSH layer. */
function flushed(w: Writable, channel: ServerChannel): Promise<void> {
  return new Promise((resolve) => {
    if (!w.writable || w.writableLength === 0) return resolve();
    channel.once('close', () => resolve());
    w.write(Buffer.alloc(0), () => resolve());
  });
}

/**
 * The SSH gateway: `ssh <token>@127.0.0.1 -p <port>`, auth method `none`, username = token.
 * Each accepted connection gets one upstream ssh2 connection to the sandbox container's sshd
 * (as `nexus`, with the emulator's key, host key pinned), and every channel is bridged with
 * stream pipes so SSH window flow control gives end-to-end backpressure.
 */
export class SshGateway implements GatewayControl {
  readonly host: string;
  port = 0;
  private readonly server: InstanceType<typeof Server>;
  private readonly connections = new Set<GatewayConnection>();
  private readonly lastBump = new Map<string, number>();
  private readonly log: Logger;

  constructor(private readonly o: GatewayOptions) {
    this.host = o.host;
    this.log = o.logger.child('gateway');
    this.server = new Server({ hostKeys: [o.hostKey], ident: 'SSH-2.0-daytona-emulator-gateway' }, (client) => this.onConnection(client));
    this.server.on('error', (err: Error) => this.log.error('server error', err));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port, this.o.host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        this.port = typeof address === 'object' && address ? address.port : this.o.port;
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ------------------------------------------------------------ control

  dropConnections(sandboxId?: string): number {
    let n = 0;
    for (const conn of [...this.connections]) {
      if (sandboxId && conn.sandboxId !== sandboxId) continue;
      n += 1;
      this.teardown(conn);
    }
    return n;
  }

  stats(sandboxId: string): { connections: number; channels: number } {
    let connections = 0;
    let channels = 0;
    for (const c of this.connections) {
      if (c.sandboxId !== sandboxId) continue;
      connections += 1;
      channels += c.channels;
    }
    return { connections, channels };
  }

  /** Called by the emulator's scheduler: keeps sandboxes with open channels awake. */
  keepAlive(): void {
    const now = this.o.clock.now();
    const busy = new Set<string>();
    for (const c of this.connections) if (c.channels > 0) busy.add(c.sandboxId);
    for (const id of busy) {
      if (now - (this.lastBump.get(id) ?? 0) >= KEEPALIVE_EVERY_MS) this.bump(id);
    }
    for (const id of this.lastBump.keys()) if (!busy.has(id)) this.lastBump.delete(id);
  }

  private bump(sandboxId: string): void {
    this.lastBump.set(sandboxId, this.o.clock.now());
    const rec = this.o.store.find(sandboxId);
    if (rec?.state === 'started') this.o.store.touchActivity(sandboxId);
  }

  // ------------------------------------------------------------ connections

  private teardown(conn: GatewayConnection): void {
    if (conn.closed) return;
    conn.closed = true;
    this.connections.delete(conn);
    conn.upstreamClient?.end();
    conn.client.end();
    // A peer that does not read may keep the socket half-open; make sure it goes.
    const sock = (conn.client as unknown as { _sock?: Socket })._sock;
    if (sock) setTimeout(() => sock.destroy(), 2_000).unref();
  }

  private onConnection(client: Connection): void {
    const conn: GatewayConnection = { client, sandboxId: '', upstream: null, upstreamClient: null, channels: 0, closed: false };
    client.on('error', (err: Error) => this.log.debug(`client connection error: ${err.message}`));
    client.on('authentication', (ctx) => {
      // Any method is fine for a valid token (OpenSSH sends `none` first); the token is the username.
      const check = this.o.store.checkGatewayToken(ctx.username);
      if (!check.ok) {
        this.log.info(`refused SSH login: ${check.reason}`);
        ctx.reject([]);
        setImmediate(() => client.end());
        return;
      }
      conn.sandboxId = check.sandbox.id;
      ctx.accept();
    });
    client.on('ready', () => {
      // Re-check: the sandbox may have stopped during the handshake.
      const rec = this.o.store.find(conn.sandboxId);
      if (rec?.state !== 'started') {
        client.end();
        return;
      }
      this.connections.add(conn);
      conn.upstream = this.connectUpstream(conn);
      conn.upstream.catch((err: Error) => {
        // Expected when the sandbox is stopping or the client left; worth a warning otherwise.
        const expected = conn.closed || this.o.store.find(conn.sandboxId)?.state !== 'started';
        this.log[expected ? 'debug' : 'warn'](`cannot reach sandbox ${conn.sandboxId}'s sshd: ${err.message}`);
        this.teardown(conn);
      });
    });
    // Global requests (tcpip-forward = `ssh -R`, streamlocal forwarding, …) are all refused.
    client.on('request', (_accept: unknown, reject: (() => void) | undefined) => reject?.());
    client.on('session', (accept: AcceptConnection<Session>, reject: RejectConnection) => this.onSession(conn, accept, reject));
    client.on('tcpip', (accept: AcceptConnection<ServerChannel>, reject: RejectConnection, info: TcpipRequestInfo) =>
      this.onTcpip(conn, accept, reject, info),
    );
    client.on('openssh.streamlocal', (_accept: unknown, reject: RejectConnection) => reject());
    client.on('close', () => {
      conn.closed = true;
      this.connections.delete(conn);
      conn.upstreamClient?.end();
    });
  }

  private connectUpstream(conn: GatewayConnection): Promise<SshClient> {
    const rec = this.o.store.get(conn.sandboxId);
    const expected = rec.hostKey.public ? publicKeyBlob(rec.hostKey.public) : null;
    return new Promise((resolve, reject) => {
      const up = new Client();
      conn.upstreamClient = up;
      let ready = false;
      up.on('ready', () => {
        ready = true;
        if (conn.closed) {
          up.end();
          reject(new Error('client went away'));
          return;
        }
        resolve(up);
      });
      up.on('error', (err: Error) => {
        if (!ready) reject(err);
        else this.log.debug(`upstream error for ${conn.sandboxId}: ${err.message}`);
      });
      up.on('close', () => {
        if (!ready) reject(new Error('upstream closed during handshake'));
        // The container went away (stopped, deleted): so does the client's connection.
        this.teardown(conn);
      });
      up.connect({
        host: '127.0.0.1',
        port: rec.sshPort,
        username: 'nexus',
        privateKey: this.o.clientKey,
        readyTimeout: 20_000,
        hostVerifier: (key: Buffer) => (expected ? key.equals(expected) : true),
      });
    });
  }

  private channelOpened(conn: GatewayConnection): () => void {
    conn.channels += 1;
    // The real gateway marks activity as soon as a channel opens, then every 45 s.
    this.bump(conn.sandboxId);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      conn.channels -= 1;
    };
  }

  // ------------------------------------------------------------ session channels

  private onSession(conn: GatewayConnection, accept: AcceptConnection<Session>, _reject: RejectConnection): void {
    const session = accept();
    const closed = this.channelOpened(conn);
    session.on('close', closed);
    let pty: PseudoTtyInfo | undefined;
    const env: Record<string, string> = {};
    let upstream: ClientChannel | undefined;

    session.on('pty', (ok: (() => void) | undefined, _no: unknown, info: PseudoTtyInfo) => {
      pty = { ...info };
      ok?.();
    });
    session.on('env', (ok: (() => void) | undefined, _no: unknown, info: { key: string; val: string }) => {
      env[info.key] = info.val;
      ok?.();
    });
    session.on('window-change', (ok: (() => void) | undefined, _no: unknown, info: { rows: number; cols: number; height: number; width: number }) => {
      if (upstream) upstream.setWindow(info.rows, info.cols, info.height, info.width);
      else if (pty) Object.assign(pty, { rows: info.rows, cols: info.cols, height: info.height, width: info.width });
      ok?.();
    });
    session.on('signal', (ok: (() => void) | undefined, _no: unknown, info: { name: string }) => {
      upstream?.signal(info.name);
      ok?.();
    });
    session.on('x11', (_ok: unknown, no: RejectConnection | undefined) => no?.());
    session.on('auth-agent', (_ok: unknown, no: RejectConnection | undefined) => no?.());

    // The client channel is accepted at once, synchronously: ssh2 treats a client EOF that
    // arrives before the accept (e.g. `ssh host cmd </dev/null` sends exec and EOF together)
    // as the session ending and would refuse a later accept. Input that arrives meanwhile waits
    // in the channel (bounded by the SSH window) until the container's side is piped in.
    const open = (kind: 'shell' | 'exec' | 'subsystem', arg: string, ok: AcceptConnection<ServerChannel>) => {
      const down = ok() as ServerChannel | undefined;
      if (!down) return;
      this.log.debug(`${kind}${arg ? ` ${JSON.stringify(arg)}` : ''} on sandbox ${conn.sandboxId}`);
      const fail = (why: string) => {
        this.log.debug(`${kind} failed: ${why}`);
        try {
          down.stderr.write(`daytona-emulator gateway: cannot open ${kind}: ${why}\r\n`);
          down.exit(255);
        } catch {
          // channel already gone
        }
        down.end();
      };
      void (async () => {
        let up: SshClient;
        try {
          if (!conn.upstream) throw new Error('no upstream connection');
          up = await conn.upstream;
        } catch (err) {
          fail((err as Error).message);
          return;
        }
        const usedPty = pty ? { ...pty } : undefined;
        const onChannel = (err: Error | undefined, stream: ClientChannel) => {
          if (err) return fail(err.message);
          if (down.destroyed || !down.writable) {
            stream.close();
            return;
          }
          upstream = stream;
          // A resize that came while the container's side was opening.
          if (usedPty && pty && (pty.rows !== usedPty.rows || pty.cols !== usedPty.cols)) {
            stream.setWindow(pty.rows, pty.cols, pty.height, pty.width);
          }
          this.bridgeSession(down, stream);
        };
        const ptyOpts = usedPty
          ? { rows: usedPty.rows, cols: usedPty.cols, height: usedPty.height, width: usedPty.width, term: usedPty.term, modes: usedPty.modes }
          : undefined;
        const envOpts = Object.keys(env).length ? { env } : {};
        try {
          if (kind === 'exec') up.exec(arg, { ...envOpts, ...(ptyOpts ? { pty: ptyOpts } : {}) }, onChannel);
          else if (kind === 'shell') up.shell(ptyOpts ?? false, envOpts, onChannel);
          else up.subsys(arg, onChannel);
        } catch (err) {
          fail((err as Error).message);
        }
      })();
    };
    session.on('shell', (ok: AcceptConnection<ServerChannel>) => open('shell', '', ok));
    session.on('exec', (ok: AcceptConnection<ServerChannel>, _no: unknown, info: { command: string }) => open('exec', info.command, ok));
    session.on('subsystem', (ok: AcceptConnection<ServerChannel>, _no: unknown, info: { name: string }) => open('subsystem', info.name, ok));
  }

  /**
   * Bridges a client session channel and the container's: data both ways through pipes
   * (backpressure), stderr, EOF; then, once the container's side closed and everything it sent
   * has been passed on, exit-status/exit-signal followed by EOF and close — the order sshd uses.
   */
  private bridgeSession(down: ServerChannel, up: ClientChannel): void {
    const ignore = (err: Error) => this.log.debug(`channel error: ${err.message}`);
    down.on('error', ignore);
    down.stderr.on('error', ignore);
    up.on('error', ignore);
    up.stderr.on('error', ignore);

    down.pipe(up); // client EOF → container EOF (upstream channel is half-open capable)
    up.pipe(down, { end: false });
    up.stderr.pipe(down.stderr, { end: false });

    let exit: { code: number } | { signal: string; dump: boolean; desc: string } | undefined;
    up.on('exit', (code: number | null, signal?: string, dump?: boolean | string, desc?: string) => {
      exit = typeof code === 'number' ? { code } : { signal: signal ?? 'SIGKILL', dump: Boolean(dump), desc: desc ?? '' };
    });
    const upClosed = new Promise<void>((resolve) => up.once('close', () => resolve()));
    const errClosed = new Promise<void>((resolve) => {
      if (up.stderr.readableEnded) return resolve();
      up.stderr.once('end', () => resolve());
      up.stderr.once('close', () => resolve());
    });
    void Promise.all([upClosed, errClosed]).then(async () => {
      await flushed(down, down);
      await flushed(down.stderr, down);
      try {
        if (exit && 'code' in exit) down.exit(exit.code);
        else if (exit) down.exit(exit.signal, exit.dump, exit.desc);
      } catch (err) {
        this.log.debug(`cannot forward exit: ${(err as Error).message}`);
      }
      down.end();
    });
    down.once('close', () => up.close());
  }

  // ------------------------------------------------------------ direct-tcpip (ssh -L)

  private onTcpip(conn: GatewayConnection, accept: AcceptConnection<ServerChannel>, reject: RejectConnection, info: TcpipRequestInfo): void {
    void (async () => {
      let up: SshClient;
      try {
        if (!conn.upstream) throw new Error('no upstream');
        up = await conn.upstream;
      } catch {
        reject();
        return;
      }
      try {
        up.forwardOut(info.srcIP, info.srcPort, info.destIP, info.destPort, (err, stream) => {
          if (err) {
            reject();
            return;
          }
          const down = accept();
          const closed = this.channelOpened(conn);
          const ignore = (e: Error) => this.log.debug(`tcpip channel error: ${e.message}`);
          down.on('error', ignore);
          stream.on('error', ignore);
          down.pipe(stream).pipe(down);
          down.once('close', () => {
            closed();
            stream.close();
          });
          stream.once('close', () => {
            closed();
            down.close();
          });
        });
      } catch {
        reject();
      }
    })();
  }
}
