import { describe, expect, it } from 'vitest';
import type { Progress } from '../../shared/domain/workspace.js';
import { DesktopNotifier, Folder, autoStopWarning, createNotification, transitionNotification } from './notify-decisions.js';
import type { NotifySettings } from './notify-decisions.js';
import { ttlIn, workspace } from './spec-workspace.js';

const t0 = Date.parse('2025-06-01T12:00:00Z');
const min = 60_000;

function harness(settings: Partial<NotifySettings> = {}) {
  const clock = { now: t0 };
  const current: NotifySettings = { enabled: true, warnBeforeStopMinutes: 2, ...settings };
  const notifier = new DesktopNotifier({ settings: () => current, now: () => clock.now });
  return { notifier, clock, settings: current, kinds: (list: { kind: string }[]) => list.map((n) => n.kind) };
}

function progress(id: string, step: Progress['step'], state: Progress['state'], detail = ''): Progress {
  return { workspaceId: id, name: 'api', step, state, detail, fraction: null };
}

describe('which status changes are news', () => {
  const running = workspace('api', 'running', { ttl: ttlIn(t0, 10 * min, 15) });

  it('announces running → sleeping with the reason and what to do', () => {
    const n = transitionNotification('running', running, workspace('api', 'sleeping'), false);
    expect(n).toMatchObject({ kind: 'sleep', key: `sleep:${running.id}`, workspaceId: running.id, title: 'Workspace api went to sleep' });
    expect(n?.body).toBe('Daytona stopped it after 15 min without activity. Files are kept; start it or open a terminal to wake it.');
    // The backend's own words win when it gave some.
    expect(transitionNotification('running', running, workspace('api', 'sleeping', { statusDetail: 'Stopped outside Nexus.' }), false)?.body).toMatch(/^Stopped outside Nexus\. /);
    expect(transitionNotification('running', undefined, workspace('api', 'sleeping', { backend: 'docker' }), false)?.body).toMatch(/^Its container stopped\. /);
  });

  it('announces sleeping → running (auto-restart or a manual start)', () => {
    expect(transitionNotification('sleeping', undefined, running, false)).toMatchObject({ kind: 'wake', title: 'Workspace api is running' });
  });

  it('is quiet for first sightings, same-status updates, in-between statuses and stops the user asked for', () => {
    expect(transitionNotification(null, undefined, running, false)).toBeNull();
    expect(transitionNotification('running', running, running, false)).toBeNull();
    expect(transitionNotification('running', running, workspace('api', 'stopping'), false)).toBeNull();
    expect(transitionNotification('running', running, workspace('api', 'unknown'), false)).toBeNull();
    expect(transitionNotification('running', running, workspace('api', 'sleeping'), true)).toBeNull();
  });
});

describe('the auto-stop warning', () => {
  it('fires inside the window before the stop, and never when turned off', () => {
    const ws = (inMs: number) => workspace('api', 'running', { ttl: ttlIn(t0, inMs) });
    expect(autoStopWarning(ws(90_000), t0, 2)).toMatchObject({ kind: 'autostop-warning', title: 'Workspace api stops soon (1m left)', view: 'terminal' });
    expect(autoStopWarning(ws(90_000), t0, 2)?.body).toBe('Daytona stops it after 15 min without activity. Open a terminal or run something in it to keep it awake.');
    expect(autoStopWarning(workspace('api', 'running', { backend: 'docker', ttl: ttlIn(t0, 90_000, 60) }), t0, 2)?.body).toMatch(/^Nexus stops it after 60 min/);
    expect(autoStopWarning(ws(3 * min), t0, 2)).toBeNull();
    expect(autoStopWarning(ws(90_000), t0, 0)).toBeNull();
    expect(autoStopWarning(ws(-1), t0, 2)).toBeNull();
    expect(autoStopWarning(workspace('api', 'running'), t0, 2)).toBeNull();
  });
});

describe('long creates', () => {
  it('announce the outcome only when they took long', () => {
    expect(createNotification(progress('api000000000', 'ready', 'done'), 9_000)).toBeNull();
    expect(createNotification(progress('api000000000', 'ready', 'done'), 42_000)).toMatchObject({ kind: 'created', title: 'Workspace api is ready', body: 'Created in 42 s. Open a terminal to start working.' });
    expect(createNotification(progress('api000000000', 'sync', 'failed', 'Mutagen could not reach the workspace.'), 15_000)).toMatchObject({ kind: 'create-failed', body: 'Mutagen could not reach the workspace.', urgency: 'critical' });
    expect(createNotification(progress('api000000000', 'sync', 'cancelled'), 60_000)).toBeNull();
    expect(createNotification(progress('api000000000', 'sync', 'running'), 60_000)).toBeNull();
  });
});

