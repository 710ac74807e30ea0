import type { Progress, Workspace } from '../../shared/domain/workspace.js';
import { formatRemaining, remainingMs } from './workspace-words.js';

/** One OS notification. `key` folds repeats; a click focuses the window on `workspaceId`. */
export interface DesktopNotification {
  kind: 'sleep' | 'wake' | 'created' | 'create-failed' | 'autostop-warning';
  key: string;
  title: string;
  body: string;
  workspaceId: string;
  /** What the window shows when the notification is clicked. */
  view: 'card' | 'terminal';
  urgency: 'low' | 'normal' | 'critical';
}

export interface NotifySettings {
  /** All OS notifications on or off. */
  enabled: boolean;
  /** Warn this many minutes before an auto-stop; 0 = never. */
  warnBeforeStopMinutes: number;
}

/** What the user is doing right now, which changes what is worth interrupting them for. */
export interface NotifyContext {
  /** The Nexus window is focused: the create dialog already shows the outcome. */
  windowFocused: boolean;
}

/** Statuses a user thinks of as "where it is": transitions between these are notified. */
type Settled = 'running' | 'sleeping';

export function settled(status: Workspace['status']): Settled | null {
  return status === 'running' || status === 'sleeping' ? status : null;
}

/** Creates shorter than this were watched to the end; the dialog is enough. */
export const LONG_CREATE_MS = 10_000;
/** The same key within this window shows once. */
export const FOLD_MS = 10_000;
/** A stop the user asked for (tray or window) is not announced when it lands within this. */
export const USER_STOP_GRACE_MS = 10 * 60_000;

/**
 * The sleep notification for `next`, which was last seen running as `before`. Says why when it
 * can (the backend's detail, or Daytona's auto-stop interval) and what to do.
 */
export function sleepNotification(before: Workspace | undefined, next: Workspace): DesktopNotification {
  const minutes = before?.ttl?.autoStopMinutes;
  const why =
    next.statusDetail ??
    (next.backend === 'daytona'
      ? minutes
        ? `Daytona stopped it after ${minutes} min without activity.`
        : 'Daytona stopped it.'
      : 'Its container stopped.');
  return {
    kind: 'sleep',
    key: `sleep:${next.id}`,
    title: `Workspace ${next.name} went to sleep`,
    body: `${why} Files are kept; start it or open a terminal to wake it.`,
    workspaceId: next.id,
    view: 'card',
    urgency: 'normal',
  };
}

export function wakeNotification(next: Workspace): DesktopNotification {
  const ttl = next.ttl ? ` It stops after ${next.ttl.autoStopMinutes} min without activity.` : '';
  return {
    kind: 'wake',
    key: `wake:${next.id}`,
    title: `Workspace ${next.name} is running`,
    body: `It woke up and is ready.${ttl}`,
    workspaceId: next.id,
    view: 'card',
    urgency: 'low',
  };
}

/**
 * Decides on a status change: running → sleeping is "went to sleep" (auto-stop, or stopped
 * outside Nexus), sleeping → running is "is running" (auto-restart or a manual start).
 * Transitional statuses in between (stopping, starting, unknown…) are looked through: the
 * comparison is with the last settled status. A workspace seen for the first time is not news.
 */
export function transitionNotification(
  lastSettled: Settled | null,
  before: Workspace | undefined,
  next: Workspace,
  userAskedToStop: boolean,
): DesktopNotification | null {
  const now = settled(next.status);
  if (lastSettled === null || now === null || now === lastSettled) return null;
  if (now === 'sleeping') return userAskedToStop ? null : sleepNotification(before, next);
  return wakeNotification(next);
}

/** A warning when an auto-stop is at most `minutes` away (0 turns it off). */
export function autoStopWarning(ws: Workspace, now: number, minutes: number): DesktopNotification | null {
  if (minutes <= 0) return null;
  const left = remainingMs(ws, now);
  if (left === null || left <= 0 || left > minutes * 60_000) return null;
  const interval = ws.ttl ? `${ws.ttl.autoStopMinutes} min` : 'a while';
  return {
    kind: 'autostop-warning',
    key: `autostop:${ws.id}`,
    title: `Workspace ${ws.name} stops soon (${formatRemaining(left)})`,
    body: `${ws.backend === 'daytona' ? 'Daytona stops' : 'Nexus stops'} it after ${interval} without activity. Open a terminal or run something in it to keep it awake.`,
    workspaceId: ws.id,
    view: 'terminal',
    urgency: 'normal',
  };
}

/** The outcome of a create that took at least `longMs`; null for short, running or cancelled ones. */
export function createNotification(progress: Progress, elapsedMs: number, longMs = LONG_CREATE_MS): DesktopNotification | null {
  if (elapsedMs < longMs) return null;
  const took = elapsedMs >= 90_000 ? `${Math.round(elapsedMs / 60_000)} min` : `${Math.round(elapsedMs / 1000)} s`;
  if (progress.state === 'done' && progress.step === 'ready') {
    return {
      kind: 'created',
      key: `created:${progress.workspaceId}`,
      title: `Workspace ${progress.name} is ready`,
      body: `Created in ${took}. Open a terminal to start working.`,
      workspaceId: progress.workspaceId,
      view: 'terminal',
      urgency: 'normal',
    };
  }
  if (progress.state === 'failed') {
    return {
      kind: 'create-failed',
      key: `create-failed:${progress.workspaceId}`,
      title: `Creating workspace ${progress.name} failed`,
      body: progress.detail.slice(0, 300) || `It failed at the ${progress.step} step.`,
      workspaceId: progress.workspaceId,
      view: 'card',
      urgency: 'critical',
    };
  }
  return null;
}

