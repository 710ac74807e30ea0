import { createHash } from 'node:crypto';
import { Daytona } from '@daytonaio/sdk';
import type { DaytonaCredentials } from '../credentials/daytona-credentials.js';
import type { Logger } from '../log/logger.js';
import { classify, toNexusError } from './errors.js';

/** One API (profile) as the backend uses it: the SDK client, where it goes, and its rate gate. */
export interface DaytonaConnection {
  profile: string;
  apiUrl: string;
  sdk: Daytona;
  gate: RateGate;
}

export interface RetryPolicy {
  /** Retries after a 429 (each waits Retry-After). Default 8. */
  rateLimited?: number;
  /** Retries after a 5xx/408 (exponential backoff with jitter). Default 4. */
  server?: number;
}

/** Retries after no answer at all (the SDK already retried the connect twice). */
const UNREACHABLE_RETRIES = 2;
/** Give up once this much time went into waiting. */
const MAX_WAIT_MS = 120_000;

/** Per-API pause after a 429, shared by every caller (operations and the poller alike). */
export class RateGate {
  private until = 0;

  block(ms: number): void {
    this.until = Math.max(this.until, Date.now() + ms);
  }

  /** Milliseconds until calls may go again (0 = now). */
  remaining(): number {
    return Math.max(0, this.until - Date.now());
  }

  async ready(signal?: AbortSignal): Promise<void> {
    const wait = this.remaining();
    if (wait > 0) await sleep(wait, signal);
  }
}

export interface DaytonaClientsOptions {
  credentials: DaytonaCredentials;
  log: Logger;
  /** Per-request deadline of the SDK's HTTP client (it defaults to 24 h). */
  requestTimeoutMs?: number;
}

/**
 * SDK clients per profile, built with apiKey, apiUrl and target passed explicitly (so neither
 * the environment's DAYTONA_* nor a `.env` file in the working directory can redirect them).
 * A sign-in or sign-out for a profile drops its client; the next call builds one with the new key.
 */
export class DaytonaClients {
  private readonly clients = new Map<string, { fingerprint: string; connection: DaytonaConnection }>();
  private readonly gates = new Map<string, RateGate>();

  constructor(private readonly options: DaytonaClientsOptions) {
    options.credentials.onChange((profile) => this.invalidate(profile));
  }

  async get(profile: string): Promise<DaytonaConnection> {
    const key = await this.options.credentials.resolve(profile);
    const fingerprint = createHash('sha256').update(`${key.apiUrl}\n${key.target}\n${key.apiKey}`).digest('hex');
    const cached = this.clients.get(profile);
    if (cached?.fingerprint === fingerprint) return cached.connection;
    if (cached) void this.close(cached.connection);
    const sdk = new Daytona({
      apiKey: key.apiKey,
      apiUrl: key.apiUrl,
      target: key.target,
      requestTimeoutMs: this.options.requestTimeoutMs ?? 30_000,
      otelEnabled: false,
    });
    const connection: DaytonaConnection = { profile, apiUrl: key.apiUrl, sdk, gate: this.gate(key.apiUrl) };
    this.clients.set(profile, { fingerprint, connection });
    return connection;
  }

  gate(apiUrl: string): RateGate {
    let gate = this.gates.get(apiUrl);
    if (!gate) {
      gate = new RateGate();
      this.gates.set(apiUrl, gate);
    }
    return gate;
  }

  /**
   * Runs one API operation: waits out a 429 pause, retries 429 (honouring Retry-After), 5xx
   * (backoff with jitter) and no-answer a bounded number of times, then throws a NexusError
   * saying what failed and what to do.
   */
  async call<T>(conn: DaytonaConnection, what: string, fn: () => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
    const limits = { rateLimited: policy.rateLimited ?? 8, server: policy.server ?? 4, unreachable: UNREACHABLE_RETRIES };
    const used = { rateLimited: 0, server: 0, unreachable: 0 };
    let waited = 0;
    for (;;) {
      const gateWait = conn.gate.remaining();
      if (gateWait > 0) {
        if (waited + gateWait > MAX_WAIT_MS) throw toNexusError(Object.assign(new Error('rate limited'), { statusCode: 429 }), conn.apiUrl, what);
        waited += gateWait;
        await conn.gate.ready();
      }
      try {
        return await fn();
      } catch (err) {
        const failure = classify(err);
        let delay: number | null = null;
        if (failure.kind === 'rate_limited') {
          conn.gate.block(failure.retryAfterMs);
          if (used.rateLimited++ < limits.rateLimited) {
            this.options.log.info(`Daytona rate-limited "${what}"; retrying in ${Math.ceil(failure.retryAfterMs / 1000)} s`);
            continue; // the gate does the waiting
          }
        } else if (failure.kind === 'server' && used.server < limits.server) {
          delay = backoff(used.server++, 500, 8_000);
        } else if (failure.kind === 'unreachable' && used.unreachable < limits.unreachable) {
          delay = backoff(used.unreachable++, 1_000, 4_000);
        }
        if (delay === null || waited + delay > MAX_WAIT_MS) throw toNexusError(err, conn.apiUrl, what);
        this.options.log.info(`Daytona call "${what}" failed (${failure.kind}); retrying in ${Math.round(delay)} ms`);
        waited += delay;
        await sleep(delay);
      }
    }
  }

  invalidate(profile?: string): void {
    for (const [name, entry] of [...this.clients]) {
      if (profile !== undefined && name !== profile) continue;
      this.clients.delete(name);
      void this.close(entry.connection);
    }
  }

  async dispose(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((c) => this.close(c.connection)));
  }

  private async close(connection: DaytonaConnection): Promise<void> {
    try {
      await connection.sdk[Symbol.asyncDispose]();
    } catch (err) {
      this.options.log.debug(`closing a Daytona client failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** Exponential backoff with full jitter: a random wait in [base·2ⁿ/2, base·2ⁿ], capped. */
export function backoff(attempt: number, baseMs: number, capMs: number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
