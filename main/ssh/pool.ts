import { createConnection } from 'node:net';
import type { ClientChannel, ConnectConfig } from 'ssh2';
import ssh2 from 'ssh2';
import { NexusError } from '../../shared/errors.js';
import type { SshEndpoint } from '../backends/backend.js';
import type { Logger } from '../log/logger.js';
import { fingerprint, publicKeyBlob } from './keys.js';
import type { KnownHosts } from './known-hosts.js';
import { shellCommand } from './quote.js';
import { abortable, abortError } from '../process/abortable.js';

const { Client } = ssh2;
type Client = InstanceType<typeof Client>;

const READY_TIMEOUT_MS = 10_000;
const KEEPALIVE_INTERVAL_MS = 30_000;
const KEEPALIVE_COUNT_MAX = 3;
/** A server that accepted the connection but never answers a channel open is a dead server. */
const CHANNEL_OPEN_TIMEOUT_MS = 15_000;
/** OpenSSH allows 10 sessions per connection (MaxSessions); stay below it and queue the rest. */
const DEFAULT_MAX_CHANNELS = 8;
const QUEUE_TIMEOUT_MS = 60_000;
const OPEN_RETRIES = 8;

/** Why a connection failed; `unreachable` is the only reason worth retrying (sshd starting). */
export type SshFailureReason = 'unreachable' | 'host_key' | 'auth' | 'other';

export class SshConnectError extends NexusError {
  readonly reason: SshFailureReason;
  constructor(reason: SshFailureReason, message: string, cause?: unknown) {
    super('ssh_failed', message, { cause });
    this.reason = reason;
  }
}

export interface ConnectOptions {
  /**
   * The ssh alias (`nexus-<name>`) under which a `tofu` host key is kept in known_hosts.
   * Defaults to the pool key. Unused for `pinned` endpoints.
   */
  alias?: string;
  signal?: AbortSignal;
}

export interface ExecOptions extends ConnectOptions {
  /** Remote working directory (the command runs after `cd` into it). */
  cwd?: string;
  /** Raw output chunks, as they arrive (decode with a StringDecoder for text). */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Sent to the command's stdin, which is then closed (it is always closed: nothing waits on input). */
  stdin?: string | Buffer;
  /** Whole-call limit (connect, queue, run). On expiry the command gets SIGTERM and the channel closes. */
  timeoutMs?: number;
}

export interface ExecResult {
  /** Null when the command died of a signal (or the server sent no status). */
  exitCode: number | null;
  /** Node-style signal name ("SIGTERM") when the command died of one. */
  signal: string | null;
}

export interface ShellOptions extends ConnectOptions {
  cols: number;
  rows: number;
  /** TERM for the PTY; xterm.js speaks xterm-256color. */
  term?: string;
  /** The folder the shell starts in (the workspace's files); its home when absent or missing. */
  cwd?: string;
}

/** Why a shell channel ended: it exited (with a status or a signal), it closed without one, or the connection dropped. */
export interface ShellEnd {
  reason: 'exit' | 'closed' | 'dropped';
  exitCode: number | null;
  /** Node-style signal name ("SIGHUP") when the shell died of one. */
  signal: string | null;
}

/** An interactive shell with a PTY on a pooled connection; holds a channel slot until it ends. */
export interface ShellSession {
  /** Output arrives as 'data' (the PTY merges stderr into it); input is written to it. */
  readonly channel: ClientChannel;
  resize(cols: number, rows: number): void;
  signal(name: string): void;
  /** Closes the channel (the shell gets SIGHUP from sshd). */
  close(): void;
  /** Settles once, when the channel is gone. */
  readonly ended: Promise<ShellEnd>;
}

export interface SshPoolOptions {
  /** The Nexus private key (OpenSSH format), from `ensureIdentity`. */
  privateKey: Buffer;
  knownHosts: KnownHosts;
  log?: Logger;
  maxChannelsPerConnection?: number;
}

