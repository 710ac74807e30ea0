import type { Sandbox } from '@daytonaio/sdk';
import { NexusError } from '../../shared/errors.js';
import { WorkspaceName } from '../../shared/domain/workspace.js';
import type { Availability, Backend, BackendInstance, CreateSpec, SshEndpoint, StepReporter } from '../backends/backend.js';
import { LABELS } from '../backends/backend.js';
import type { DaytonaCredentials } from '../credentials/daytona-credentials.js';
import { DEFAULT_PROFILE } from '../credentials/profiles.js';
import type { Logger } from '../log/logger.js';
import { backoff, sleep } from './client.js';
import type { DaytonaClients, DaytonaConnection } from './client.js';
import { classify, sdkMessage, toNexusError } from './errors.js';
import type { DaytonaProfiles } from './profiles.js';
import { SshAccessManager } from './ssh-access.js';
import type { EndpointListener } from './ssh-access.js';
import { STARTABLE, sandboxStatus } from './status.js';
import { abortable } from '../process/abortable.js';

/** Labels the Daytona backend adds to the shared LABELS. */
export const DAYTONA_LABELS = {
  backend: 'nexus.backend',
} as const;

/** What Nexus last learnt about a sandbox (the poller computes TTLs from it). */
export interface SandboxInfo {
  state: string | undefined;
  errorReason: string | null;
  /** Server clock, epoch ms; null when unknown. */
  lastActivityAt: number | null;
  /** Minutes; 0 = never. */
  autoStopInterval: number;
  labels: Record<string, string>;
  /** Local epoch ms. */
  fetchedAt: number;
}

export interface DaytonaBackendOptions {
  clients: DaytonaClients;
  credentials: DaytonaCredentials;
  profiles: DaytonaProfiles;
  /** NEXUS_HOME, put on every sandbox (LABELS.home): two homes never adopt each other's. */
  home: string;
  log: Logger;
  /** Read at each create (config may change while the app runs). */
  settings: () => { enabled: boolean; autoStopMinutes: number };
  /** Instance ids the state file knows, so list() refuses to report their profile as empty when it cannot ask. */
  knownInstances?: () => string[];
  /** Seconds: how long create / start / stop may take (default 300 / 300 / 120). */
  timeouts?: { createS?: number; startS?: number; stopS?: number };
  /** SSH access tokens' life in minutes (default 60). */
  tokenMinutes?: number;
}

type Goal = 'started' | 'stopped' | 'gone';

/**
 * Workspaces as Daytona sandboxes, through `@daytonaio/sdk` in the main process. A sandbox
 * carries the Nexus labels (no repository clone: the create flow copies the base commit over
 * SSH); SSH goes through Daytona's gateway with a short-lived access token as the user name.
 * Instance ids are the sandbox id, prefixed `<profile>:` for a profile other than `default`.
 *
 * The SDK rejects a whole create/start/stop when one of its status polls fails, although the
 * sandbox keeps changing: every wait here re-reads the sandbox after a failure and keeps going
 * until the goal state, an error state, or the deadline.
 */
export class DaytonaBackend implements Backend {
  readonly kind = 'daytona' as const;
  readonly access: SshAccessManager;
  private readonly info = new Map<string, SandboxInfo>();
  private readonly sandboxes = new Map<string, Sandbox>();
  /** Instances an operation (create/start/stop/remove) is changing right now: the poller leaves them alone. */
  private readonly busy = new Map<string, number>();
  private readonly background = new Set<Promise<unknown>>();

  constructor(private readonly options: DaytonaBackendOptions) {
    this.access = new SshAccessManager({
      mint: (id) => this.mintAccess(id),
      isRunning: (id) => this.info.get(id)?.state === 'started',
      log: options.log.child('ssh-access'),
    });
  }

  /** Told each new SSH endpoint (a fresh token) of a sandbox. */
  onEndpointChange(listener: EndpointListener): () => void {
    return this.access.onChange(listener);
  }

