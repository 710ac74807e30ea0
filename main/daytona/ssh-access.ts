import { NexusError } from '../../shared/errors.js';
import type { SshEndpoint } from '../backends/backend.js';
import type { Logger } from '../log/logger.js';
import { registerSecret } from '../log/logger.js';

/** What `sandbox.createSshAccess()` returns (the fields Nexus uses). */
export interface AccessGrant {
  token: string;
  expiresAt: string | Date;
  createdAt: string | Date;
  sshCommand: string;
}

export interface SshAccessOptions {
  /** Creates a new access token for the sandbox (which revokes its earlier ones). */
  mint: (instanceId: string) => Promise<AccessGrant>;
  /** Whether the sandbox is running now: only those are refreshed ahead of time. */
  isRunning: (instanceId: string) => boolean;
  log: Logger;
  /** Refresh once this share of the token's life has passed (default 0.8). */
  refreshAt?: number;
  now?: () => number;
}

interface Held {
  endpoint: SshEndpoint;
  /** Local epoch ms. */
  refreshAt: number;
  timer: NodeJS.Timeout | null;
}

export type EndpointListener = (instanceId: string, endpoint: SshEndpoint) => void;

/**
 * SSH access tokens per sandbox, made on demand and refreshed before they expire (at 80% of
 * their life, measured on the server's clock and applied to ours). A new token is announced to
 * listeners, which rewrite the workspace's alias in the generated ssh config and drop its pooled
 * connection. A token is registered with the logger's redaction the moment it arrives.
 */
export class SshAccessManager {
  private readonly tokens = new Map<string, Held>();
  private readonly minting = new Map<string, Promise<SshEndpoint>>();
  private readonly listeners = new Set<EndpointListener>();
  private readonly now: () => number;
  private readonly share: number;
  /** Server clock minus ours, from the latest token's createdAt (for TTL arithmetic). */
  serverOffsetMs = 0;
  private disposed = false;

  constructor(private readonly options: SshAccessOptions) {
    this.now = options.now ?? Date.now;
    this.share = options.refreshAt ?? 0.8;
  }

  onChange(listener: EndpointListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A valid, not-yet-due endpoint held for the sandbox, or null. */
  current(instanceId: string): SshEndpoint | null {
    const held = this.tokens.get(instanceId);
    return held && this.now() < held.refreshAt ? held.endpoint : null;
  }

  /** The endpoint last made for the sandbox, due for refresh or not (null when none is held). */
  held(instanceId: string): SshEndpoint | null {
    return this.tokens.get(instanceId)?.endpoint ?? null;
  }

  /** The endpoint with a usable token: the held one, or a new one (`force`: always new). */
  async endpoint(instanceId: string, options: { force?: boolean } = {}): Promise<SshEndpoint> {
    if (!options.force) {
      const current = this.current(instanceId);
      if (current) return current;
    }
    const pending = this.minting.get(instanceId);
    if (pending) return pending;
    const promise = this.mintNow(instanceId).finally(() => this.minting.delete(instanceId));
    this.minting.set(instanceId, promise);
    return promise;
  }

  forget(instanceId: string): void {
    const held = this.tokens.get(instanceId);
    if (held?.timer) clearTimeout(held.timer);
    this.tokens.delete(instanceId);
  }

  dispose(): void {
    this.disposed = true;
    for (const id of [...this.tokens.keys()]) this.forget(id);
  }

  private async mintNow(instanceId: string): Promise<SshEndpoint> {
    const grant = await this.options.mint(instanceId);
    const received = this.now();
    registerSecret(grant.token);
    const endpoint = endpointFromGrant(grant);
    const created = new Date(grant.createdAt).getTime();
    const expires = new Date(grant.expiresAt).getTime();
    // The server's clock may differ from ours: use the token's life, not its absolute expiry.
    const life = Number.isFinite(created) && Number.isFinite(expires) && expires > created ? expires - created : 60 * 60_000;
    if (Number.isFinite(created)) this.serverOffsetMs = created - received;
    this.forget(instanceId);
    const held: Held = { endpoint, refreshAt: received + life * this.share, timer: null };
    if (!this.disposed) {
      held.timer = setTimeout(() => void this.refreshAhead(instanceId, held), Math.min(2 ** 31 - 1, Math.max(1_000, held.refreshAt - received)));
      held.timer.unref();
    }
    this.tokens.set(instanceId, held);
    this.options.log.info(`new SSH access token for sandbox ${instanceId} (valid ${Math.round(life / 60_000)} min, refreshed after ${Math.round((life * this.share) / 60_000)})`);
    for (const listener of this.listeners) {
      try {
        listener(instanceId, endpoint);
      } catch (err) {
        this.options.log.warn('an SSH access listener failed', err);
      }
    }
    return endpoint;
  }

  private async refreshAhead(instanceId: string, held: Held): Promise<void> {
    held.timer = null;
    if (this.disposed || this.tokens.get(instanceId) !== held) return;
    // A sleeping sandbox gets its new token when it is next started or used.
    if (!this.options.isRunning(instanceId)) return;
    try {
      await this.endpoint(instanceId, { force: true });
    } catch (err) {
      this.options.log.warn(`refreshing the SSH access token of sandbox ${instanceId} failed; the next use makes one`, err instanceof Error ? err.message : err);
    }
  }
}

/**
 * The gateway address from `sshCommand`: `ssh -p <port> <token>@<host>`, or `ssh <token>@<host>`
 * (port 22). The user is the token; the host key is trusted on first use.
 */
export function endpointFromGrant(grant: AccessGrant): SshEndpoint {
  if (!/^[A-Za-z0-9_-]{8,200}$/.test(grant.token)) throw new NexusError('ssh_failed', 'Daytona returned an SSH access token Nexus cannot use (unexpected characters).');
  const words = grant.sshCommand.trim().split(/\s+/);
  let port = 22;
  let host: string | null = null;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === '-p' && words[i + 1]) port = Number(words[++i]);
    else if (/^-p\d+$/.test(word)) port = Number(word.slice(2));
    else if (word.includes('@')) host = word.slice(word.lastIndexOf('@') + 1);
  }
  if (!host || !/^[A-Za-z0-9.:_-]+$/.test(host) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new NexusError('ssh_failed', 'Daytona returned an SSH command Nexus cannot read, so it does not know where the SSH gateway is.');
  }
  return { host, port, user: grant.token, hostKey: { kind: 'tofu' } };
}