interface Connection {
  client: Client;
  /** The endpoint the client was made for: a different one (new port, new token) reconnects. */
  signature: string;
  closed: boolean;
  slots: Slots;
}

/**
 * One pooled ssh2 connection per key (workspace id). Concurrent callers share one in-flight
 * connect; a connection that closes or errors is dropped and the next call reconnects. Host keys
 * are checked strictly against the pinned key (or, for `tofu`, the known_hosts entry).
 * Channels (exec and shells) are opened after `channelSlot()`, which bounds their number.
 */
export class SshPool {
  private readonly connections = new Map<string, Connection>();
  private readonly connecting = new Map<string, { signature: string; promise: Promise<Connection> }>();
  private readonly options: SshPoolOptions;

  constructor(options: SshPoolOptions) {
    this.options = options;
  }

  /** Makes sure a ready connection exists for `key` (e.g. to wait for sshd after a start). */
  async connect(key: string, endpoint: SshEndpoint, options: ConnectOptions = {}): Promise<void> {
    await this.connection(key, endpoint, options);
  }

  async exec(key: string, endpoint: SshEndpoint, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const command = shellCommand(argv, options.cwd === undefined ? {} : { cwd: options.cwd });
    const { signal, dispose } = callSignal(options);
    try {
      const { conn, release } = await this.channelSlot(key, endpoint, { ...options, signal });
      try {
        return await runExec(conn, command, options, signal, () => this.drop(key));
      } finally {
        release();
      }
    } finally {
      dispose();
    }
  }

  /**
   * Opens a login shell with a PTY. Like exec it takes a channel slot first (released when the
   * shell ends), and its open is bounded (a server that never answers is a dead server).
   */
  async shell(key: string, endpoint: SshEndpoint, options: ShellOptions): Promise<ShellSession> {
    const { signal, dispose } = callSignal(options);
    try {
      const { conn, release } = await this.channelSlot(key, endpoint, { ...options, signal });
      try {
        return await openShell(conn, options, signal, release, () => this.drop(key));
      } catch (err) {
        release();
        throw err;
      }
    } finally {
      dispose();
    }
  }

  /** Closes the connection of `key` (commands still running on it fail). */
  drop(key: string): void {
    const conn = this.connections.get(key);
    this.connections.delete(key);
    if (conn && !conn.closed) {
      conn.closed = true;
      conn.client.end();
      // end() is polite; make sure the socket goes even if the server never answers.
      setTimeout(() => conn.client.destroy(), 2_000).unref();
    }
  }

