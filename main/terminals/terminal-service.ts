import { NexusError } from '../../shared/errors.js';
import type { TerminalInfo, TerminalState } from '../../shared/contract/methods/terminals.js';
import { TERMINAL_FRAME_HEADER, TERMINAL_MAX_CHUNK, TERMINAL_MAX_ID, TerminalFrameKind, ackCount, decodeTerminalFrame, encodeTerminalFrame } from '../../shared/contract/wire.js';
import type { SshEndpoint } from '../backends/backend.js';
import type { Logger } from '../log/logger.js';
import type { EventHub } from '../rpc/event-hub.js';
import type { ShellEnd, ShellOptions, ShellSession } from '../ssh/pool.js';
import type { Workspace } from '../../shared/domain/workspace.js';
import type { WorkspaceRecord } from '../workspaces/state-store.js';
import { chunkUtf8, Utf8Splitter } from './utf8.js';

/** Pause the shell channel when more than this much output is unacknowledged… */
export const HIGH_WATER = 512 * 1024;
/** …and resume it once acknowledgements bring it below this. */
const LOW_WATER = 384 * 1024;
/**
 * Output arriving while a stream is in full flow (a flush happened within STREAMING_MS) waits
 * up to COALESCE_MS so it goes out in a few large frames rather than one per 4 KB PTY read:
 * every frame costs the page a message, a parse pass and an ack. A keystroke's echo after a
 * quiet moment still goes out within the same turn.
 */
const COALESCE_MS = 5;
const STREAMING_MS = 20;
/** A terminal nobody receives (its window closed) is closed after this long without a re-attach. */
const ORPHAN_MS = 60_000;
/** Typed while the shell is still starting: sent once it is up (bounded). */
const MAX_EARLY_INPUT = 16 * 1024;
/** Input the channel has not taken yet (a huge paste into a stalled shell): more is dropped. */
const MAX_INPUT_BACKLOG = 1024 * 1024;
/** sshd allows 10 sessions per connection and the pool 8 channels; leave room for exec. */
const MAX_TERMINALS_PER_WORKSPACE = 6;

export const DISCONNECTED_LINE = 'disconnected — press Enter to reconnect';

const DIM = '\x1b[2m';
const YELLOW = '\x1b[33m';
const RED = '\x1b[31m';
const RESET = '\x1b[0m';

export interface TerminalServiceDeps {
  workspaces: {
    /** Wakes a sleeping workspace (with the "sleeping. Starting…" / "started." notices) and says where its sshd is. */
    ensureRunning(id: string): Promise<{ record: WorkspaceRecord; endpoint: SshEndpoint }>;
    /** Throws not_found for an unknown workspace. */
    view(id: string): Workspace;
  };
  pool: { shell(key: string, endpoint: SshEndpoint, options: ShellOptions): Promise<ShellSession> };
  hub: EventHub;
  log: Logger;
}

/** Where a terminal's output frames go (a WebSocket, a MessagePort). */
export interface TerminalPeer {
  send(frame: Uint8Array): void;
}

/** One window's data path: frames in, and a close when the window goes. */
export interface TerminalLink {
  /** Handles a frame from the page; returns why it was refused (the caller then cuts the sender off). */
  receive(frame: Uint8Array): string | null;
  close(): void;
}

interface Terminal {
  id: number;
  workspaceId: string;
  cols: number;
  rows: number;
  state: TerminalState;
  exitCode: number | null;
  session: ShellSession | null;
  /** Bumped by every (re)connect, so a late result of an older one is ignored. */
  generation: number;
  closed: boolean;
  splitter: Utf8Splitter;
  /** Output not yet sent, coalesced within one turn of the event loop. */
  queue: Buffer[];
  queued: number;
  /** Cancels the pending flush of `queue`, when one is scheduled. */
  cancelFlush: (() => void) | null;
  /** When output last went out (performance.now()), to tell a stream from an echo. */
  lastFlush: number;
  /** Sent (or kept for the next receiver) and not yet acknowledged. */
  unacked: number;
  paused: boolean;
  peer: TerminalPeer | null;
  /** Output frames made while nobody receives (before the first attach, after a window closed). */
  backlog: Uint8Array[];
  earlyInput: Uint8Array[];
  earlyInputBytes: number;
  inputDropped: boolean;
  orphanTimer: ReturnType<typeof setTimeout> | null;
}

/**
 * Terminals: ssh2 shell channels with a PTY, one per open terminal tab. Output goes out in
 * chunks (≤ 100 KB, UTF-8 characters never split) with ack-based flow control: the channel is
 * paused while more than HIGH_WATER bytes are unacknowledged, so a flood never grows memory
 * without bound. A dropped connection, a stopped workspace or a laptop wake leaves the
 * terminal saying "disconnected — press Enter to reconnect"; Enter reconnects (waking the
 * workspace when it sleeps, with its notices written into the terminal).
 */
