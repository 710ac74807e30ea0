import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Logger } from '../log/logger.js';
import type { MutagenCli } from './cli.js';
import { mutagenError } from './cli.js';
import type { MutagenSession } from './session-state.js';
import { parseSessions, WORKSPACE_LABEL } from './session-state.js';

export interface MonitorOptions {
  cli: MutagenCli;
  log: Logger;
  /** Every state change of any Nexus session: the full list of them, as Mutagen reports it. */
  onSessions: (sessions: MutagenSession[]) => void;
}

/** A JSON line of a big workspace with many conflicts can be large; past this, drop the line. */
const MAX_LINE = 32 * 1024 * 1024;

/**
 * One long-running `mutagen sync monitor --template '{{json .}}' --label-selector nexus-workspace`
 * for all Nexus sessions. Mutagen prints the whole selection as one JSON array line on every
 * change (and `[]` while there is none), and picks up sessions created after it started.
 * It exits when the daemon goes away; while started it is restarted with backoff.
 */
export class SessionMonitor {
  private child: ChildProcess | null = null;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private lastLineAt = 0;

  constructor(private readonly options: MonitorOptions) {}

  /** When the monitor last printed a state, ms since epoch (0: never). */
  get lastUpdate(): number {
    return this.lastLineAt;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.failures = 0;
    this.spawn();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const child = this.child;
    this.child = null;
    if (child && child.exitCode === null) child.kill('SIGTERM');
  }

  private spawn(): void {
    const { cli, log } = this.options;
    const child = spawn(cli.binary, ['sync', 'monitor', '--template', '{{json .}}', '--label-selector', WORKSPACE_LABEL], {
      env: cli.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let buffer = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_LINE) {
        log.warn('mutagen monitor printed an over-long line; skipping it');
        buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
        if (buffer.length > MAX_LINE) buffer = '';
      }
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (!line.startsWith('[')) continue;
        let sessions: MutagenSession[];
        try {
          sessions = parseSessions(line);
        } catch (err) {
          log.warn(`could not read a mutagen monitor line: ${(err as Error).message}`);
          continue;
        }
        this.failures = 0;
        this.lastLineAt = Date.now();
        this.options.onSessions(sessions);
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const onGone = (why: string) => {
      if (this.child !== child) return;
      this.child = null;
      if (!this.running) return;
      this.failures++;
      const wait = Math.min(250 * 2 ** (this.failures - 1), 10_000);
      log.warn(`mutagen monitor stopped (${why}); restarting in ${wait} ms`);
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.running) this.spawn();
      }, wait);
    };
    child.once('error', (err) => onGone(err.message));
    child.once('exit', (code, signal) => onGone(mutagenError(stderr) || `${signal ?? `code ${String(code)}`}`));
  }
}