  async closeAll(): Promise<void> {
    const all = [...this.connections.values()];
    for (const key of [...this.connections.keys()]) this.drop(key);
    await Promise.all(
      all.map(
        (c) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 2_000);
            c.client.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }

  /** Waits for a channel slot on a ready connection; the caller opens its channel, then releases. */
  private async channelSlot(
    key: string,
    endpoint: SshEndpoint,
    options: ConnectOptions & { signal: AbortSignal },
  ): Promise<{ conn: Connection; release: () => void }> {
    const conn = await this.connection(key, endpoint, options);
    const release = await conn.slots.acquire(options.signal);
    if (!conn.closed) return { conn, release };
    release();
    // The connection went away while we queued: the next attempt reconnects.
    return this.channelSlot(key, endpoint, options);
  }

  private async connection(key: string, endpoint: SshEndpoint, options: ConnectOptions): Promise<Connection> {
    const signature = JSON.stringify(endpoint);
    for (;;) {
      if (options.signal?.aborted) throw abortError(options.signal, COMMAND_CANCELLED);
      const existing = this.connections.get(key);
      if (existing && !existing.closed && existing.signature === signature) return existing;
      if (existing) this.drop(key);
      const pending = this.connecting.get(key);
      if (pending?.signature === signature) return await abortable(pending.promise, options.signal);
      if (pending) {
        // A connect for an older endpoint is still running: let it finish, then replace it.
        await pending.promise.catch(() => undefined);
        continue;
      }
      const promise = this.open(key, endpoint, signature, options.alias ?? key).finally(() => {
        if (this.connecting.get(key)?.promise === promise) this.connecting.delete(key);
      });
      this.connecting.set(key, { signature, promise });
      return await abortable(promise, options.signal);
    }
  }

  private async open(key: string, endpoint: SshEndpoint, signature: string, alias: string): Promise<Connection> {
    const where = `${endpoint.host}:${endpoint.port}`;
    const expected = endpoint.hostKey.kind === 'pinned' ? endpoint.hostKey.publicKey : await this.options.knownHosts.get(alias);
    const expectedBlob = expected === null ? null : publicKeyBlob(expected);
    const started = Date.now();

    const client = new Client();
    // Filled in by the host verifier during the handshake.
    const seen: { key: Buffer | null; mismatch: boolean } = { key: null, mismatch: false };
    const conn: Connection = {
      client,
      signature,
      closed: false,
      slots: new Slots(this.options.maxChannelsPerConnection ?? DEFAULT_MAX_CHANNELS),
    };
    const config: ConnectConfig = {
      // Our own socket, for TCP_NODELAY: small exec round trips otherwise wait on delayed ACKs.
      sock: createConnection({ host: endpoint.host, port: endpoint.port, noDelay: true }),
      host: endpoint.host,
      port: endpoint.port,
      username: endpoint.user,
      privateKey: this.options.privateKey,
      readyTimeout: READY_TIMEOUT_MS,
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      // No agent, no password, no keyboard-interactive: nothing that could ever prompt.
      tryKeyboard: false,
      hostVerifier: (hostKey: Buffer) => {
        seen.key = hostKey;
        seen.mismatch = expectedBlob !== null && !expectedBlob.equals(hostKey);
        return !seen.mismatch;
      },
    };
    // Ask for the pinned key's type, so a server with several host keys presents that one.
    if (expected?.startsWith('ssh-ed25519 ')) config.algorithms = { serverHostKey: ['ssh-ed25519'] };

    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err: SshConnectError | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(backstop);
        if (err) reject(err);
        else resolve();
      };
      // ssh2 bounds the handshake with readyTimeout; this is the backstop if it ever does not.
      const backstop = setTimeout(() => {
        settle(new SshConnectError('unreachable', unreachableMessage(where, 'no SSH handshake within 15 s')));
        client.destroy();
      }, READY_TIMEOUT_MS + 5_000);
      client.on('ready', () => settle(null));
      client.on('error', (err: Error & { level?: string; code?: string }) => {
        if (settled) this.options.log?.debug(`ssh ${key} ${where}: ${err.message}`);
        else settle(this.connectError(err, where, endpoint, expected, seen.key, seen.mismatch, alias));
      });
      client.on('close', () => {
        conn.closed = true;
        if (this.connections.get(key) === conn) this.connections.delete(key);
        settle(new SshConnectError('unreachable', unreachableMessage(where, 'the connection closed before the SSH handshake')));
      });
      client.connect(config);
    });

    if (expectedBlob === null && seen.key !== null) {
      // Trust on first use: the handshake and login succeeded, so remember this key for next time.
      try {
        await this.options.knownHosts.pin(alias, `${keyType(seen.key)} ${seen.key.toString('base64')}`);
      } catch (err) {
        client.end();
        throw err;
      }
    }
    if (conn.closed) throw new SshConnectError('unreachable', unreachableMessage(where, 'the connection closed right after login'));
    this.connections.set(key, conn);
    this.options.log?.debug(`ssh ${key}: connected to ${where} in ${Date.now() - started} ms`);
    return conn;
  }

  private connectError(
    err: Error & { level?: string; code?: string },
    where: string,
    endpoint: SshEndpoint,
    expected: string | null,
    presented: Buffer | null,
    mismatch: boolean,
    alias: string,
  ): SshConnectError {
    if (mismatch && presented && expected) {
      const prints = `expected ${fingerprint(publicKeyBlob(expected))}, got ${fingerprint(presented)}`;
      const fix =
        endpoint.hostKey.kind === 'pinned'
          ? 'Something else may be answering on that port, or the container was replaced. Recreate the workspace, ' +
            `or remove its entry "${alias}" from ${this.options.knownHosts.path} if you know why the key changed.`
          : `If the server's key really changed, remove the entry "${alias}" from ${this.options.knownHosts.path} and connect again.`;
      return new SshConnectError(
        'host_key',
        `The workspace's host key changed — it does not match the key Nexus pinned (${where}: ${prints}). ${fix}`,
        err,
      );
    }
    if (err.level === 'client-authentication') {
      return new SshConnectError(
        'auth',
        `The workspace's SSH server at ${where} refused the Nexus key for user "${redactUser(endpoint.user)}". ` +
          "The workspace does not authorize Nexus's key (~/.nexus/ssh/id_ed25519.pub) — recreate the workspace.",
        err,
      );
    }
    if (err.level === 'client-timeout') return new SshConnectError('unreachable', unreachableMessage(where, 'no SSH handshake within 10 s'), err);
    const code = err.code ?? '';
    if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) {
      const why = code === 'ECONNREFUSED' ? 'connection refused' : code === 'ECONNRESET' ? 'connection reset' : code;
      return new SshConnectError('unreachable', unreachableMessage(where, why), err);
    }
    if (/before handshake|handshake failed|Connection lost/i.test(err.message)) {
      return new SshConnectError('unreachable', unreachableMessage(where, err.message), err);
    }
    return new SshConnectError('other', `SSH connection to the workspace at ${where} failed: ${err.message}`, err);
  }
}