  isBusy(instanceId: string): boolean {
    return (this.busy.get(instanceId) ?? 0) > 0;
  }

  /** The last known facts about a sandbox (no API call). */
  known(instanceId: string): SandboxInfo | undefined {
    return this.info.get(instanceId);
  }

  async available(): Promise<Availability> {
    if (!this.options.settings().enabled) {
      return { ok: false, reason: 'Daytona is turned off in config.yaml (backends.daytona.enabled: false). Turn it on to create Daytona workspaces.' };
    }
    if ((await this.options.credentials.usableProfiles()).length === 0) await this.options.credentials.resolve(DEFAULT_PROFILE); // throws what to do
    return { ok: true };
  }

  async prepare(report: StepReporter): Promise<void> {
    report('Daytona sandboxes use Daytona’s own snapshot: nothing to build here', 1);
  }

  async create(spec: CreateSpec, report: StepReporter, signal: AbortSignal): Promise<{ instanceId: string; endpoint: SshEndpoint }> {
    const name = WorkspaceName.parse(spec.name);
    const profile = await this.options.profiles.forRepo(spec.repo);
    const conn = await this.options.clients.get(profile);
    throwIfCancelled(signal, name);
    const labels: Record<string, string> = {
      [LABELS.id]: spec.workspaceId,
      [LABELS.name]: name,
      [LABELS.repo]: spec.repo,
      [LABELS.home]: this.options.home,
      [DAYTONA_LABELS.backend]: 'daytona',
    };
    const autoStopInterval = this.options.settings().autoStopMinutes;
    const timeoutS = this.options.timeouts?.createS ?? 300;
    const deadline = Date.now() + timeoutS * 1000;
    report(`Creating a sandbox on Daytona (${conn.apiUrl}${profile === DEFAULT_PROFILE ? '' : `, profile ${profile}`}; auto-stop after ${autoStopInterval || 'no'} idle minutes)`, 0.1);
    const sandbox = await this.createSandbox(conn, { ...spec, name }, labels, autoStopInterval, deadline, report, signal);
    const instanceId = instanceIdOf(profile, sandbox.id);
    this.remember(instanceId, sandbox);
    try {
      if (sandbox.state !== 'started') {
        report(`Waiting for sandbox ${sandbox.name} to start`, 0.5);
        await this.converge(conn, instanceId, 'started', deadline, signal);
      }
      report(`Sandbox ${sandbox.name} is running; getting SSH access`, 0.8);
      const endpoint = await this.access.endpoint(instanceId, { force: true });
      this.options.log.info(`created sandbox ${sandbox.id} (${sandbox.name}) on ${conn.apiUrl}`);
      report(`Sandbox ${sandbox.name} is running (SSH through ${endpoint.host}:${endpoint.port})`, 1);
      return { instanceId, endpoint };
    } catch (err) {
      // No orphans: a sandbox that never became usable is deleted again.
      await this.remove(instanceId).catch((e: unknown) => this.options.log.warn(`could not delete sandbox ${sandbox.id} after a failed create`, e));
      if (signal.aborted) throw new NexusError('cancelled', `Creating workspace ${name} was cancelled.`);
      throw err;
    }
  }

  async start(instanceId: string): Promise<SshEndpoint> {
    return this.whileBusy(instanceId, async () => {
      const { conn } = await this.locate(instanceId);
      await this.converge(conn, instanceId, 'started', Date.now() + (this.options.timeouts?.startS ?? 300) * 1000);
      return this.access.endpoint(instanceId);
    });
  }

  async stop(instanceId: string): Promise<void> {
    await this.whileBusy(instanceId, async () => {
      const { conn } = await this.locate(instanceId);
      await this.converge(conn, instanceId, 'stopped', Date.now() + (this.options.timeouts?.stopS ?? 120) * 1000);
    });
  }

