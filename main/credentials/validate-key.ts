import { NexusError } from '../../shared/errors.js';
import { redact } from '../log/logger.js';

export type KeyValidator = (apiUrl: string, apiKey: string) => Promise<void>;

const TIMEOUT_MS = 15_000;

/**
 * Checks a key with ONE cheap API call before anything is stored: `GET <apiUrl>/sandbox?limit=1`
 * with the key as bearer. 401 → the key is refused; no answer → the URL is named. Redirects are
 * not followed (the key must never be sent on to another address).
 */
export async function validateDaytonaKey(apiUrl: string, apiKey: string): Promise<void> {
  const url = `${apiUrl}/sandbox?limit=1`;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { Authorization: `Bearer ${apiKey}`, Accept: 'application/json', 'X-Daytona-Source': 'nexus-desktop' },
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw new NexusError(
      'daytona_unreachable',
      `Could not reach Daytona at ${apiUrl} (${reason(err)}). Check the API URL and your network connection, then try again.`,
    );
  }
  const body = await res.text().catch(() => '');
  if (res.status === 401) {
    throw new NexusError(
      'daytona_auth',
      `Daytona refused this API key (401 Unauthorized from ${apiUrl}). Check that you copied the whole key from the Daytona dashboard (Keys) and that it has not been revoked. Nothing was saved.`,
    );
  }
  if (res.status === 403) {
    throw new NexusError('daytona_auth', `Daytona accepted this API key but it may not list sandboxes (403 from ${apiUrl}). Create a key with sandbox permissions. Nothing was saved.`);
  }
  if (res.status >= 300 && res.status < 400) {
    throw new NexusError(
      'daytona_unreachable',
      `${apiUrl} redirects elsewhere (${res.status}${res.headers.get('location') ? ` to ${res.headers.get('location')}` : ''}). Use the final API URL; Nexus does not send the key on to another address.`,
    );
  }
  if (res.status === 404) {
    throw new NexusError('daytona_unreachable', `${apiUrl} has no Daytona API (404 for /sandbox). Check the URL; it usually ends in /api. Nothing was saved.`);
  }
  if (res.status === 429) {
    const after = res.headers.get('retry-after');
    throw new NexusError('rate_limited', `Daytona is rate-limiting requests (429)${after ? `; try again in ${after} s` : '; try again in a minute'}. Nothing was saved.`);
  }
  if (res.status >= 500) {
    throw new NexusError('daytona_unreachable', `Daytona at ${apiUrl} answered ${res.status}; it may be having problems. Try again shortly. Nothing was saved.`);
  }
  if (!res.ok || !looksLikeSandboxList(body)) {
    throw new NexusError(
      'daytona_unreachable',
      `${apiUrl} answered (${res.status}), but not like the Daytona API. Check the URL; it usually ends in /api. Nothing was saved.`,
    );
  }
}

function looksLikeSandboxList(body: string): boolean {
  try {
    const data = JSON.parse(body) as unknown;
    return Array.isArray(data) || (typeof data === 'object' && data !== null && Array.isArray((data as { items?: unknown }).items));
  } catch {
    return false;
  }
}

function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | null)?.cause;
  if (err instanceof Error && err.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  return redact(cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err)));
}