/** Shows a key once per window: a flapping workspace or a repeated event makes one notification. */
export class Folder {
  private readonly shown = new Map<string, number>();
  constructor(private readonly windowMs = FOLD_MS) {}

  admit(key: string, now: number): boolean {
    for (const [k, at] of this.shown) if (now - at >= this.windowMs) this.shown.delete(k);
    if (this.shown.has(key)) return false;
    this.shown.set(key, now);
    return true;
  }
}

export interface DesktopNotifierOptions {
  settings: () => NotifySettings;
  now?: () => number;
  foldMs?: number;
  longCreateMs?: number;
  userStopGraceMs?: number;
}

/**
 * The notification state machine, fed the same events the window gets. Keeps per workspace the
 * last settled status, the last snapshot while running, whether it already warned about the coming
 * auto-stop (once per approach: re-armed when the stop moves away), when a create began, and
 * stops the user asked for. Returns what to show; the Electron side only shows it.
 */
export class DesktopNotifier {
  private readonly lastSettled = new Map<string, Settled>();
  private readonly snapshots = new Map<string, Workspace>();
  /** The last snapshot while running: it knows the auto-stop interval a sleep came from. */
  private readonly lastRunning = new Map<string, Workspace>();
  private readonly warned = new Set<string>();
  private readonly createStarted = new Map<string, number>();
  private readonly userStops = new Map<string, number>();
  private readonly folder: Folder;
  private readonly now: () => number;

  constructor(private readonly options: DesktopNotifierOptions) {
    this.folder = new Folder(options.foldMs ?? FOLD_MS);
    this.now = options.now ?? Date.now;
  }

  /** The list at startup: remembered, not announced. */
  seed(workspaces: readonly Workspace[]): void {
    for (const ws of workspaces) this.remember(ws);
  }

  /** A stop requested through Nexus (tray or window): its sleep is expected, not news. */
  userRequestedStop(id: string): void {
    this.userStops.set(id, this.now());
  }

  changed(next: Workspace): DesktopNotification[] {
    const before = this.lastRunning.get(next.id);
    const last = this.lastSettled.get(next.id) ?? null;
    const askedAt = this.userStops.get(next.id);
    const userAsked = askedAt !== undefined && this.now() - askedAt < (this.options.userStopGraceMs ?? USER_STOP_GRACE_MS);
    const out: DesktopNotification[] = [];
    const transition = transitionNotification(last, before, next, userAsked);
    if (transition) out.push(transition);
    if (settled(next.status) === 'sleeping') this.userStops.delete(next.id);
    this.remember(next);
    out.push(...this.warnings([next]));
    return this.deliver(out);
  }

  removed(id: string): void {
    this.lastSettled.delete(id);
    this.snapshots.delete(id);
    this.lastRunning.delete(id);
    this.warned.delete(id);
    this.createStarted.delete(id);
    this.userStops.delete(id);
  }

  progress(p: Progress, ctx: NotifyContext): DesktopNotification[] {
    const now = this.now();
    const started = this.createStarted.get(p.workspaceId) ?? now;
    if (!this.createStarted.has(p.workspaceId)) this.createStarted.set(p.workspaceId, now);
    const finished = p.state === 'failed' || p.state === 'cancelled' || (p.state === 'done' && p.step === 'ready');
    if (!finished) return [];
    this.createStarted.delete(p.workspaceId);
    const n = createNotification(p, now - started, this.options.longCreateMs ?? LONG_CREATE_MS);
    // The window is in front: the create dialog shows the outcome, no need to interrupt.
    return n && !ctx.windowFocused ? this.deliver([n]) : [];
  }

  /** Run every few seconds: TTLs approach a stop without any event saying so. */
  tick(): DesktopNotification[] {
    return this.deliver(this.warnings([...this.snapshots.values()]));
  }

  private warnings(workspaces: Workspace[]): DesktopNotification[] {
    const minutes = this.options.settings().warnBeforeStopMinutes;
    const now = this.now();
    const out: DesktopNotification[] = [];
    for (const ws of workspaces) {
      const warning = autoStopWarning(ws, now, minutes);
      if (!warning) {
        // Re-arm once the stop moved away (activity) or the workspace stopped.
        this.warned.delete(ws.id);
      } else if (!this.warned.has(ws.id)) {
        this.warned.add(ws.id);
        out.push(warning);
      }
    }
    return out;
  }

  private remember(ws: Workspace): void {
    this.snapshots.set(ws.id, ws);
    if (ws.status === 'running') this.lastRunning.set(ws.id, ws);
    const s = settled(ws.status);
    if (s) this.lastSettled.set(ws.id, s);
  }

  private deliver(candidates: DesktopNotification[]): DesktopNotification[] {
    if (!this.options.settings().enabled) return [];
    const now = this.now();
    return candidates.filter((n) => this.folder.admit(n.key, now));
  }
}
