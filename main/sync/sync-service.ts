import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { WorkspaceId } from '../../shared/domain/workspace.js';
import type { SyncState } from '../../shared/domain/workspace.js';
import { isNexusError, NexusError } from '../../shared/errors.js';
import type { NexusPaths } from '../config/paths.js';
import type { Logger } from '../log/logger.js';
import { MutagenCli, mutagenEnv } from './cli.js';
import { MutagenDaemon } from './daemon.js';
import type { DaemonState } from './daemon.js';
import { SessionMonitor } from './monitor.js';
import { resolveMutagen } from './mutagen-binary.js';
import type { MutagenBinary } from './mutagen-binary.js';
import type { MutagenSession } from './session-state.js';
import { haltMessage, isHalted, parseSessions, sessionName, stagingOf, syntheticState, toSyncState, WORKSPACE_LABEL, workspaceIdOf } from './session-state.js';
import { writeSshWrappers } from './ssh-wrappers.js';
import { KeyedMutex } from '../process/keyed-mutex.js';

/** What sync needs to know about a workspace. */
export interface SyncWorkspace {
  id: string;
  name: string;
  /** The git worktree on the host (alpha). */
  worktree: string;
  /** The ssh alias in Nexus's ssh config (beta is `<alias>:/workspace`). */
  sshAlias: string;
}

export interface EnsureRecord extends SyncWorkspace {
  /** The workspace is stopped: a missing session is recreated paused (no connection needed). */
  paused?: boolean;
}

export interface EnsureResult {
  /** Sessions that were missing and were created. */
  created: string[];
  /** Sessions made again because their ignore list was not the current one. */
  recreated: string[];
  /** Workspaces whose session could not be (re)made or reached, with why (also shown as their lastError). */
  failed: Array<{ id: string; error: string }>;
  /** Nexus sessions whose workspace is not in the list (left alone; terminate them if wanted). */
  orphaned: string[];
}

export interface SyncServiceOptions {
  paths: NexusPaths;
  /** `sync.mutagen_path` from config; null/undefined: `mutagen` on PATH. */
  mutagenPath?: string | null;
  /** `sync.exclude` from config, read at each create. */
  excludes: () => string[];
  log: Logger;
  onState: (workspaceId: string, state: SyncState) => void;
  /** Environment for Mutagen and ssh (process.env by default). */
  env?: NodeJS.ProcessEnv;
  /** First daemon restart delay (doubles per restart). */
  restartDelayMs?: number;
}

/** A create whose first cycle makes no progress for this long fails. */
const FIRST_CYCLE_STALL_MS = 120_000;

/** The remote root every workspace syncs into. */
export const REMOTE_ROOT = '/workspace';

/** Always ignored, before `sync.exclude`. `.git` also matches a worktree's `.git` FILE. */
export const DEFAULT_IGNORES = ['.git', '.nexus/', 'node_modules/', '*.log'] as const;

/** Records which ignore list a session was made with: Mutagen cannot change it afterwards. */
export const IGNORES_LABEL = 'nexus-ignores';

/** A short digest of the whole ignore list (a valid Mutagen label value). */
export function ignoresDigest(excludes: readonly string[]): string {
  return createHash('sha256')
    .update(JSON.stringify([...DEFAULT_IGNORES, ...excludes]))
    .digest('hex')
    .slice(0, 16);
}

/**
 * `mutagen sync create` arguments for one workspace (verified against `mutagen sync create
 * --help` of 0.18.1).
 */
