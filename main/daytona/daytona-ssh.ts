import { NexusError, isNexusError } from '../../shared/errors.js';
import type { BackendInstance, SshEndpoint } from '../backends/backend.js';
import type { Logger } from '../log/logger.js';
import { SshConnectError } from '../ssh/pool.js';
import type { ExecOptions, WorkspaceSsh } from '../workspaces/ports.js';
import type { WorkspaceRecord } from '../workspaces/state-store.js';
import type { DaytonaBackend } from './daytona-backend.js';

/** What the SSH layer asks of the rest of the Daytona wiring (set once the services exist). */
export interface DaytonaSshHooks {
  /** Starts a sleeping workspace, with the "sleeping. Starting…" / "started." notices. */
  wake(id: string): Promise<void>;
  /** Reports what the backend just said about a workspace (the card updates; a sleep is announced). */
  observe(id: string, instance: BackendInstance | null): void;
  /** True when the cached status is probably stale: the predicted auto-stop time has passed. */
  predictedAsleep(id: string): boolean;
  /** Asks the backend for the status now and reports it (like `observe`). */
  refreshStatus(id: string): Promise<BackendInstance | null>;
  /** A command ran through the gateway just now: the sandbox's idle timer restarted. */
  activity(id: string): void;
}

/** A login through the gateway takes well under this; past it (or after one refusal), ask Daytona why. */
const QUICK_CONNECT_MS = 5_000;
const CONNECT_BUDGET_MS = 20_000;

/**
 * The SSH layer for Daytona workspaces, around the plain one. Docker workspaces pass straight
 * through. For a Daytona workspace every exec:
 *  - reuses the live pooled connection, or logs in with the current token (it may have been
 *    refreshed since the workspace service cached an endpoint), after the alias rewrite landed;
 *  - refreshes a stale status first (the predicted auto-stop time has passed) and wakes the
 *    workspace if it is asleep;
 *  - on a refused login asks Daytona why: a running sandbox means the token expired or was
 *    revoked (a new one is made and the command goes on), a stopped one means it fell asleep
 *    (it is woken, with notices, and the command goes on).
 * A command that has started is never run twice: only a failed connect is retried.
 */
export class DaytonaSsh implements WorkspaceSsh {
  hooks: DaytonaSshHooks | null = null;
  private readonly execs = new Map<string, number>();
  private readonly registering = new Map<string, Promise<void>>();
  /** The endpoint each workspace's pooled connection logged in with (reused while it lives). */
  private readonly pooled = new Map<string, SshEndpoint>();

  constructor(
    private readonly inner: WorkspaceSsh,
    private readonly backend: DaytonaBackend,
    private readonly log: Logger,
  ) {}

  /** Commands running now in the workspace (for "kept awake by exec"). */
  running(id: string): number {
    return this.execs.get(id) ?? 0;
  }

  /**
   * A new token: the workspace's alias in the generated ssh config is rewritten, so every new
   * connection (OpenSSH, Mutagen, the pool's next connect) uses it. A pooled connection that is
   * already logged in is left alone: the gateway keeps authenticated connections open after a
   * token is replaced, and dropping it would cut off running commands and open terminals.
   */
  tokenChanged(record: WorkspaceRecord, endpoint: SshEndpoint): void {
    const previous = this.registering.get(record.id) ?? Promise.resolve();
    const next = previous
      .then(() => this.inner.register(record, endpoint))
      .catch((err: unknown) => this.log.warn(`could not rewrite the ssh alias ${record.sshAlias} with the new token`, err instanceof Error ? err.message : err));
    this.registering.set(record.id, next);
    void next.finally(() => {
      if (this.registering.get(record.id) === next) this.registering.delete(record.id);
    });
  }

  /** Resolves once pending alias rewrites are written (specs, and before a command runs). */
  async settled(id?: string): Promise<void> {
    if (id !== undefined) await this.registering.get(id);
    else await Promise.all([...this.registering.values()]);
  }

  publicKey(): Promise<string> {
    return this.inner.publicKey();
  }

  register(record: WorkspaceRecord, endpoint: SshEndpoint): Promise<void> {
    // A token refreshed since `endpoint` was made (during a long create) is the one to write.
    const current = isDaytona(record) ? this.backend.access.current(record.instanceId) : null;
    return this.inner.register(record, current ?? endpoint);
  }

  unregister(record: WorkspaceRecord): Promise<void> {
    return this.inner.unregister(record);
  }

  async waitReady(record: WorkspaceRecord, endpoint: SshEndpoint, signal: AbortSignal, onRetry?: (attempt: number) => void): Promise<void> {
    if (!isDaytona(record)) return this.inner.waitReady(record, endpoint, signal, onRetry);
    try {
      await this.attempt(record, endpoint, signal, { budgetMs: QUICK_CONNECT_MS, failFast: true });
      this.pooled.set(record.id, endpoint);
    } catch (err) {
      if (!refusedOrClosed(err) || signal.aborted) throw err;
      // The held token may have been revoked (another client made one) or expired early.
      const instance = await this.backend.inspect(record.instanceId);
      const next = instance?.status === 'running' ? await this.backend.refreshEndpoint(record.instanceId) : endpoint;
      await this.settled(record.id);
      await this.inner.waitReady(record, next, signal, onRetry);
      this.pooled.set(record.id, next);
    }
  }

