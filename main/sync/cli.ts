import { NexusError } from '../../shared/errors.js';
import { run } from '../process/run.js';
import { INSTALL_HINT } from './mutagen-binary.js';

/** Management calls (list, pause, resume, terminate) must answer within this. */
export const MANAGEMENT_TIMEOUT_MS = 15_000;

/** The environment every Mutagen process of this Nexus home gets. */
export function mutagenEnv(base: NodeJS.ProcessEnv, dataDir: string, sshWrapperDir: string): NodeJS.ProcessEnv {
  return {
    ...base,
    MUTAGEN_DATA_DIRECTORY: dataDir,
    MUTAGEN_SSH_PATH: sshWrapperDir,
    // Only our own `daemon run` child may be the daemon; a CLI call must never start another.
    MUTAGEN_DISABLE_AUTOSTART: '1',
  };
}

/** Mutagen's own "Error: …" line (the progress lines before it are \r-overwritten noise). */
export function mutagenError(stderr: string, stdout = ''): string {
  const text = `${stderr}\n${stdout}`;
  const match = /Error: (.*)/.exec(text);
  const line = match?.[1] ?? text.split(/[\r\n]+/).map((l) => l.trim()).filter(Boolean).pop() ?? '';
  return line.trim().slice(0, 1500);
}

export class MutagenCli {
  constructor(
    readonly binary: string,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /**
   * Runs `mutagen <args>`; resolves with stdout, or throws a NexusError: `not_found` when the
   * named session does not exist, `timeout` after `timeoutMs`, `part_missing` on a version
   * mismatch, `sync_failed` otherwise, with Mutagen's own message.
   */
  async run(args: readonly string[], options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<string> {
    const timeoutMs = options.timeoutMs ?? MANAGEMENT_TIMEOUT_MS;
    const started = Date.now();
    const what = `mutagen ${args.slice(0, 2).join(' ')}`;
    let result;
    try {
      result = await run(this.binary, args, { env: this.env, timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
    } catch (err) {
      if (options.signal?.aborted) throw new NexusError('cancelled', `${what} was cancelled.`);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NexusError('part_missing', `Mutagen is gone from ${this.binary}. ${INSTALL_HINT}`);
      throw new NexusError('sync_failed', `${what} could not run: ${(err as Error).message}`, { cause: err });
    }
    if (result.code === 0) return result.stdout;
    if (options.signal?.aborted) throw new NexusError('cancelled', `${what} was cancelled.`);
    if (result.code === null && Date.now() - started >= timeoutMs - 50) {
      throw new NexusError('timeout', `${what} did not answer within ${Math.round(timeoutMs / 1000)} s; the sync daemon may be stuck.`);
    }
    const message = mutagenError(result.stderr, result.stdout);
    if (/did not match any sessions/.test(message)) throw new NexusError('not_found', message);
    if (/version mismatch|incompatible/i.test(message)) {
      throw new NexusError('part_missing', `Mutagen versions do not match: ${message}. ${INSTALL_HINT}`);
    }
    if (/unable to connect to daemon/.test(message)) {
      throw new NexusError('sync_failed', `The sync daemon is not answering (${message}).`);
    }
    throw new NexusError('sync_failed', message || `${what} exited with ${result.code ?? 'a signal'}.`);
  }
}