export function createArgs(ws: SyncWorkspace, excludes: readonly string[], options: { paused?: boolean; platform?: NodeJS.Platform } = {}): string[] {
  const args = [
    ws.worktree,
    `${ws.sshAlias}:${REMOTE_ROOT}`,
    '--name',
    sessionName(ws.id),
    '--label',
    `${WORKSPACE_LABEL}=${ws.id}`,
    '--label',
    `${IGNORES_LABEL}=${ignoresDigest(excludes)}`,
    // two-way-safe: a change on both sides is a conflict that is reported, never resolved by
    // overwriting or deleting either side (two-way-resolved and one-way-replica would).
    '--mode',
    'two-way-safe',
    // A user's ~/.mutagen.yml must not change how Nexus sessions behave.
    '--no-global-configuration',
  ];
  for (const pattern of [...DEFAULT_IGNORES, ...excludes]) args.push('--ignore', pattern);
  // Watching. The workspace (beta) is Linux, where Mutagen 0.18 has no recursive watcher: it
  // rescans the whole tree every polling interval (default 10 s) and watches only the ~50 most
  // recently changed paths with inotify, so a file written in an older folder in the container
  // took up to 10 s to reach the host. A 1 s interval (the minimum) brings that to ~1 s at the
  // cost of one stat walk per second on the workspace side. A Linux HOST (alpha) has the same
  // watcher (measured: 8.9 s for an edit in an older folder), so it gets 1 s too; macOS and
  // Windows hosts watch recursively (FSEvents/ReadDirectoryChangesW) and keep the default.
  args.push('--watch-polling-interval-beta', '1');
  if ((options.platform ?? process.platform) === 'linux') args.push('--watch-polling-interval-alpha', '1');
  if (options.paused) args.push('--paused');
  return args;
}

type Waiter = () => void;

/**
 * One Mutagen session per workspace (worktree ⇄ `<alias>:/workspace`), run by a private daemon
 * under `paths.mutagenDir`. State comes from one `sync monitor` stream and is pushed through
 * `onState` whenever what the card shows changes.
 */
export class SyncService {
  private binary: MutagenBinary | null = null;
  private cli: MutagenCli | null = null;
  private daemon: MutagenDaemon | null = null;
  private monitor: SessionMonitor | null = null;
  private startPromise: Promise<void> | null = null;
  private disposed = false;
  /** Latest Mutagen view of each workspace's session. */
  private readonly sessions = new Map<string, MutagenSession>();
  /** Last state pushed through onState. */
  private readonly states = new Map<string, SyncState>();
  /** Nexus-side errors (e.g. a resume that could not connect) shown until the session watches. */
  private readonly notes = new Map<string, string>();
  private readonly waiters = new Set<Waiter>();
  private readonly mutex = new KeyedMutex();

  constructor(private readonly opts: SyncServiceOptions) {}

  /** The Mutagen in use (after start). */
  get mutagen(): MutagenBinary | null {
    return this.binary;
  }

  daemonState(): DaemonState {
    return this.daemon?.state() ?? { status: 'stopped', pid: null, restarts: 0, lastError: null };
  }

  /**
   * Finds and checks Mutagen (a missing or mismatched one is a `part_missing` error saying what
   * to install), writes the ssh wrappers, starts the daemon and the status stream.
   */
  start(): Promise<void> {
    if (this.disposed) return Promise.reject(new NexusError('internal', 'The sync service was disposed.'));
    // After the daemon gave up restarting, start() tries again (e.g. a "Retry" button).
    if (this.daemon?.state().status === 'failed') return this.daemon.start();
    this.startPromise ??= this.doStart().catch((err: unknown) => {
      this.startPromise = null;
      throw err;
    });
    return this.startPromise;
  }

  private async doStart(): Promise<void> {
    const { paths, log } = this.opts;
    const env = this.opts.env ?? process.env;
    const socket = join(paths.mutagenDir, 'daemon', 'daemon.sock');
    if (Buffer.byteLength(socket) > 100) {
      throw new NexusError(
        'config_invalid',
        `The Nexus folder ${paths.home} is too deep for Mutagen's daemon socket (${socket} is over 100 bytes). Set NEXUS_HOME to a shorter path.`,
      );
    }
    this.binary = await resolveMutagen(this.opts.mutagenPath, env);
    const wrappers = await writeSshWrappers(paths, env);
    await mkdir(paths.mutagenDir, { recursive: true, mode: 0o700 });
    const cli = new MutagenCli(this.binary.path, mutagenEnv(env, paths.mutagenDir, wrappers));
    this.cli = cli;
    this.monitor = new SessionMonitor({
      cli,
      log: log.child('monitor'),
      onSessions: (sessions) => this.onSessions(sessions),
    });
    this.daemon = new MutagenDaemon({
      cli,
      log: log.child('daemon'),
      ...(this.opts.restartDelayMs !== undefined ? { restartDelayMs: this.opts.restartDelayMs } : {}),
      onState: (state) => this.onDaemonState(state),
    });
    await this.daemon.start();
    log.info(`sync ready: Mutagen ${this.binary.version} (${this.binary.path}), data ${paths.mutagenDir}`);
  }