  async remove(instanceId: string): Promise<void> {
    await this.whileBusy(instanceId, async () => {
      const { profile } = parseInstanceId(instanceId);
      const conn = await this.options.clients.get(profile);
      await this.converge(conn, instanceId, 'gone', Date.now() + 120_000);
      this.access.forget(instanceId);
      this.info.delete(instanceId);
      this.sandboxes.delete(instanceId);
    });
  }

  async inspect(instanceId: string): Promise<BackendInstance | null> {
    const { profile, sandboxId } = parseInstanceId(instanceId);
    const conn = await this.options.clients.get(profile);
    const sandbox = await this.getOrNull(conn, sandboxId, 'read the sandbox state');
    if (!sandbox) {
      this.forgetInstance(instanceId);
      return null;
    }
    this.remember(instanceId, sandbox);
    return instanceFrom(instanceId, sandbox);
  }

  async list(): Promise<BackendInstance[]> {
    const usable = new Set(await this.options.credentials.usableProfiles());
    const referenced = new Set((this.options.knownInstances?.() ?? []).map((id) => parseInstanceId(id).profile));
    const out: BackendInstance[] = [];
    for (const profile of new Set([...usable, ...referenced])) {
      // A profile the state file uses but that has no key: say so rather than report it empty.
      const conn = await this.options.clients.get(profile);
      for (const [instanceId, sandbox] of await this.listProfile(conn, { retry: true })) {
        out.push(instanceFrom(instanceId, sandbox));
      }
    }
    return out;
  }

  async endpoint(instanceId: string): Promise<SshEndpoint> {
    return this.access.endpoint(instanceId);
  }

  /** A new token now (the gateway refused the held one). */
  async refreshEndpoint(instanceId: string): Promise<SshEndpoint> {
    return this.access.endpoint(instanceId, { force: true });
  }

  /**
   * Whether the gateway would still accept the token Nexus holds for the sandbox (one API call);
   * false when none is held (e.g. the alias still carries one from before an app restart).
   */
  async accessValid(instanceId: string): Promise<boolean> {
    const held = this.access.held(instanceId);
    if (!held) return false;
    const { conn, sandbox } = await this.locate(instanceId);
    const result = await this.options.clients.call(conn, 'check the SSH access token', () => sandbox.validateSshAccess(held.user), { rateLimited: 1, server: 1 });
    return result.valid === true;
  }

  /** Resets the sandbox's idle timer (`refreshActivity`) and reads it back. */
  async keepAwake(instanceId: string): Promise<BackendInstance> {
    const { conn, sandbox } = await this.locate(instanceId);
    await this.options.clients.call(conn, 'keep the sandbox awake', () => sandbox.refreshActivity());
    const fresh = await this.inspect(instanceId);
    if (!fresh) throw gone(instanceId);
    return fresh;
  }

  // ------------------------------------------------------------------ for the status poller

  /** One GET, no retries (the poller has its own backoff). Null when the sandbox is gone. */
  async peek(instanceId: string): Promise<SandboxInfo | null> {
    const { profile, sandboxId } = parseInstanceId(instanceId);
    const conn = await this.options.clients.get(profile);
    await conn.gate.ready();
    try {
      const sandbox = await conn.sdk.get(sandboxId);
      this.remember(instanceId, sandbox);
      return this.info.get(instanceId) ?? null;
    } catch (err) {
      if (classify(err).kind === 'not_found') {
        this.forgetInstance(instanceId);
        return null;
      }
      this.noteRateLimit(conn, err);
      throw err;
    }
  }

  /** One list call for every sandbox of this home on a profile (no retries). */
  async peekProfile(profile: string): Promise<Map<string, SandboxInfo>> {
    const conn = await this.options.clients.get(profile);
    const out = new Map<string, SandboxInfo>();
    for (const [instanceId] of await this.listProfile(conn, { retry: false })) {
      const info = this.info.get(instanceId);
      if (info) out.set(instanceId, info);
    }
    return out;
  }

  async dispose(): Promise<void> {
    this.access.dispose();
    await Promise.allSettled([...this.background]);
  }

