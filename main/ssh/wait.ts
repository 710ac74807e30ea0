import { NexusError } from '../../shared/errors.js';
import type { SshEndpoint } from '../backends/backend.js';
import { sleep } from '../process/abortable.js';
import type { ConnectOptions, SshPool } from './pool.js';
import { SshConnectError } from './pool.js';

export interface WaitForSshOptions extends ConnectOptions {
  /** Total budget (default 60 s). */
  timeoutMs?: number;
  /** Called before each retry, e.g. to report "waiting for sshd (attempt 3)". */
  onRetry?: (attempt: number, error: SshConnectError) => void;
}

/**
 * Connects `key` through the pool, retrying with backoff while the server is merely not there
 * yet (a container's sshd takes a moment after start). A wrong host key or a refused login
 * fails at once: waiting would not change them.
 */
export async function waitForSsh(pool: SshPool, key: string, endpoint: SshEndpoint, options: WaitForSshOptions = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let delay = 100;
  for (let attempt = 1; ; attempt++) {
    try {
      await pool.connect(key, endpoint, options);
      return;
    } catch (err) {
      if (!(err instanceof SshConnectError) || err.reason !== 'unreachable') throw err;
      if (Date.now() + delay > deadline) {
        throw new NexusError('timeout', `${err.message} (still not answering after ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s)`, { cause: err });
      }
      options.onRetry?.(attempt, err);
      await sleep(delay, options.signal, 'Waiting for SSH was cancelled.');
      delay = Math.min(delay * 2, 2_000);
    }
  }
}
