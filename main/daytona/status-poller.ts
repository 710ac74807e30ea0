import type { z } from 'zod';
import type { Notice } from '../../shared/contract/events.js';
import type { Ttl, Workspace, WorkspaceStatus } from '../../shared/domain/workspace.js';
import { isNexusError } from '../../shared/errors.js';
import type { BackendInstance } from '../backends/backend.js';
import type { Logger } from '../log/logger.js';
import type { Live } from '../workspaces/live-status.js';
import type { WorkspaceRecord } from '../workspaces/state-store.js';
import { backoff } from './client.js';
import type { DaytonaBackend, SandboxInfo } from './daytona-backend.js';
import { parseInstanceId } from './daytona-backend.js';
import { classify } from './errors.js';
import { sandboxStatus } from './status.js';

export const UNREACHABLE_DETAIL = 'Daytona is unreachable — retrying';

export interface PollTiming {
  /** Between polls of a workspace when nothing changes (the budget: ≤ 1 call per workspace per minute). */
  idleMs: number;
  /** While a sandbox is starting or stopping. */
  transitionMs: number;
  /** How long after the predicted auto-stop to look (the server checks every 10 s, then stops). */
  afterPredictedStopMs: number;
  /** Smallest gap between two scheduled polls of one workspace. */
  minGapMs: number;
  /** First and largest wait after Daytona did not answer (doubling, with jitter). */
  errorBaseMs: number;
  errorMaxMs: number;
  /** How often the scheduler wakes (no API call unless something is due). */
  tickMs: number;
  /** A TTL pushed to the windows again only when it moved by more than this. */
  ttlSlackMs: number;
}

export const DEFAULT_TIMING: PollTiming = {
  idleMs: 60_000,
  transitionMs: 3_000,
  afterPredictedStopMs: 15_000,
  minGapMs: 5_000,
  errorBaseMs: 5_000,
  errorMaxMs: 60_000,
  tickMs: 1_000,
  ttlSlackMs: 20_000,
};

export interface StatusPollerOptions {
  backend: DaytonaBackend;
  /** The workspaces Nexus knows (the state file). */
  records: () => WorkspaceRecord[];
  /** What a card shows now, or null when the workspace is gone. */
  view: (id: string) => Workspace | null;
  setLive: (id: string, patch: Partial<Live>) => void;
  notify: (notice: Notice) => void;
  /** What keeps a workspace awake besides Nexus's own commands ("open terminal", "file sync"). */
  keptAwakeBy?: (id: string) => string[];
  /** Commands Nexus is running in the workspace now. */
  execs?: (id: string) => number;
  log: Logger;
  timing?: Partial<PollTiming>;
}

interface Entry {
  nextAt: number;
  errors: number;
  /** Polls since the predicted stop passed without a change. */
  overdue: number;
  /** Local time of the last command Nexus ran through the gateway. */
  localActivityAt: number | null;
  /** The TTL last pushed to the windows (undefined until one is). */
  shownTtl: TtlValue | null | undefined;
  unreachable: boolean;
}

type TtlValue = z.infer<typeof Ttl>;

/**
 * Keeps Daytona workspaces' status and TTL current without spending the API: one call per
 * workspace per minute when nothing changes (one list call covers every workspace of a profile),
 * faster while a sandbox changes state and right after its predicted auto-stop, and nothing
 * while an operation of Nexus's own is changing it. A 429 pauses every caller of that API for
 * its Retry-After; no answer backs off (5 s doubling to 60 s, with jitter) and says "Daytona is
 * unreachable — retrying" on the card while keeping the last known status, so states never
 * flap. TTL = lastActivityAt + autoStopInterval − now (the server's clock corrected to ours).
 */
export class StatusPoller {
  private readonly timing: PollTiming;
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private readonly keptAwakeBy: (id: string) => string[];

  constructor(private readonly options: StatusPollerOptions) {
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.keptAwakeBy = options.keptAwakeBy ?? (() => []);
  }