  // ------------------------------------------------------------------ internals

  private async listProfile(conn: DaytonaConnection, options: { retry: boolean }): Promise<Array<[string, Sandbox]>> {
    const run = async () => {
      const rows: Array<[string, Sandbox]> = [];
      for await (const sandbox of conn.sdk.list({ labels: { [LABELS.home]: this.options.home }, limit: 100 })) {
        if (!sandbox.labels?.[LABELS.id]) continue;
        const instanceId = instanceIdOf(conn.profile, sandbox.id);
        this.remember(instanceId, sandbox);
        rows.push([instanceId, sandbox]);
      }
      return rows;
    };
    if (options.retry) return this.options.clients.call(conn, 'list the sandboxes', run);
    await conn.gate.ready();
    try {
      return await run();
    } catch (err) {
      this.noteRateLimit(conn, err);
      throw err;
    }
  }

  private noteRateLimit(conn: DaytonaConnection, err: unknown): void {
    const failure = classify(err);
    if (failure.kind === 'rate_limited') conn.gate.block(failure.retryAfterMs);
  }

  private async locate(instanceId: string): Promise<{ conn: DaytonaConnection; sandbox: Sandbox }> {
    const { profile, sandboxId } = parseInstanceId(instanceId);
    const conn = await this.options.clients.get(profile);
    const sandbox = await this.getOrNull(conn, sandboxId, 'find the sandbox');
    if (!sandbox) {
      this.forgetInstance(instanceId);
      throw gone(instanceId);
    }
    this.remember(instanceId, sandbox);
    return { conn, sandbox };
  }

  private async getOrNull(conn: DaytonaConnection, sandboxId: string, what: string): Promise<Sandbox | null> {
    try {
      return await this.options.clients.call(conn, what, () => conn.sdk.get(sandboxId));
    } catch (err) {
      if (err instanceof NexusError && err.code === 'not_found') return null;
      throw err;
    }
  }

  /** POST /sandbox once (again only after a 429), then find the sandbox by its label if the SDK gave up. */
  private async createSandbox(
    conn: DaytonaConnection,
    spec: CreateSpec,
    labels: Record<string, string>,
    autoStopInterval: number,
    deadline: number,
    report: StepReporter,
    signal: AbortSignal,
  ): Promise<Sandbox> {
    const name = spec.name;
    for (let attempt = 0; ; attempt++) {
      const creating = conn.sdk.create(
        { name: `nexus-${name}-${spec.workspaceId.slice(0, 6)}`, labels: { ...labels }, autoStopInterval, autoDeleteInterval: -1, public: false },
        { timeout: Math.max(1, Math.round((deadline - Date.now()) / 1000)) },
      );
      try {
        return await abortable(creating, signal);
      } catch (err) {
        if (signal.aborted) {
          // The create may still finish on Daytona's side: remove whatever it made, in the background.
          this.track(creating.catch(() => undefined).then(() => this.removeByWorkspaceId(conn, spec.workspaceId)));
          throw new NexusError('cancelled', `Creating workspace ${name} was cancelled.`);
        }
        // One failed status poll rejects the SDK's create although the sandbox keeps starting:
        // look for it by its label before deciding anything.
        const found = await this.findByWorkspaceId(conn, spec.workspaceId).catch(() => null);
        if (found) {
          this.options.log.info(`create ${name}: the SDK gave up (${sdkMessage(err)}) but sandbox ${found.id} exists; waiting for it`);
          return found;
        }
        const failure = classify(err);
        if (failure.kind === 'rate_limited' && attempt < 8 && Date.now() + failure.retryAfterMs < deadline) {
          conn.gate.block(failure.retryAfterMs);
          report(`Daytona is rate-limiting requests; trying again in ${Math.ceil(failure.retryAfterMs / 1000)} s`, 0.1);
          await conn.gate.ready(signal).catch(() => undefined);
          throwIfCancelled(signal, name);
          continue;
        }
        throw toNexusError(err, conn.apiUrl, 'create the sandbox');
      }
    }
  }