describe('folding', () => {
  it('shows a key once per window, others independently', () => {
    const folder = new Folder(10_000);
    expect(folder.admit('sleep:a', 0)).toBe(true);
    expect(folder.admit('sleep:a', 9_999)).toBe(false);
    expect(folder.admit('sleep:b', 5_000)).toBe(true);
    expect(folder.admit('sleep:a', 10_000)).toBe(true);
  });
});

describe('the desktop notifier', () => {
  it('follows a workspace through stopping to sleep and back, once each', () => {
    const { notifier, clock, kinds } = harness();
    const running = workspace('api', 'running', { ttl: ttlIn(t0, 10 * min) });
    notifier.seed([running]);
    expect(notifier.changed(running)).toEqual([]);
    expect(notifier.changed(workspace('api', 'stopping'))).toEqual([]);
    const slept = notifier.changed(workspace('api', 'sleeping'));
    expect(kinds(slept)).toEqual(['sleep']);
    expect(slept[0]?.body).toMatch(/after 15 min without activity/);
    // The same state reported again (a second poll) is not news.
    expect(notifier.changed(workspace('api', 'sleeping'))).toEqual([]);
    clock.now += 60_000;
    expect(notifier.changed(workspace('api', 'starting'))).toEqual([]);
    expect(kinds(notifier.changed(workspace('api', 'running')))).toEqual(['wake']);
  });

  it('folds a flapping workspace: sleep, wake, sleep within 10 s shows sleep once', () => {
    const { notifier, clock, kinds } = harness();
    notifier.seed([workspace('api', 'running')]);
    const shown = [
      ...notifier.changed(workspace('api', 'sleeping')),
      ...notifier.changed(workspace('api', 'running')),
      ...notifier.changed(workspace('api', 'sleeping')),
    ];
    expect(kinds(shown)).toEqual(['sleep', 'wake']);
    clock.now += 10_000;
    expect(kinds(notifier.changed(workspace('api', 'running')))).toEqual(['wake']);
  });

  it('does not announce a stop the user asked for, but does announce a later auto-stop', () => {
    const { notifier, clock, kinds } = harness();
    const ws = workspace('api', 'running');
    notifier.seed([ws]);
    notifier.userRequestedStop(ws.id);
    expect(notifier.changed(workspace('api', 'sleeping'))).toEqual([]);
    clock.now += 60_000;
    notifier.changed(workspace('api', 'running'));
    clock.now += 60_000;
    expect(kinds(notifier.changed(workspace('api', 'sleeping')))).toEqual(['sleep']);
  });

  it('warns once as the auto-stop approaches and again after activity moved it away', () => {
    const { notifier, clock, kinds } = harness({ warnBeforeStopMinutes: 2 });
    const stopsAt = (at: number) => workspace('api', 'running', { ttl: { stopsAt: new Date(at).toISOString(), autoStopMinutes: 15, keptAwakeBy: [] } });
    notifier.seed([stopsAt(t0 + 5 * min)]);
    expect(notifier.tick()).toEqual([]);
    clock.now = t0 + 3 * min + 30_000;
    expect(kinds(notifier.tick())).toEqual(['autostop-warning']);
    clock.now += 20_000;
    expect(notifier.tick()).toEqual([]);
    // Activity: the stop moves 15 minutes away, later it approaches again.
    expect(notifier.changed(stopsAt(clock.now + 15 * min))).toEqual([]);
    clock.now += 13 * min + 30_000;
    expect(kinds(notifier.tick())).toEqual(['autostop-warning']);
  });

  it('never warns when the setting is off, and shows nothing when notifications are off', () => {
    const off = harness({ warnBeforeStopMinutes: 0 });
    off.notifier.seed([workspace('api', 'running', { ttl: ttlIn(t0, 30_000) })]);
    expect(off.notifier.tick()).toEqual([]);
    const muted = harness({ enabled: false });
    muted.notifier.seed([workspace('api', 'running')]);
    expect(muted.notifier.changed(workspace('api', 'sleeping'))).toEqual([]);
  });

  it('announces a long create when the window is not in front, and forgets removed workspaces', () => {
    const { notifier, clock, kinds } = harness();
    const id = 'api000000000';
    expect(notifier.progress(progress(id, 'validate', 'running'), { windowFocused: false })).toEqual([]);
    clock.now += 30_000;
    expect(kinds(notifier.progress(progress(id, 'ready', 'done'), { windowFocused: false }))).toEqual(['created']);

    const other = 'web000000000';
    notifier.progress(progress(other, 'validate', 'running'), { windowFocused: true });
    clock.now += 30_000;
    expect(notifier.progress(progress(other, 'sync', 'failed', 'x'), { windowFocused: true })).toEqual([]);

    notifier.seed([workspace('api', 'running')]);
    notifier.removed(workspace('api', 'running').id);
    // Seen again after removal: a first sighting, not a transition.
    expect(notifier.changed(workspace('api', 'sleeping'))).toEqual([]);
  });
});
