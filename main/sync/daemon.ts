import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { NexusError } from '../../shared/errors.js';
import type { Logger } from '../log/logger.js';
import type { MutagenCli } from './cli.js';

export type DaemonStatus = 'stopped' | 'starting' | 'running' | 'restarting' | 'failed';

export interface DaemonState {
  status: DaemonStatus;
  pid: number | null;
  /** Unexpected exits since the daemon last ran steadily (reset after STEADY_MS of uptime). */
  restarts: number;
  lastError: string | null;
}

export interface DaemonOptions {
  cli: MutagenCli;
  log: Logger;
  /** Called on every state change (running, restarting, failed, stopped). */
  onState?: (state: DaemonState) => void;
  /** Restart budget: this many unexpected exits in a row, then `failed`. */
  maxRestarts?: number;
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
  /** First restart delay; doubles each time up to 15 s. */
  restartDelayMs?: number;
}

const STEADY_MS = 60_000;
const TAIL_LINES = 20;

/**
 * Nexus's private `mutagen daemon run`: one child process per Nexus home, with its own data
 * directory and ssh wrappers (the environment of `cli`). Restarted with backoff when it dies,
 * at most `maxRestarts` times in a row; stopped by signalling that process (never through a
 * user-registered daemon: on macOS `daemon start` may hand over to launchd).
 */
export class MutagenDaemon {
  private child: ChildProcess | null = null;
  private current: DaemonState = { status: 'stopped', pid: null, restarts: 0, lastError: null };
  private stopping = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private tail: string[] = [];
  private starting: Promise<void> | null = null;
  private readonly maxRestarts: number;

  constructor(private readonly options: DaemonOptions) {
    this.maxRestarts = options.maxRestarts ?? 5;
  }

  state(): DaemonState {
    return { ...this.current };
  }