  start(): void {
    if (this.timer) return;
    const loop = () => {
      void this.tick().finally(() => {
        if (!this.timer) return;
        this.timer = setTimeout(loop, this.timing.tickMs);
        this.timer.unref();
      });
    };
    this.timer = setTimeout(loop, this.timing.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Polls every workspace at the next tick (after a sign-in, or when the app wakes up). */
  pollSoon(): void {
    for (const entry of this.entries.values()) {
      entry.nextAt = 0;
      entry.errors = 0;
    }
  }

  /** A command just ran through the gateway: the idle timer restarted. */
  activity(id: string): void {
    this.entry(id).localActivityAt = Date.now();
    this.pushTtl(id);
  }

  /** True when the card says running but the predicted auto-stop time has passed. */
  predictedAsleep(id: string): boolean {
    const view = this.options.view(id);
    if (view?.status !== 'running' || !view.ttl || view.ttl.keptAwakeBy.length > 0) return false;
    return Date.parse(view.ttl.stopsAt) < Date.now();
  }

  /** Asks Daytona now (one GET) and shows the answer. Errors are thrown to the caller. */
  async pollNow(id: string): Promise<BackendInstance | null> {
    const record = this.options.records().find((r) => r.id === id);
    if (!record?.instanceId || record.backend !== 'daytona') return null;
    const info = await this.options.backend.peek(record.instanceId);
    this.apply(record, info, { force: true });
    return info ? instanceOf(record.instanceId, info) : null;
  }

  /** Shows what someone else learnt from the backend (an inspect after a refused login). */
  observe(id: string, instance: BackendInstance | null): void {
    const record = this.options.records().find((r) => r.id === id);
    if (!record?.instanceId) return;
    this.apply(record, instance === null ? null : (this.options.backend.known(record.instanceId) ?? null), { force: true });
  }

  /** One scheduler pass: polls what is due (batched per profile) and refreshes TTLs locally. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const now = Date.now();
      const records = this.options.records().filter((r) => r.backend === 'daytona' && r.phase === 'ready' && r.instanceId);
      for (const id of [...this.entries.keys()]) if (!records.some((r) => r.id === id)) this.entries.delete(id);
      const due = new Map<string, WorkspaceRecord[]>();
      for (const record of records) {
        const entry = this.entry(record.id);
        const status = this.options.view(record.id)?.status;
        if (now < entry.nextAt || this.options.backend.isBusy(record.instanceId!) || status === 'creating' || status === 'deleting') continue;
        const { profile } = parseInstanceId(record.instanceId!);
        due.set(profile, [...(due.get(profile) ?? []), record]);
      }
      for (const [profile, dueRecords] of due) await this.pollProfile(profile, dueRecords, records);
      for (const record of records) this.pushTtl(record.id);
    } catch (err) {
      this.options.log.warn('status poll failed', err instanceof Error ? err.message : err);
    } finally {
      this.ticking = false;
    }
  }

  private async pollProfile(profile: string, due: WorkspaceRecord[], all: WorkspaceRecord[]): Promise<void> {
    const before = new Map(due.map((r) => [r.id, this.options.view(r.id)?.status]));
    try {
      const sameProfile = all.filter((r) => parseInstanceId(r.instanceId!).profile === profile).length;
      if (due.length === 1 && sameProfile === 1) {
        const record = due[0]!;
        const info = await this.options.backend.peek(record.instanceId!);
        if (this.unchanged(record, before)) this.apply(record, info);
      } else {
        // One list call answers for every workspace of this profile (and aligns their schedules,
        // so N idle workspaces cost one call a minute, not N).
        const found = await this.options.backend.peekProfile(profile);
        for (const record of all) {
          if (parseInstanceId(record.instanceId!).profile !== profile) continue;
          if (!due.includes(record) && !found.has(record.instanceId!)) continue;
          if (due.includes(record) && !this.unchanged(record, before)) continue;
          if (this.options.backend.isBusy(record.instanceId!)) continue;
          this.apply(record, found.get(record.instanceId!) ?? null);
        }
      }
    } catch (err) {
      for (const record of due) this.failed(record, err);
    }
  }

  /** A result is only used if no operation changed the workspace while the request ran. */
  private unchanged(record: WorkspaceRecord, before: Map<string, WorkspaceStatus | undefined>): boolean {
    return !this.options.backend.isBusy(record.instanceId!) && this.options.view(record.id)?.status === before.get(record.id);
  }

  private apply(record: WorkspaceRecord, info: SandboxInfo | null, options: { force?: boolean } = {}): void {
    const entry = this.entry(record.id);
    const now = Date.now();
    entry.errors = 0;
    entry.unreachable = false;
    const view = this.options.view(record.id);
    if (!view) return;
    if (info === null || info.state === 'destroyed') {
      entry.nextAt = now + this.timing.idleMs;
      if (view.status !== 'missing') {
        this.options.setLive(record.id, { status: 'missing', detail: 'Its Daytona sandbox is gone (deleted outside Nexus). The worktree is kept; delete the workspace to clean up.', ttl: null });
      }
      return;
    }
    const mapped = sandboxStatus(info.state, info.errorReason);
    let { status, detail } = mapped;
    const current = view.status;
    // Daytona stopping a running sandbox by itself (auto-stop) is shown on the running card until
    // it is asleep: the workspace service treats running → sleeping as "the backend stopped it"
    // (the sleep notice, sync paused). Someone about to wake it (`force`) sees the truth.
    if (current === 'running' && status === 'stopping' && !options.force) {
      status = 'running';
      detail = 'Daytona is stopping it after inactivity.';
    }
    if ((current === 'sleeping' || current === 'archived') && status === 'running' && !options.force) {
      this.options.notify({ level: 'info', title: `Workspace ${record.name} is running again.`, message: 'It was started outside Nexus.', workspaceId: record.id, key: `woke:${record.id}` });
    }
    const ttl = this.ttl(record.id, info);
    if (current !== status || view.statusDetail !== detail || ttlChanged(entry.shownTtl, ttl, this.timing.ttlSlackMs)) {
      entry.shownTtl = ttl;
      this.options.setLive(record.id, { status, detail, ttl });
    }
    entry.nextAt = now + this.nextGap(entry, mapped.status, ttl);
  }

  private failed(record: WorkspaceRecord, err: unknown): void {
    const entry = this.entry(record.id);
    const now = Date.now();
    const failure = classify(err);
    if (failure.kind === 'rate_limited') {
      entry.nextAt = now + Math.max(failure.retryAfterMs, this.timing.minGapMs);
      return;
    }
    if (failure.kind === 'unreachable' || failure.kind === 'server') {
      entry.nextAt = now + backoff(entry.errors++, this.timing.errorBaseMs, this.timing.errorMaxMs);
      if (!entry.unreachable) {
        entry.unreachable = true;
        this.options.log.warn(`Daytona did not answer a status poll (${failure.kind}); retrying with backoff`);
        this.options.setLive(record.id, { detail: UNREACHABLE_DETAIL });
      }
      return;
    }
    entry.nextAt = now + this.timing.idleMs;
    const detail = isNexusError(err) ? err.message : failure.kind === 'auth' ? 'Daytona refused the API key. Sign in to Daytona again (Settings → Daytona).' : null;
    if (detail && this.options.view(record.id)?.statusDetail !== detail) this.options.setLive(record.id, { detail });
    if (!detail) this.options.log.warn(`status poll of ${record.name} failed`, err instanceof Error ? err.message : err);
  }

  private nextGap(entry: Entry, status: WorkspaceStatus, ttl: TtlValue | null): number {
    if (status === 'starting' || status === 'stopping') return this.timing.transitionMs;
    if (status !== 'running' || !ttl || ttl.keptAwakeBy.length > 0) {
      entry.overdue = 0;
      return this.timing.idleMs;
    }
    const untilLook = Date.parse(ttl.stopsAt) + this.timing.afterPredictedStopMs - Date.now();
    if (untilLook > this.timing.idleMs) {
      entry.overdue = 0;
      return this.timing.idleMs;
    }
    if (untilLook > this.timing.minGapMs) return untilLook;
    // Past the predicted stop and still running: look again, backing off so a sandbox that is
    // never stopped costs no more than the idle budget.
    return Math.min(this.timing.idleMs, this.timing.minGapMs * 2 ** entry.overdue++);
  }

  private ttl(id: string, info: SandboxInfo): TtlValue | null {
    if (info.state !== 'started' || !info.autoStopInterval || info.lastActivityAt === null) return null;
    const entry = this.entry(id);
    const reasons = [...new Set([...this.keptAwakeBy(id), ...((this.options.execs?.(id) ?? 0) > 0 ? ['exec'] : [])])];
    const now = Date.now();
    let last = info.lastActivityAt - this.options.backend.access.serverOffsetMs;
    if (entry.localActivityAt !== null) last = Math.max(last, entry.localActivityAt);
    // An open SSH channel bumps the activity every 45 s: held open, the timer stays near full.
    if (reasons.length > 0) last = Math.max(last, now);
    return { stopsAt: new Date(last + info.autoStopInterval * 60_000).toISOString(), autoStopMinutes: info.autoStopInterval, keptAwakeBy: reasons };
  }

  /** Recomputes a running workspace's TTL from what is known (no API call) and pushes a real change. */
  private pushTtl(id: string): void {
    const record = this.options.records().find((r) => r.id === id);
    const view = this.options.view(id);
    if (!record?.instanceId || view?.status !== 'running') return;
    const info = this.options.backend.known(record.instanceId);
    if (!info || info.state !== 'started') return;
    const entry = this.entry(id);
    const ttl = this.ttl(id, info);
    if (!ttlChanged(entry.shownTtl, ttl, this.timing.ttlSlackMs)) return;
    entry.shownTtl = ttl;
    this.options.setLive(id, { ttl });
  }

  private entry(id: string): Entry {
    let entry = this.entries.get(id);
    if (!entry) {
      entry = { nextAt: 0, errors: 0, overdue: 0, localActivityAt: null, shownTtl: undefined, unreachable: false };
      this.entries.set(id, entry);
    }
    return entry;
  }
}

function instanceOf(instanceId: string, info: SandboxInfo): BackendInstance {
  const { status, detail } = sandboxStatus(info.state, info.errorReason);
  return { instanceId, status, detail, labels: info.labels };
}

/** Same reasons and interval, and a stop time within the slack: not worth an event. */
function ttlChanged(previous: TtlValue | null | undefined, next: TtlValue | null, slackMs: number): boolean {
  if (previous === undefined) return true;
  if (previous === null || next === null) return previous !== next;
  if (previous.autoStopMinutes !== next.autoStopMinutes || previous.keptAwakeBy.join(',') !== next.keptAwakeBy.join(',')) return true;
  // Kept awake: the stop time only slides along with the clock; the reasons are what matter.
  if (next.keptAwakeBy.length > 0) return false;
  return Math.abs(Date.parse(previous.stopsAt) - Date.parse(next.stopsAt)) > slackMs;
}