  /**
   * Creates the workspace's session and returns after its first full cycle, reporting staging
   * progress (files received of expected). A session left by an earlier attempt is replaced.
   * On failure or cancel the new session is terminated (files on both sides stay as they are).
   */
  async create(ws: SyncWorkspace, onProgress: (received: number, expected: number) => void, signal: AbortSignal): Promise<void> {
    const cli = this.ready();
    await validateWorkspace(ws);
    return this.locked(ws.id, async () => {
      if (signal.aborted) throw cancelled(ws);
      const selector = `${WORKSPACE_LABEL}=${ws.id}`;
      if ((await this.list(selector)).length > 0) {
        this.opts.log.warn(`replacing the existing sync session of workspace ${ws.id}`);
        await cli.run(['sync', 'terminate', '--label-selector', selector]);
      }
      this.notes.delete(ws.id);
      try {
        // The first connect copies Mutagen's agent (~8 MB) into the workspace: allow for that.
        const out = await this.runCreate(cli, createArgs(ws, this.excludes()), { timeoutMs: 120_000, signal });
        // Wait on THIS session: the monitor may still hold the one replaced above.
        const identifier = /Created session (sync_[A-Za-z0-9]+)/.exec(out)?.[1] ?? null;
        await this.waitFirstCycle(ws.id, identifier, onProgress, signal);
      } catch (err) {
        await cli.run(['sync', 'terminate', '--label-selector', selector]).catch((e: unknown) => this.opts.log.warn(`could not remove the sync session of ${ws.id} after a failed create`, e));
        this.forget(ws.id);
        if (signal.aborted) throw cancelled(ws);
        throw isNexusError(err) ? err : new NexusError('sync_failed', `Sync for ${ws.name} could not start: ${(err as Error).message}`, { cause: err });
      }
    });
  }

  /** Stops propagation (the workspace is stopping). A workspace without a session is fine. */
  async pause(id: string): Promise<void> {
    const cli = this.ready();
    await this.locked(id, () => cli.run(['sync', 'pause', '--label-selector', `${WORKSPACE_LABEL}=${checkId(id)}`]));
  }

  /**
   * Restarts propagation (the workspace started) and reconnects at once rather than at Mutagen's
   * next 15 s retry. When the workspace cannot be reached yet, the session stays unpaused and
   * keeps retrying; the reason shows as its lastError (this does not throw for that).
   */
  async resume(id: string): Promise<void> {
    const cli = this.ready();
    await this.locked(id, async () => {
      try {
        await cli.run(['sync', 'resume', sessionName(checkId(id))], { timeoutMs: 30_000 });
        this.notes.delete(id);
      } catch (err) {
        if (!isNexusError(err) || err.code !== 'sync_failed') throw noSession(err, id);
        const [session] = await this.list(`${WORKSPACE_LABEL}=${id}`);
        if (!session || session.paused) throw err;
        this.opts.log.warn(`sync of ${id} resumed but could not connect yet: ${err.message}`);
        this.notes.set(id, `Could not reach the workspace yet; retrying. ${err.message}`);
        this.observe(session);
      }
    });
  }

  /** Removes the session (the workspace is being deleted). Files on both sides stay. Idempotent. */
  async terminate(id: string): Promise<void> {
    const cli = this.ready();
    await this.locked(id, async () => {
      await cli.run(['sync', 'terminate', '--label-selector', `${WORKSPACE_LABEL}=${checkId(id)}`]);
      this.forget(id);
    });
  }

  /** "Sync now": forces a full cycle and waits for it. */
  async flush(id: string, timeoutMs = 120_000): Promise<void> {
    const cli = this.ready();
    await this.locked(id, () =>
      cli.run(['sync', 'flush', sessionName(checkId(id))], { timeoutMs }).catch((err: unknown) => {
        if (isNexusError(err) && /session is paused/.test(err.message)) {
          return Promise.reject(new NexusError('conflict', 'Sync is paused while the workspace is stopped. Start the workspace to sync.'));
        }
        return Promise.reject(noSession(err, id));
      }),
    );
  }