  async exec(record: WorkspaceRecord, endpoint: SshEndpoint, argv: string[], options: ExecOptions = {}) {
    if (!isDaytona(record)) return this.inner.exec(record, endpoint, argv, options);
    this.execs.set(record.id, this.running(record.id) + 1);
    try {
      const ready = await this.ready(record, options.signal);
      return await this.inner.exec(record, ready, argv, options);
    } finally {
      const left = this.running(record.id) - 1;
      if (left > 0) this.execs.set(record.id, left);
      else this.execs.delete(record.id);
      this.hooks?.activity(record.id);
    }
  }

  drop(id: string): void {
    this.pooled.delete(id);
    this.inner.drop(id);
  }

  closeAll(): Promise<void> {
    this.pooled.clear();
    return this.inner.closeAll();
  }

  /**
   * For callers that open their own channels on the pool (terminals): a logged-in endpoint for
   * the workspace (the live pooled connection's, or a current token), waking it if Daytona has
   * put it to sleep since the card last said so.
   */
  async connectFor(record: WorkspaceRecord, signal?: AbortSignal): Promise<SshEndpoint> {
    if (!isDaytona(record)) throw new Error(`connectFor is for Daytona workspaces (${record.name} is ${record.backend})`);
    return this.ready(record, signal);
  }

  /** A connected endpoint for the workspace: fresh token, awake sandbox. */
  private async ready(record: WorkspaceRecord & { instanceId: string }, signal: AbortSignal | undefined): Promise<SshEndpoint> {
    const usable = record.phase === 'ready';
    if (usable && this.hooks?.predictedAsleep(record.id)) {
      const instance = await this.hooks.refreshStatus(record.id).catch(() => undefined);
      if (instance && asleep(instance)) await this.hooks.wake(record.id);
    }
    const held = await this.backend.endpoint(record.instanceId);
    await this.settled(record.id);
    // The live pooled connection first (it may predate a token refresh), then the held token.
    const pooled = this.pooled.get(record.id);
    const candidates = pooled && pooled.user !== held.user ? [pooled, held] : [held];
    let failure: unknown = null;
    for (const candidate of candidates) {
      try {
        await this.attempt(record, candidate, signal, { budgetMs: QUICK_CONNECT_MS, failFast: true });
        this.pooled.set(record.id, candidate);
        return candidate;
      } catch (err) {
        if (!refusedOrClosed(err) || signal?.aborted) throw err;
        failure = err;
      }
    }
    // The gateway closes the connection of a token it does not accept, or of a sandbox that is
    // not started, before the handshake ends: ask Daytona which it is.
    const instance = await this.backend.inspect(record.instanceId);
    this.hooks?.observe(record.id, instance);
    if (instance === null) throw failure;
    let endpoint: SshEndpoint;
    if (instance.status === 'running') {
      this.log.info(`the gateway did not accept the SSH token of ${record.name}; making a new one`);
      endpoint = await this.backend.refreshEndpoint(record.instanceId);
    } else if (usable && asleep(instance) && this.hooks) {
      this.log.info(`${record.name} was found ${instance.status} when a command needed it; waking it`);
      await this.hooks.wake(record.id);
      endpoint = await this.backend.endpoint(record.instanceId);
    } else {
      throw new NexusError('ssh_failed', `Workspace ${record.name} is ${instance.status}${instance.detail ? ` (${instance.detail})` : ''}; start it and try again.`, { cause: failure });
    }
    await this.settled(record.id);
    await this.attempt(record, endpoint, signal, { budgetMs: CONNECT_BUDGET_MS });
    this.pooled.set(record.id, endpoint);
    return endpoint;
  }

  /**
   * One bounded connect. `failFast`: no retry after a first failure (the gateway closes the
   * connection of a refused login before the handshake ends, which reads as "unreachable" and
   * would otherwise be retried): the caller asks Daytona why instead. A budget or a fail-fast
   * stop reads as "unreachable".
   */
  private async attempt(record: WorkspaceRecord, endpoint: SshEndpoint, signal: AbortSignal | undefined, options: { budgetMs: number; failFast?: boolean }): Promise<void> {
    const budget = AbortSignal.timeout(options.budgetMs);
    const stop = new AbortController();
    const combined = AbortSignal.any([budget, stop.signal, ...(signal ? [signal] : [])]);
    try {
      await this.inner.waitReady(record, endpoint, combined, options.failFast ? () => stop.abort() : undefined);
    } catch (err) {
      if ((budget.aborted || stop.signal.aborted) && !signal?.aborted && isNexusError(err) && err.code === 'cancelled') {
        throw new SshConnectError(
          'unreachable',
          stop.signal.aborted
            ? `Daytona's SSH gateway at ${endpoint.host}:${endpoint.port} closed the connection before Nexus was in.`
            : `Daytona's SSH gateway at ${endpoint.host}:${endpoint.port} did not let Nexus in within ${Math.round(options.budgetMs / 1000)} s. Check your network connection and try again.`,
          err,
        );
      }
      throw err;
    }
  }
}

function refusedOrClosed(err: unknown): boolean {
  return err instanceof SshConnectError && (err.reason === 'auth' || err.reason === 'unreachable');
}

function isDaytona(record: WorkspaceRecord): record is WorkspaceRecord & { instanceId: string } {
  return record.backend === 'daytona' && record.instanceId !== null;
}

function asleep(instance: BackendInstance): boolean {
  return instance.status === 'sleeping' || instance.status === 'archived' || instance.status === 'stopping';
}