function unreachableMessage(where: string, why: string): string {
  return (
    `Could not reach the workspace's SSH server at ${where} (${why}). ` +
    'The workspace may be stopped or still starting — start it and try again.'
  );
}

// The Daytona user name is an access token: never put it in a message.
function redactUser(user: string): string {
  return user.length > 16 ? `${user.slice(0, 4)}…` : user;
}

/** The key type inside an SSH wire-format public key blob (string length + name). */
function keyType(blob: Buffer): string {
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString('ascii');
}

/** One signal for the whole call: the caller's abort plus the optional time limit. */
function callSignal(options: ExecOptions): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(
          () => controller.abort(new NexusError('timeout', `The command did not finish within ${duration(options.timeoutMs!)} and was stopped.`)),
          options.timeoutMs,
        );
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    },
  };
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

/** The message for an abort whose reason is not already a NexusError. */
const COMMAND_CANCELLED = 'The command was cancelled.';

/** A channel's exit status as its 'exit' event reports it: a code, or a signal named SIGxxx. */
interface ExitStatus {
  exitCode: number | null;
  signal: string | null;
}

function trackExit(channel: ClientChannel): ExitStatus {
  const status: ExitStatus = { exitCode: null, signal: null };
  channel.on('exit', (code: number | null, sig?: string) => {
    if (typeof code === 'number') status.exitCode = code;
    else if (sig) status.signal = sig.startsWith('SIG') ? sig : `SIG${sig}`;
  });
  return status;
}