  /**
   * Drives a sandbox to `goal`, re-reading it after every step (and after every SDK failure):
   * start from stopped/archived, stop from started, delete from anything; waits through
   * transitional states; fails on error states (except when stopping or deleting), on a refused
   * key, after repeated refusals, or at the deadline.
   */
  private async converge(conn: DaytonaConnection, instanceId: string, goal: Goal, deadline: number, signal?: AbortSignal): Promise<void> {
    const { sandboxId } = parseInstanceId(instanceId);
    const what = goal === 'started' ? 'start the sandbox' : goal === 'stopped' ? 'stop the sandbox' : 'delete the sandbox';
    let failures = 0;
    let recovered = false;
    let deleteSent = false;
    let lastError: unknown = null;
    for (let round = 0; ; round++) {
      if (signal?.aborted) throw new NexusError('cancelled', 'Cancelled.');
      if (Date.now() > deadline) {
        const state = this.info.get(instanceId)?.state ?? 'unknown';
        throw new NexusError(
          'timeout',
          `Daytona did not ${what.replace(' the sandbox', '')} sandbox ${sandboxId} in time (it is ${state})${lastError ? `; last error: ${sdkMessage(lastError)}` : ''}. Check it in the Daytona dashboard and try again.`,
        );
      }
      const sandbox = await this.getOrNull(conn, sandboxId, what);
      if (!sandbox) {
        if (goal === 'gone') return;
        throw gone(instanceId);
      }
      this.remember(instanceId, sandbox);
      const state = sandbox.state ?? 'unknown';
      const secondsLeft = Math.max(1, Math.round((deadline - Date.now()) / 1000));
      let action: (() => Promise<void>) | null = null;
      if (goal === 'started') {
        if (state === 'started') return;
        if (state === 'destroyed' || state === 'destroying') throw gone(instanceId);
        if (state === 'error' || state === 'build_failed') {
          if (!sandbox.recoverable || recovered) {
            throw new NexusError('internal', `Daytona could not start sandbox ${sandbox.name}: ${sandboxStatus(state, sandbox.errorReason).detail ?? state} Check it in the Daytona dashboard, or delete the workspace.`);
          }
          recovered = true;
          action = () => sandbox.recover(secondsLeft);
        } else if (STARTABLE.has(state)) action = () => sandbox.start(secondsLeft);
      } else if (goal === 'stopped') {
        if (STARTABLE.has(state) || state === 'error' || state === 'build_failed' || state === 'destroyed') return;
        if (state === 'destroying') throw gone(instanceId);
        if (state === 'started') action = () => sandbox.stop(secondsLeft);
      } else {
        if (state === 'destroyed') return;
        // Sent once; again only after it failed (a sandbox mid-transition may refuse it for a moment).
        if (state !== 'destroying' && !deleteSent) action = () => sandbox.delete(secondsLeft);
      }
      if (action) {
        try {
          await conn.gate.ready(signal);
          if (goal === 'gone') deleteSent = true;
          await action();
          failures = 0;
          continue; // re-read: the SDK's view may be stale, or its wait may have been cut short
        } catch (err) {
          lastError = err;
          if (goal === 'gone') deleteSent = false;
          const failure = classify(err);
          if (failure.kind === 'auth' || failure.kind === 'forbidden') throw toNexusError(err, conn.apiUrl, what);
          if (failure.kind === 'rate_limited') conn.gate.block(failure.retryAfterMs);
          // Refusals that re-reading does not explain are not retried for ever.
          if ((failure.kind === 'bad_request' || failure.kind === 'other') && ++failures >= 5) throw toNexusError(err, conn.apiUrl, what);
          this.options.log.info(`${what} ${sandboxId}: ${failure.kind} (${sdkMessage(err)}); re-reading the sandbox`);
        }
      }
      await sleep(Math.min(backoff(Math.min(round, 3), 1_000, 3_000), Math.max(0, deadline - Date.now())), signal).catch(() => undefined);
    }
  }