export class TerminalService {
  private readonly terminals = new Map<number, Terminal>();
  private nextId = 1;
  private readonly unwatch: Array<() => void> = [];

  constructor(private readonly deps: TerminalServiceDeps) {
    this.unwatch.push(
      deps.hub.on('workspace.changed', (w) => {
        if (w.status === 'stopping' || w.status === 'sleeping' || w.status === 'missing') {
          this.disconnectWorkspace(w.id, w.status === 'missing' ? 'the workspace is gone' : 'the workspace stopped');
        }
      }),
      deps.hub.on('workspace.removed', ({ id }) => {
        for (const t of this.ofWorkspace(id)) this.close(t.id);
      }),
    );
  }

  /** Opens a terminal and returns its id at once; the shell starts (waking the workspace) in the background. */
  open(workspaceId: string, cols: number, rows: number): { terminalId: number } {
    this.deps.workspaces.view(workspaceId); // not_found for an unknown workspace
    if (this.ofWorkspace(workspaceId).length >= MAX_TERMINALS_PER_WORKSPACE) {
      throw new NexusError('busy', `At most ${MAX_TERMINALS_PER_WORKSPACE} terminals can be open in one workspace. Close one first.`);
    }
    const id = this.allocateId();
    const t: Terminal = {
      id,
      workspaceId,
      cols,
      rows,
      state: 'connecting',
      exitCode: null,
      session: null,
      generation: 0,
      closed: false,
      splitter: new Utf8Splitter(),
      queue: [],
      queued: 0,
      cancelFlush: null,
      lastFlush: 0,
      unacked: 0,
      paused: false,
      peer: null,
      backlog: [],
      earlyInput: [],
      earlyInputBytes: 0,
      inputDropped: false,
      orphanTimer: null,
    };
    this.terminals.set(id, t);
    void this.startShell(t);
    return { terminalId: id };
  }

  resize(terminalId: number, cols: number, rows: number): boolean {
    const t = this.terminals.get(terminalId);
    if (!t) return false;
    t.cols = cols;
    t.rows = rows;
    t.session?.resize(cols, rows);
    return true;
  }

  close(terminalId: number): boolean {
    const t = this.terminals.get(terminalId);
    if (!t) return false;
    t.closed = true;
    t.generation++;
    this.terminals.delete(terminalId);
    if (t.orphanTimer) clearTimeout(t.orphanTimer);
    const session = t.session;
    t.session = null;
    session?.close();
    t.queue = [];
    t.backlog = [];
    t.earlyInput = [];
    this.deps.hub.emit('terminal.state', { terminalId, workspaceId: t.workspaceId, state: 'closed' });
    return true;
  }

  list(workspaceId: string): TerminalInfo[] {
    return this.ofWorkspace(workspaceId).map((t) => ({ terminalId: t.id, workspaceId: t.workspaceId, cols: t.cols, rows: t.rows, state: t.state, exitCode: t.exitCode }));
  }

  /** How much output of a terminal is unacknowledged, and whether its channel is paused (specs, diagnostics). */
  flow(terminalId: number): { unacked: number; paused: boolean } | null {
    const t = this.terminals.get(terminalId);
    return t ? { unacked: t.unacked, paused: t.paused } : null;
  }

  /** A window's data path: attach / input / ack frames in, output frames out through `peer`. */
  connect(peer: TerminalPeer): TerminalLink {
    let open = true;
    return {
      receive: (bytes) => {
        if (!open) return 'link closed';
        const frame = decodeTerminalFrame(bytes);
        if (typeof frame === 'string') return frame;
        const t = this.terminals.get(frame.terminalId);
        if (!t) return null; // just closed: late frames are harmless
        if (frame.kind === TerminalFrameKind.attach) this.attach(t, peer);
        else if (t.peer !== peer) return null; // only the attached window types and acknowledges
        else if (frame.kind === TerminalFrameKind.input) this.input(t, frame.payload);
        else if (frame.kind === TerminalFrameKind.ack) this.ack(t, ackCount(frame.payload));
        else return 'output frames only go from the service to the page';
        return null;
      },
      close: () => {
        if (!open) return;
        open = false;
        for (const t of this.terminals.values()) {
          if (t.peer !== peer) continue;
          t.peer = null;
          // Nobody sees it now; a reloaded or reconnected window may attach again for a while.
          t.orphanTimer = setTimeout(() => this.close(t.id), ORPHAN_MS);
          t.orphanTimer.unref?.();
        }
      },
    };
  }