  /**
   * Forgets the sessions' common history and resyncs from what is on both sides now: the way out
   * of `halted-on-root-emptied` after a workspace came back empty. In two-way-safe mode this
   * copies each side's files to the other; differing files become conflicts, nothing is deleted.
   */
  async reset(id: string): Promise<void> {
    const cli = this.ready();
    await this.locked(id, async () => {
      await cli.run(['sync', 'reset', sessionName(checkId(id))], { timeoutMs: 60_000 }).catch((err: unknown) => Promise.reject(noSession(err, id)));
      this.notes.delete(id);
    });
  }

  /**
   * Makes sure each workspace has its session, made with the current sync.exclude (at startup,
   * and after Settings changed sync.exclude). A missing one (a lost data folder, a session
   * terminated outside Nexus) is created, paused while the workspace sleeps. One made with
   * another ignore list is made again, since Mutagen cannot change a session's ignores: changes
   * not yet carried are flushed first when it is connected, both sides keep all their files, and
   * the new session (two-way-safe) starts from what is there; a paused one stays paused.
   * A workspace that cannot be reached gets a paused session (resumed when it starts) and is
   * reported in `failed`. Does not wait for a full cycle.
   */
  async ensure(records: readonly EnsureRecord[]): Promise<EnsureResult> {
    const cli = this.ready();
    const want = ignoresDigest(this.excludes());
    const existing = new Map<string, MutagenSession>();
    for (const session of await this.list(WORKSPACE_LABEL)) {
      const id = workspaceIdOf(session);
      if (id) existing.set(id, session);
    }
    const result: EnsureResult = { created: [], recreated: [], failed: [], orphaned: [] };
    for (const record of records) {
      const session = existing.get(record.id);
      if (session?.labels?.[IGNORES_LABEL] === want) continue;
      try {
        if (!session) await validateWorkspace(record);
        const unreachable = await this.locked(record.id, async () => {
          if (!session) return this.createSession(cli, record, record.paused === true);
          // Only a connected session can carry what is pending (a flush of another would wait it out).
          if (!session.paused && session.status === 'watching') {
            await cli.run(['sync', 'flush', sessionName(record.id)], { timeoutMs: 30_000 }).catch((err: unknown) => this.opts.log.warn(`could not flush the sync of ${record.id} before applying sync.exclude`, err));
          }
          await cli.run(['sync', 'terminate', '--label-selector', `${WORKSPACE_LABEL}=${record.id}`]);
          return this.createSession(cli, record, session.paused === true);
        });
        (session ? result.recreated : result.created).push(record.id);
        if (unreachable) result.failed.push({ id: record.id, error: unreachable });
        this.opts.log.info(session ? `applied the current sync.exclude to workspace ${record.id}` : `recreated the missing sync session of workspace ${record.id}`);
      } catch (err) {
        const message = (err as Error).message;
        this.opts.log.warn(`could not ${session ? 'apply sync.exclude to' : 'recreate'} the sync session of workspace ${record.id}`, err);
        this.notes.set(record.id, message);
        if (!session) this.emit(record.id, syntheticState('off', 'missing', `Sync is not set up: ${message}`));
        result.failed.push({ id: record.id, error: message });
      }
    }
    const wanted = new Set(records.map((r) => r.id));
    result.orphaned = [...existing.keys()].filter((id) => !wanted.has(id));
    return result;
  }

  /**
   * `mutagen sync create`, once more when the daemon lost the CLI's prompter on the way ("prompter
   * not found": seen, rarely, on a busy machine while the agent is being installed); a create
   * that fails like that makes no session.
   */
  private async runCreate(cli: MutagenCli, args: string[], options: { timeoutMs: number; signal?: AbortSignal }): Promise<string> {
    try {
      return await cli.run(['sync', 'create', ...args], options);
    } catch (err) {
      if (options.signal?.aborted || !(err instanceof Error) || !/prompter not found|unable to acquire prompter/.test(err.message)) throw err;
      this.opts.log.warn(`mutagen lost its prompter while creating a session; trying once more: ${err.message}`);
      return cli.run(['sync', 'create', ...args], options);
    }
  }