  private async mintAccess(instanceId: string) {
    const { conn, sandbox } = await this.locate(instanceId);
    return this.options.clients.call(conn, 'create SSH access', () => sandbox.createSshAccess(this.options.tokenMinutes ?? 60));
  }

  private async findByWorkspaceId(conn: DaytonaConnection, workspaceId: string): Promise<Sandbox | null> {
    return this.options.clients.call(conn, 'look for the new sandbox', async () => {
      for await (const sandbox of conn.sdk.list({ labels: { [LABELS.id]: workspaceId, [LABELS.home]: this.options.home }, limit: 10 })) {
        return sandbox;
      }
      return null;
    });
  }

  private async removeByWorkspaceId(conn: DaytonaConnection, workspaceId: string): Promise<void> {
    try {
      const found = await this.findByWorkspaceId(conn, workspaceId);
      if (found) await this.remove(instanceIdOf(conn.profile, found.id));
    } catch (err) {
      this.options.log.warn(`could not remove the sandbox of cancelled workspace ${workspaceId}; look for label ${LABELS.id}=${workspaceId} in the Daytona dashboard`, err);
    }
  }

  private remember(instanceId: string, sandbox: Sandbox): void {
    this.sandboxes.set(instanceId, sandbox);
    const last = sandbox.lastActivityAt ? Date.parse(sandbox.lastActivityAt) : NaN;
    this.info.set(instanceId, {
      state: sandbox.state,
      errorReason: sandbox.errorReason ?? null,
      lastActivityAt: Number.isFinite(last) ? last : null,
      autoStopInterval: sandbox.autoStopInterval ?? 0,
      labels: { ...(sandbox.labels ?? {}) },
      fetchedAt: Date.now(),
    });
  }

  private forgetInstance(instanceId: string): void {
    this.info.set(instanceId, { state: 'destroyed', errorReason: null, lastActivityAt: null, autoStopInterval: 0, labels: {}, fetchedAt: Date.now() });
    this.sandboxes.delete(instanceId);
    this.access.forget(instanceId);
  }

  private markBusy(instanceId: string, delta: number): void {
    const next = (this.busy.get(instanceId) ?? 0) + delta;
    if (next <= 0) this.busy.delete(instanceId);
    else this.busy.set(instanceId, next);
  }

  private async whileBusy<T>(instanceId: string, fn: () => Promise<T>): Promise<T> {
    this.markBusy(instanceId, +1);
    try {
      return await fn();
    } finally {
      this.markBusy(instanceId, -1);
    }
  }

  private track(promise: Promise<unknown>): void {
    this.background.add(promise);
    void promise.finally(() => this.background.delete(promise));
  }
}

export function instanceIdOf(profile: string, sandboxId: string): string {
  return profile === DEFAULT_PROFILE ? sandboxId : `${profile}:${sandboxId}`;
}

export function parseInstanceId(instanceId: string): { profile: string; sandboxId: string } {
  const colon = instanceId.indexOf(':');
  return colon < 0 ? { profile: DEFAULT_PROFILE, sandboxId: instanceId } : { profile: instanceId.slice(0, colon), sandboxId: instanceId.slice(colon + 1) };
}

function instanceFrom(instanceId: string, sandbox: Sandbox): BackendInstance {
  const { status, detail } = sandboxStatus(sandbox.state, sandbox.errorReason);
  return { instanceId, status, detail, labels: { ...(sandbox.labels ?? {}) } };
}

function gone(instanceId: string): NexusError {
  return new NexusError(
    'not_found',
    `The workspace's Daytona sandbox (${parseInstanceId(instanceId).sandboxId}) no longer exists — it was deleted outside Nexus. Delete the workspace and create it again.`,
  );
}

function throwIfCancelled(signal: AbortSignal, name: string): void {
  if (signal.aborted) throw new NexusError('cancelled', `Creating workspace ${name} was cancelled.`);
}