  /** After a laptop wake: every live terminal says it is disconnected; Enter reconnects. */
  disconnectAll(why: string): void {
    for (const t of this.terminals.values()) if (t.state === 'connected') this.disconnect(t, why);
  }

  async dispose(): Promise<void> {
    for (const stop of this.unwatch.splice(0)) stop();
    for (const id of [...this.terminals.keys()]) this.close(id);
  }

  private ofWorkspace(workspaceId: string): Terminal[] {
    return [...this.terminals.values()].filter((t) => t.workspaceId === workspaceId);
  }

  private allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = this.nextId >= TERMINAL_MAX_ID ? 1 : this.nextId + 1;
      if (!this.terminals.has(id)) return id;
    }
  }

  /** Live shells only: a terminal still connecting finds out for itself (it may be the one waking it). */
  private disconnectWorkspace(workspaceId: string, why: string): void {
    for (const t of this.ofWorkspace(workspaceId)) if (t.state === 'connected') this.disconnect(t, why);
  }

  /** Drops a live shell (or a connect in progress) and says so in the terminal. */
  private disconnect(t: Terminal, why: string): void {
    if (t.closed || t.state === 'disconnected' || t.state === 'exited') return;
    t.generation++;
    const session = t.session;
    t.session = null;
    session?.close();
    this.becomeDisconnected(t, why);
  }

  private becomeDisconnected(t: Terminal, why: string): void {
    this.emitOutput(t, t.splitter.flush());
    this.write(t, `\r\n${DIM}[${why}]${RESET}\r\n${YELLOW}${DISCONNECTED_LINE}${RESET}\r\n`);
    this.setState(t, 'disconnected');
  }

  private setState(t: Terminal, state: TerminalState): void {
    if (t.state === state) return;
    t.state = state;
    this.deps.hub.emit('terminal.state', { terminalId: t.id, workspaceId: t.workspaceId, state });
  }

  private async startShell(t: Terminal): Promise<void> {
    const generation = ++t.generation;
    const current = () => !t.closed && t.generation === generation;
    this.setState(t, 'connecting');
    // The wake notices ensureRunning raises for this workspace are written into the terminal too.
    const unlisten = this.deps.hub.on('notice', (n) => {
      if (!current() || n.workspaceId !== t.workspaceId) return;
      if (n.key === `waking:${t.workspaceId}` || n.key === `woke:${t.workspaceId}`) this.write(t, `${YELLOW}${n.title}${RESET}\r\n`);
    });
    let session: ShellSession;
    try {
      const { record, endpoint } = await this.deps.workspaces.ensureRunning(t.workspaceId);
      unlisten();
      if (!current()) return;
      session = await this.deps.pool.shell(record.id, endpoint, { cols: t.cols, rows: t.rows, alias: record.sshAlias, cwd: '/workspace' });
    } catch (err) {
      unlisten();
      if (!current()) return;
      const message = err instanceof Error ? err.message : String(err);
      this.deps.log.debug(`terminal ${t.id}: could not connect: ${message}`);
      this.write(t, `\r\n${RED}${message}${RESET}`);
      this.becomeDisconnected(t, 'could not connect');
      return;
    }
    if (!current()) {
      session.close();
      return;
    }
    t.session = session;
    t.splitter = new Utf8Splitter();
    const onData = (chunk: Buffer) => {
      if (t.session === session) this.emitOutput(t, t.splitter.push(chunk));
    };
    session.channel.on('data', onData);
    session.channel.stderr.on('data', onData);
    if (t.paused) session.channel.pause();
    void session.ended.then((end) => this.ended(t, session, end));
    this.setState(t, 'connected');
    // The window may have been resized while connecting.
    session.resize(t.cols, t.rows);
    const early = Buffer.concat(t.earlyInput);
    t.earlyInput = [];
    t.earlyInputBytes = 0;
    if (early.length > 0) session.channel.write(early);
  }

  private ended(t: Terminal, session: ShellSession, end: ShellEnd): void {
    if (t.session !== session || t.closed) return;
    t.session = null;
    if (end.reason === 'exit' && end.exitCode !== null) {
      this.emitOutput(t, t.splitter.flush());
      t.exitCode = end.exitCode;
      this.write(t, `\r\n${DIM}[exited with code ${end.exitCode} — press Enter to start a new shell]${RESET}\r\n`);
      this.setState(t, 'exited');
      this.deps.hub.emit('terminal.exit', { terminalId: t.id, workspaceId: t.workspaceId, exitCode: end.exitCode, signal: null });
      return;
    }
    // No status, or a hangup: the connection went (a stop, the network, sshd restarting).
    if (end.reason === 'exit' && end.signal) this.deps.hub.emit('terminal.exit', { terminalId: t.id, workspaceId: t.workspaceId, exitCode: null, signal: end.signal });
    this.becomeDisconnected(t, end.reason === 'exit' && end.signal ? `the shell was stopped by ${end.signal}` : 'the connection to the workspace closed');
  }

  private attach(t: Terminal, peer: TerminalPeer): void {
    if (t.orphanTimer) clearTimeout(t.orphanTimer);
    t.orphanTimer = null;
    // Whatever the previous receiver had in flight is lost with it: count only what this one gets.
    t.peer = peer;
    t.unacked = 0;
    for (const frame of t.backlog) {
      t.unacked += frame.byteLength - TERMINAL_FRAME_HEADER;
      peer.send(frame);
    }
    t.backlog = [];
    this.updatePause(t);
  }

  private input(t: Terminal, data: Uint8Array): void {
    if (t.state === 'connected' && t.session) {
      const channel = t.session.channel;
      if (channel.writableLength > MAX_INPUT_BACKLOG) {
        if (!t.inputDropped) this.write(t, `\r\n${RED}[input dropped: the shell is not reading it]${RESET}\r\n`);
        t.inputDropped = true;
        return;
      }
      t.inputDropped = false;
      channel.write(data);
    } else if (t.state === 'connecting') {
      if (t.earlyInputBytes + data.length > MAX_EARLY_INPUT) return;
      t.earlyInput.push(data);
      t.earlyInputBytes += data.length;
    } else if (data.includes(0x0d) || data.includes(0x0a)) {
      // Enter in a disconnected (or exited) terminal: connect again.
      this.write(t, t.state === 'exited' ? '\r\n' : `${DIM}reconnecting…${RESET}\r\n`);
      void this.startShell(t);
    }
  }

  private ack(t: Terminal, bytes: number): void {
    t.unacked = Math.max(0, t.unacked - bytes);
    this.updatePause(t);
  }

  private updatePause(t: Terminal): void {
    const channel = t.session?.channel;
    if (!t.paused && t.unacked > HIGH_WATER) {
      t.paused = true;
      channel?.pause();
    } else if (t.paused && t.unacked < LOW_WATER) {
      t.paused = false;
      channel?.resume();
    }
  }

  /** Text of our own (notices, the disconnected line): always whole characters. */
  private write(t: Terminal, text: string): void {
    this.emitOutput(t, Buffer.from(text, 'utf8'));
  }

  /** Queues complete UTF-8 output; flushed at the end of this turn (a few ms later in a stream), or at once past a chunk's size. */
  private emitOutput(t: Terminal, bytes: Buffer): void {
    if (bytes.length === 0 || t.closed) return;
    t.queue.push(bytes);
    t.queued += bytes.length;
    if (t.queued >= TERMINAL_MAX_CHUNK) this.flush(t, true);
    else this.scheduleFlush(t);
  }

  /** `restart`: wait the full coalescing time from now, even if a flush is already pending. */
  private scheduleFlush(t: Terminal, restart = false): void {
    if (t.cancelFlush) {
      if (!restart) return;
      t.cancelFlush();
    }
    const run = () => {
      t.cancelFlush = null;
      this.flush(t, false);
    };
    if (performance.now() - t.lastFlush < STREAMING_MS) {
      const timer = setTimeout(run, COALESCE_MS);
      t.cancelFlush = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(run);
      t.cancelFlush = () => clearImmediate(immediate);
    }
  }

  /** Sends what is queued; `fullOnly` keeps a last, short piece back to join what comes next. */
  private flush(t: Terminal, fullOnly: boolean): void {
    if (t.queued === 0 || t.closed) return;
    const all = t.queue.length === 1 ? t.queue[0]! : Buffer.concat(t.queue, t.queued);
    t.queue = [];
    t.queued = 0;
    t.lastFlush = performance.now();
    const chunks = chunkUtf8(all, TERMINAL_MAX_CHUNK);
    const tail = fullOnly && chunks.length > 1 ? chunks.pop()! : null;
    for (const chunk of chunks) this.send(t, chunk);
    if (tail) {
      t.queue.push(tail);
      t.queued = tail.length;
      this.scheduleFlush(t, true);
    }
    this.updatePause(t);
  }

  /** Counts a chunk as unacknowledged and sends it, or keeps its frame for the next receiver. */
  private send(t: Terminal, chunk: Buffer): void {
    t.unacked += chunk.length;
    const frame = encodeTerminalFrame(TerminalFrameKind.output, t.id, chunk);
    if (t.peer) t.peer.send(frame);
    else t.backlog.push(frame);
  }
}