  /** Starts the daemon and waits until it answers. Idempotent while running. */
  start(): Promise<void> {
    this.stopping = false;
    if (this.current.status === 'running' && this.child) return Promise.resolve();
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
      this.restartTimer = null;
    }
    if (!this.starting) {
      this.setState({ status: 'starting', restarts: 0, lastError: null });
      this.starting = this.launch(true).finally(() => (this.starting = null));
    }
    return this.starting;
  }

  /** SIGTERM, wait (bounded), then SIGKILL. Cancels any pending restart. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    await this.starting?.catch(() => undefined);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const graceful = await Promise.race([exited.then(() => true), delay(this.options.stopTimeoutMs ?? 5_000).then(() => false)]);
      if (!graceful) {
        this.options.log.warn('mutagen daemon did not stop within the grace period; killing it');
        child.kill('SIGKILL');
        await Promise.race([exited, delay(2_000)]);
      }
    }
    this.child = null;
    this.setState({ status: 'stopped', pid: null });
  }

  private async launch(first: boolean): Promise<void> {
    const log = this.options.log;
    for (let attempt = 0; ; attempt++) {
      const { child, exited } = this.spawnChild();
      const outcome = await Promise.race([
        this.waitReady().then(() => 'ready' as const),
        exited.then(() => 'exited' as const),
      ]).catch((err: unknown) => err as Error);
      if (outcome === 'ready') {
        this.startedAt = Date.now();
        this.setState({ status: 'running', pid: child.pid ?? null, lastError: null });
        log.info(`mutagen daemon running (pid ${child.pid ?? '?'})`);
        return;
      }
      const output = this.tail.join('\n');
      if (outcome === 'exited' && attempt === 0 && /unable to acquire daemon lock/.test(output)) {
        // A daemon left by an earlier Nexus process (crash, kill -9) holds our data directory:
        // ask it to stop through its socket, then take over with our own environment.
        log.warn('another mutagen daemon holds this Nexus home; stopping it');
        try {
          await this.options.cli.run(['daemon', 'stop']);
        } catch (err) {
          throw new NexusError(
            'part_missing',
            `Another Mutagen daemon is using ${String(this.options.cli.env.MUTAGEN_DATA_DIRECTORY)} and does not stop when asked ` +
              `(${(err as Error).message}). It may be a different Mutagen version: stop it (kill its "mutagen daemon run" process), then restart Nexus.`,
          );
        }
        await this.waitUnlocked();
        continue;
      }
      if (outcome !== 'exited') child.kill('SIGKILL');
      const why = outcome instanceof Error ? outcome.message : `it exited: ${output.split('\n').slice(-3).join(' ') || 'no output'}`;
      const error = new NexusError('sync_failed', `The Mutagen daemon did not start (${why}).`);
      if (first) this.setState({ status: 'failed', pid: null, lastError: error.message });
      throw error;
    }
  }

  private spawnChild(): { child: ChildProcess; exited: Promise<void> } {
    this.tail = [];
    const child = spawn(this.options.cli.binary, ['daemon', 'run'], { env: this.options.cli.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        this.tail.push(line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
        this.options.log.debug(`daemon: ${line}`);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const exited = new Promise<void>((resolve) => {
      child.once('error', (err) => {
        this.tail.push(err.message);
        resolve();
      });
      child.once('exit', (code, signal) => {
        resolve();
        this.onExit(child, code, signal);
      });
    });
    return { child, exited };
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = null;
    if (this.stopping || this.current.status !== 'running') return; // launch() handles failed starts
    const restarts = Date.now() - this.startedAt > STEADY_MS ? 1 : this.current.restarts + 1;
    const why = `the Mutagen daemon exited (${signal ?? `code ${String(code)}`})${this.tail.length ? `: ${this.tail.slice(-2).join(' ')}` : ''}`;
    this.scheduleRestart(restarts, why);
  }

  private scheduleRestart(restarts: number, why: string): void {
    const log = this.options.log;
    if (restarts > this.maxRestarts) {
      log.error(`${why}; giving up after ${this.maxRestarts} restarts`);
      this.setState({ status: 'failed', pid: null, restarts, lastError: `${why}. It stopped ${this.maxRestarts} times in a row; restart Nexus.` });
      return;
    }
    const wait = Math.min((this.options.restartDelayMs ?? 500) * 2 ** (restarts - 1), 15_000);
    log.warn(`${why}; restarting in ${wait} ms (restart ${restarts} of ${this.maxRestarts})`);
    this.setState({ status: 'restarting', pid: null, restarts, lastError: why });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      this.starting = this.launch(false)
        .catch((err: unknown) => {
          // A failed restart counts as another exit: try again later, or give up.
          if (!this.stopping) this.scheduleRestart(this.current.restarts + 1, (err as Error).message);
        })
        .finally(() => (this.starting = null));
    }, wait);
  }

  /** Polls a cheap call until the daemon answers on its socket. */
  private async waitReady(): Promise<void> {
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 15_000);
    let last: Error | null = null;
    while (Date.now() < deadline) {
      if (!this.child || this.child.exitCode !== null) throw new Error('the daemon exited');
      try {
        await this.options.cli.run(['sync', 'list', '--label-selector', 'nexus-none-such', '--template', '{{json .}}'], { timeoutMs: 5_000 });
        return;
      } catch (err) {
        last = err as Error;
      }
      await delay(100);
    }
    throw new Error(`no answer within ${Math.round((this.options.readyTimeoutMs ?? 15_000) / 1000)} s${last ? `: ${last.message}` : ''}`);
  }

  /** After `daemon stop`, the old process releases its lock a moment later. */
  private async waitUnlocked(): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      try {
        await this.options.cli.run(['sync', 'list', '--label-selector', 'nexus-none-such'], { timeoutMs: 2_000 });
      } catch {
        return; // nobody answers any more
      }
      await delay(100);
    }
  }

  private setState(patch: Partial<DaemonState>): void {
    this.current = { ...this.current, ...patch };
    this.options.onState?.(this.state());
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