function runExec(conn: Connection, command: string, options: ExecOptions, signal: AbortSignal, dropConnection: () => void): Promise<ExecResult> {
  return new Promise<ExecResult>((resolve, reject) => {
    let channel: ClientChannel | null = null;
    let settled = false;
    let exit: ExitStatus | null = null;

    const finish = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(openTimer);
      signal.removeEventListener('abort', onAbort);
      conn.client.removeListener('close', onConnectionClose);
      if (err) reject(err);
      else resolve({ exitCode: exit?.exitCode ?? null, signal: exit?.signal ?? null });
    };
    const onAbort = () => {
      if (channel) {
        signalChannel(channel, 'TERM'); // so the command itself stops, not only our view of it
        channel.close();
      }
      finish(abortError(signal, COMMAND_CANCELLED));
    };
    const onConnectionClose = () =>
      finish(new SshConnectError('unreachable', 'The SSH connection to the workspace dropped while the command was running. Check the workspace is running and try again.'));
    const openTimer = setTimeout(() => {
      finish(new SshConnectError('unreachable', 'The workspace did not answer a request to run a command within 15 s; the connection was reset. Try again.'));
      dropConnection();
    }, CHANNEL_OPEN_TIMEOUT_MS);

    if (signal.aborted) return finish(abortError(signal, COMMAND_CANCELLED));
    signal.addEventListener('abort', onAbort, { once: true });
    conn.client.once('close', onConnectionClose);

    const open = (attempt: number) => {
      if (conn.closed) return onConnectionClose();
      try {
        openExec(attempt);
      } catch {
        onConnectionClose(); // ssh2 throws "Not connected" when the socket just went away
      }
    };
    const openExec = (attempt: number) => {
      conn.client.exec(command, (err, stream) => {
        if (settled) return void stream?.close();
        if (err) {
          // sshd frees a session slot a moment after it reports the channel closed, so a burst
          // of short commands can briefly exceed MaxSessions ("open failed"): retry shortly.
          if (/open failed/i.test(err.message) && attempt < OPEN_RETRIES) {
            setTimeout(() => open(attempt + 1), 50 * (attempt + 1));
            return;
          }
          return finish(new NexusError('ssh_failed', `The workspace refused to run the command: ${err.message}`, { cause: err }));
        }
        clearTimeout(openTimer);
        channel = stream;
        exit = trackExit(stream);
        // Always consume both streams: unread data would stall the channel's flow control.
        stream.on('data', (chunk: Buffer) => options.onStdout?.(chunk));
        stream.stderr.on('data', (chunk: Buffer) => options.onStderr?.(chunk));
        stream.on('close', () => finish(null));
        stream.on('error', (e: Error) => finish(new NexusError('ssh_failed', `The command's SSH channel failed: ${e.message}`, { cause: e })));
        if (options.stdin === undefined) stream.end();
        else stream.end(options.stdin);
      });
    };
    open(0);
  });
}

/** Starts the account's login shell in the folder given as $1 (its home when that folder is missing). */
const LOGIN_SHELL_IN = 'cd -- "$1" 2>/dev/null; exec "${SHELL:-/bin/bash}" -l';

function openShell(conn: Connection, options: ShellOptions, signal: AbortSignal, release: () => void, dropConnection: () => void): Promise<ShellSession> {
  return new Promise<ShellSession>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(openTimer);
      signal.removeEventListener('abort', onAbort);
      conn.client.removeListener('close', onConnectionClose);
      reject(err);
    };
    const onAbort = () => fail(abortError(signal, COMMAND_CANCELLED));
    const onConnectionClose = () =>
      fail(new SshConnectError('unreachable', 'The SSH connection to the workspace dropped while opening the terminal. Check the workspace is running and try again.'));
    const openTimer = setTimeout(() => {
      fail(new SshConnectError('unreachable', 'The workspace did not answer a request to open a terminal within 15 s; the connection was reset. Try again.'));
      dropConnection();
    }, CHANNEL_OPEN_TIMEOUT_MS);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    conn.client.once('close', onConnectionClose);

    const open = (attempt: number) => {
      if (conn.closed) return onConnectionClose();
      try {
        const pty = { term: options.term ?? 'xterm-256color', cols: options.cols, rows: options.rows, width: 0, height: 0 };
        const opened = (err: Error | undefined, stream: ClientChannel) => {
          if (settled) return void stream?.close();
          if (err) {
            if (/open failed/i.test(err.message) && attempt < OPEN_RETRIES) {
              setTimeout(() => open(attempt + 1), 50 * (attempt + 1));
              return;
            }
            return fail(new NexusError('ssh_failed', `The workspace refused to open a terminal: ${err.message}`, { cause: err }));
          }
          settled = true;
          clearTimeout(openTimer);
          signal.removeEventListener('abort', onAbort);
          conn.client.removeListener('close', onConnectionClose);
          resolve(shellSession(conn, stream, release));
        };
        // With a folder to start in, a login shell is started there (an exec request with a PTY);
        // otherwise the account's own shell request, which starts in its home.
        if (options.cwd) conn.client.exec(shellCommand(['sh', '-c', LOGIN_SHELL_IN, 'nexus-shell', options.cwd]), { pty }, opened);
        else conn.client.shell(pty, opened);
      } catch {
        onConnectionClose(); // ssh2 throws "Not connected" when the socket just went away
      }
    };
    open(0);
  });
}

