import { DaytonaConnectionError, DaytonaError, DaytonaTimeoutError } from '@daytonaio/sdk';
import { NexusError, isNexusError } from '../../shared/errors.js';
import { redact } from '../log/logger.js';

export type Failure =
  | { kind: 'rate_limited'; retryAfterMs: number }
  | { kind: 'server'; status: number }
  | { kind: 'unreachable' }
  | { kind: 'auth' }
  | { kind: 'forbidden' }
  | { kind: 'not_found' }
  | { kind: 'conflict' }
  | { kind: 'bad_request'; status: number }
  | { kind: 'timeout' }
  | { kind: 'other' };

const MAX_RETRY_AFTER_MS = 300_000;

/** What kind of failure an SDK call ended in (by HTTP status where there is one). */
export function classify(err: unknown): Failure {
  if (isNexusError(err)) return { kind: 'other' };
  const status = statusOf(err);
  if (status === 429) return { kind: 'rate_limited', retryAfterMs: retryAfterMs(err) };
  if (status === 401) return { kind: 'auth' };
  if (status === 403) return { kind: 'forbidden' };
  if (status === 404 || status === 410) return { kind: 'not_found' };
  if (status === 409) return { kind: 'conflict' };
  if (status === 408 || (status !== undefined && status >= 500)) return { kind: 'server', status };
  if (status !== undefined && status >= 400) return { kind: 'bad_request', status };
  if (err instanceof DaytonaConnectionError) return { kind: 'unreachable' };
  if (err instanceof DaytonaTimeoutError) return { kind: 'timeout' };
  // Not an SDK error at all but a network one (a plain fetch, a socket).
  const code = (err as { code?: unknown } | null)?.code;
  if (!(err instanceof DaytonaError) && typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)$/.test(code)) {
    return { kind: 'unreachable' };
  }
  return { kind: 'other' };
}

export function statusOf(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** `Retry-After` in milliseconds: seconds or an HTTP date; 1 s when absent or unreadable. */
export function retryAfterMs(err: unknown, now = Date.now()): number {
  const headers = (err as { headers?: unknown } | null)?.headers as { get?: (name: string) => unknown; [k: string]: unknown } | undefined;
  const raw = typeof headers?.get === 'function' ? headers.get('retry-after') : headers?.['retry-after'];
  const text = Array.isArray(raw) ? String(raw[0]) : raw === undefined || raw === null ? '' : String(raw);
  if (text.trim() !== '') {
    const seconds = Number(text);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, seconds * 1000));
    const date = Date.parse(text);
    if (!Number.isNaN(date)) return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, date - now));
  }
  return 1000;
}

/** The SDK's message, with anything secret taken out. */
export function sdkMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return redact(text.split('\n')[0] ?? '').slice(0, 500);
}

/** A user-facing error for a failed Daytona call: what failed, why, and what to do. */
export function toNexusError(err: unknown, apiUrl: string, what: string): NexusError {
  if (isNexusError(err)) return err;
  const failure = classify(err);
  const msg = sdkMessage(err);
  switch (failure.kind) {
    case 'auth':
      return new NexusError('daytona_auth', `Daytona refused the API key while trying to ${what} (401 from ${apiUrl}). Sign in to Daytona again (Settings → Daytona) or set DAYTONA_API_KEY.`, { cause: err });
    case 'forbidden':
      return new NexusError('daytona_auth', `The Daytona API key may not ${what} (403 from ${apiUrl}: ${msg}). Use a key with sandbox permissions.`, { cause: err });
    case 'rate_limited':
      return new NexusError('rate_limited', `Daytona is rate-limiting requests (429) and Nexus gave up trying to ${what} after backing off. Try again in a minute.`, { cause: err });
    case 'server':
      return new NexusError('daytona_unreachable', `Daytona at ${apiUrl} answered ${failure.status} while Nexus tried to ${what} (${msg}). It may be having problems; try again shortly.`, { cause: err });
    case 'unreachable':
      return new NexusError('daytona_unreachable', `Could not reach Daytona at ${apiUrl} to ${what} (${msg}). Check your network connection and the API URL in config.yaml.`, { cause: err });
    case 'not_found':
      return new NexusError('not_found', `Daytona has no such sandbox (${msg}). It was deleted outside Nexus: delete the workspace and create it again.`, { cause: err });
    case 'conflict':
      return new NexusError('conflict', `Daytona is busy changing the sandbox's state, so Nexus could not ${what}. Try again in a moment.`, { cause: err });
    case 'bad_request':
      return new NexusError('invalid_request', `Daytona refused to ${what} (${failure.status}: ${msg}).`, { cause: err });
    case 'timeout':
      return new NexusError('timeout', `Daytona did not finish in time while Nexus tried to ${what} (${msg}). Check the workspace's state and try again.`, { cause: err });
    default:
      return new NexusError('internal', `Daytona could not ${what}: ${msg}`, { cause: err });
  }
}
