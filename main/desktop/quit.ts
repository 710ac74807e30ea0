import type { Workspace } from '../../shared/domain/workspace.js';
import type { Logger } from '../log/logger.js';

export interface ShutdownDeps {
  /** The "stop workspaces on quit" setting. */
  stopWorkspaces: boolean;
  list(): Promise<Workspace[]>;
  stop(id: string): Promise<void>;
  /** The app's dispose: stops the private Mutagen daemon, closes SSH connections. */
  dispose(): Promise<void>;
  log: Logger;
  stopTimeoutMs?: number;
  disposeTimeoutMs?: number;
}

export interface ShutdownReport {
  stopped: string[];
  failed: string[];
  timedOut: boolean;
}

class Timeout extends Error {}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Timeout()), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Quitting: workspaces keep running unless the user asked for them to stop on quit (then the
 * running ones are stopped in parallel), then the services are disposed. Each phase is bounded,
 * so quitting never hangs on a backend that does not answer.
 */
export async function shutdown(deps: ShutdownDeps): Promise<ShutdownReport> {
  const report: ShutdownReport = { stopped: [], failed: [], timedOut: false };
  if (deps.stopWorkspaces) {
    try {
      const running = (await within(deps.list(), 5_000)).filter((w) => w.status === 'running' || w.status === 'starting');
      await within(
        Promise.all(
          running.map(async (w) => {
            try {
              await deps.stop(w.id);
              report.stopped.push(w.name);
            } catch (err) {
              report.failed.push(w.name);
              deps.log.warn(`could not stop ${w.name} on quit`, err);
            }
          }),
        ),
        deps.stopTimeoutMs ?? 30_000,
      );
    } catch (err) {
      if (!(err instanceof Timeout)) throw err;
      report.timedOut = true;
      deps.log.warn('stopping workspaces on quit took too long; quitting anyway (they may still be stopping)');
    }
  }
  try {
    await within(deps.dispose(), deps.disposeTimeoutMs ?? 10_000);
  } catch (err) {
    if (err instanceof Timeout) {
      report.timedOut = true;
      deps.log.warn('shutting the services down took too long; quitting anyway');
    } else {
      deps.log.warn('shutting the services down failed', err);
    }
  }
  return report;
}