function shellSession(conn: Connection, channel: ClientChannel, release: () => void): ShellSession {
  let finish: (end: ShellEnd) => void = () => undefined;
  const ended = new Promise<ShellEnd>((resolve) => {
    let done = false;
    finish = (end) => {
      if (done) return;
      done = true;
      conn.client.removeListener('close', onDropped);
      release();
      resolve(end);
    };
  });
  const exit = trackExit(channel);
  const onDropped = () => finish({ reason: 'dropped', exitCode: exit.exitCode, signal: exit.signal });
  conn.client.once('close', onDropped);
  channel.on('close', () =>
    finish({ reason: exit.exitCode !== null || exit.signal !== null ? 'exit' : conn.closed ? 'dropped' : 'closed', exitCode: exit.exitCode, signal: exit.signal }),
  );
  channel.on('error', () => finish({ reason: conn.closed ? 'dropped' : 'closed', exitCode: exit.exitCode, signal: exit.signal }));
  return {
    channel,
    resize: (cols, rows) => {
      try {
        channel.setWindow(rows, cols, 0, 0);
      } catch {
        // The channel is closing: the next shell gets the size when it opens.
      }
    },
    signal: (name) => signalChannel(channel, name),
    close: () => {
      try {
        channel.close();
      } catch {
        // Already gone.
      }
      // A channel on a dead connection never confirms its close: do not wait for it.
      if (conn.closed) onDropped();
    },
    ended,
  };
}

/**
 * Sends a signal request (sshd delivers it to the command's process group). ssh2's public
 * `signal()` only works while our side of the channel is writable, and we always close stdin
 * (EOF) right away so no command waits on input; the request itself is still valid then
 * (RFC 4254 §6.9), so fall back to ssh2's protocol object, guarded in case its shape changes.
 */
function signalChannel(channel: ClientChannel, name: string): void {
  // After our EOF ssh2 marks the channel 'eof'; requests may still be sent until it is closed.
  const internals = channel as unknown as {
    outgoing?: { id?: number; state?: string };
    _client?: { _protocol?: { signal?: (id: number, signal: string) => void } };
  };
  try {
    if (channel.writable) channel.signal(name);
    else if ((internals.outgoing?.state === 'open' || internals.outgoing?.state === 'eof') && typeof internals.outgoing.id === 'number') {
      internals._client?._protocol?.signal?.(internals.outgoing.id, name);
    }
  } catch {
    // The channel is already closing: nothing left to signal.
  }
}

/** A counting semaphore whose waits are bounded (by the caller's signal and a queue limit). */
class Slots {
  private free: number;
  private readonly waiters: Array<() => void> = [];

  constructor(size: number) {
    this.free = size;
  }

  acquire(signal: AbortSignal): Promise<() => void> {
    const release = once(() => {
      const next = this.waiters.shift();
      if (next) next();
      else this.free++;
    });
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        cleanup();
        resolve(release);
      };
      const cleanup = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
      };
      const onAbort = () => {
        cleanup();
        reject(abortError(signal, COMMAND_CANCELLED));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new NexusError('busy', `Too many commands are running in this workspace at once; none finished within ${QUEUE_TIMEOUT_MS / 1000} s. Try again later.`));
      }, QUEUE_TIMEOUT_MS);
      this.waiters.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}