  /**
   * Creates a session without waiting for its first cycle. When the workspace cannot be reached,
   * the session is created paused (resume() on start picks it up) and the reason is returned.
   */
  private async createSession(cli: MutagenCli, record: SyncWorkspace, paused: boolean): Promise<string | null> {
    try {
      await this.runCreate(cli, createArgs(record, this.excludes(), { paused }), { timeoutMs: 120_000 });
      return null;
    } catch (err) {
      if (paused) throw err;
      await this.runCreate(cli, createArgs(record, this.excludes(), { paused: true }), { timeoutMs: 30_000 });
      const message = (err as Error).message;
      this.notes.set(record.id, `The workspace could not be reached to start sync: ${message}`);
      return message;
    }
  }

  /** The last state pushed for the workspace, or null when it has no session. */
  state(id: string): SyncState | null {
    return this.states.get(id) ?? null;
  }

  /** Stops the status stream and the daemon (sessions persist in the data folder). */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.startPromise?.catch(() => undefined);
    this.monitor?.stop();
    await this.daemon?.stop();
    for (const waiter of this.waiters) waiter();
    this.waiters.clear();
  }

  // ---------------------------------------------------------------------------------------

  private ready(): MutagenCli {
    if (this.disposed) throw new NexusError('internal', 'The sync service was disposed.');
    if (!this.cli || !this.daemon) throw new NexusError('sync_failed', 'Sync is not started yet.');
    const daemon = this.daemon.state();
    if (daemon.status === 'failed') {
      throw new NexusError('sync_failed', `The sync daemon is not running: ${daemon.lastError ?? 'it failed'}. Restart Nexus.`);
    }
    return this.cli;
  }

  private excludes(): string[] {
    return this.opts.excludes().filter((p) => {
      const ok = p.trim() !== '' && !/[\r\n\0]/.test(p);
      if (!ok) this.opts.log.warn(`ignoring an unusable sync.exclude entry: ${JSON.stringify(p)}`);
      return ok;
    });
  }

  private async list(selector: string): Promise<MutagenSession[]> {
    const out = await this.cli!.run(['sync', 'list', '--label-selector', selector, '--template', '{{json .}}']);
    return out.trim() === '' ? [] : parseSessions(out.trim());
  }

  private onSessions(sessions: MutagenSession[]): void {
    const seen = new Set<string>();
    for (const session of sessions) {
      const id = workspaceIdOf(session);
      if (!id) continue;
      seen.add(id);
      this.observe(session);
    }
    for (const id of [...this.sessions.keys()]) if (!seen.has(id)) this.forget(id);
    for (const waiter of [...this.waiters]) waiter();
  }

  private observe(session: MutagenSession): void {
    const id = workspaceIdOf(session);
    if (!id) return;
    this.sessions.set(id, session);
    if (session.status === 'watching' && !session.paused) this.notes.delete(id);
    this.emit(id, toSyncState(session, this.notes.get(id) ?? null));
  }

  /** The session is gone: say so once, then report no state. */
  private forget(id: string): void {
    this.sessions.delete(id);
    if (this.states.has(id)) {
      this.emit(id, syntheticState('off', 'terminated', null));
      this.states.delete(id);
    }
  }

  private emit(id: string, state: SyncState): void {
    const previous = this.states.get(id);
    if (previous && JSON.stringify(previous) === JSON.stringify(state)) return;
    this.states.set(id, state);
    try {
      this.opts.onState(id, state);
    } catch (err) {
      this.opts.log.warn('an onState listener threw', err);
    }
  }

  private onDaemonState(state: DaemonState): void {
    if (state.status === 'running') {
      this.monitor?.start();
      return;
    }
    if (state.status === 'starting') return;
    this.monitor?.stop();
    if (state.status === 'stopped') return;
    // Restarting or failed: the sessions are not syncing meanwhile; say so on every card.
    const why =
      state.status === 'failed'
        ? `The sync daemon stopped and could not be restarted: ${state.lastError ?? ''}`
        : `The sync daemon stopped unexpectedly; restarting it (attempt ${state.restarts}).`;
    for (const id of this.sessions.keys()) {
      const previous = this.states.get(id);
      this.emit(id, { ...syntheticState('disconnected', 'daemon-stopped', why), conflicts: previous?.conflicts ?? [], problems: previous?.problems ?? [] });
    }
  }

  /** Resolves at the session's first successful cycle; rejects on a halt, a stall or cancel. */
  private waitFirstCycle(id: string, identifier: string | null, onProgress: (received: number, expected: number) => void, signal: AbortSignal): Promise<void> {
    const stallMs = FIRST_CYCLE_STALL_MS;
    return new Promise<void>((resolve, reject) => {
      let lastKey = '';
      let lastProgressAt = Date.now();
      let lastReported: { received: number; expected: number } | null = null;
      let polling = false;
      const finish = (err: Error | null) => {
        this.waiters.delete(check);
        clearInterval(timer);
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const check = () => {
        if (this.disposed) return finish(new NexusError('cancelled', 'Sync was shut down.'));
        const session = this.sessions.get(id);
        if (!session || (identifier !== null && session.identifier !== identifier)) return;
        const staging = stagingOf(session);
        const offline = !session.status || /^(disconnected|connecting-)/.test(session.status);
        const key = offline ? 'offline' : `${session.status}|${staging?.received ?? ''}|${session.beta?.stagingProgress?.totalReceivedSize ?? ''}`;
        if (key !== lastKey) {
          lastKey = key;
          if (!offline) lastProgressAt = Date.now();
        }
        if (staging && /^staging-/.test(session.status ?? '')) {
          if (staging.received !== lastReported?.received || staging.expected !== lastReported.expected) {
            lastReported = staging;
            onProgress(staging.received, staging.expected);
          }
        }
        if ((session.successfulCycles ?? 0) >= 1) {
          // Staging can finish between two monitor lines: end on "all received" when it showed.
          if (lastReported && lastReported.received !== lastReported.expected) onProgress(lastReported.expected, lastReported.expected);
          return finish(null);
        }
        if (isHalted(session.status)) return finish(new NexusError('sync_failed', haltMessage(session.status!)));
        if (Date.now() - lastProgressAt > stallMs) {
          const why = session.lastError ?? this.notes.get(id) ?? `status ${session.status ?? 'unknown'}`;
          finish(new NexusError('sync_failed', `The first sync made no progress for ${Math.round(stallMs / 1000)} s (${why}).`));
        }
      };
      const onAbort = () => finish(new NexusError('cancelled', 'Cancelled.'));
      // Between monitor lines (or while it restarts), ask directly now and then.
      const timer = setInterval(() => {
        check();
        if (polling || Date.now() - (this.monitor?.lastUpdate ?? 0) < 3_000) return;
        polling = true;
        this.list(`${WORKSPACE_LABEL}=${id}`)
          .then(([session]) => session && this.observe(session))
          .catch(() => undefined)
          .finally(() => {
            polling = false;
            check();
          });
      }, 1_000);
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(check);
      check();
    });
  }

  /** Operations on one workspace run one at a time. */
  private locked<T>(id: string, task: () => Promise<T>): Promise<T> {
    return this.mutex.run(id, task);
  }

}

function checkId(id: string): string {
  if (!WorkspaceId.safeParse(id).success) throw new NexusError('invalid_request', `Not a workspace id: "${id}".`);
  return id;
}

async function validateWorkspace(ws: SyncWorkspace): Promise<void> {
  checkId(ws.id);
  if (!/^[A-Za-z0-9._-]+$/.test(ws.sshAlias)) throw new NexusError('invalid_request', `Not a usable ssh alias: "${ws.sshAlias}".`);
  if (!isAbsolute(ws.worktree)) throw new NexusError('invalid_request', `The worktree path must be absolute: "${ws.worktree}".`);
  const info = await stat(ws.worktree).catch(() => null);
  if (!info?.isDirectory()) throw new NexusError('not_found', `The worktree ${ws.worktree} of workspace ${ws.name} does not exist.`);
}

function cancelled(ws: SyncWorkspace): NexusError {
  return new NexusError('cancelled', `Starting sync for ${ws.name} was cancelled.`);
}

function noSession(err: unknown, id: string): unknown {
  if (isNexusError(err) && err.code === 'not_found') {
    return new NexusError('not_found', `Workspace ${id} has no sync session. It is recreated at the next start of Nexus (or call ensure).`);
  }
  return err;
}
