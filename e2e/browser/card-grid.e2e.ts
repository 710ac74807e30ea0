import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CDPSession, Page, WebSocketRoute } from 'playwright-core';
import type { EventPayload } from '../../shared/contract/events.js';
import type { WorkspaceStatus } from '../../shared/domain/workspace.js';
import { artifactPath } from '../../testing/browser.js';
import { tempHome } from '../../testing/fixtures/temp-home.js';
import { requireParts } from '../../testing/parts.js';
import { openApp } from './helpers.js';
import type { OpenApp } from './helpers.js';

/**
 * 100 workspace cards in the real renderer build, in Chromium, against the real service — except
 * that the answer to `workspaces.list` (and a burst of `workspace.changed` events) is written
 * into the page's WebSocket by the test: 100 real containers cannot be made quickly, and the
 * product has no fake-data route. What is measured is the renderer's own cost, with Chrome's
 * counters (CDP Performance.getMetrics) and long tasks; figures go to artifacts/card-grid-perf.json.
 */
const parts = await requireParts(['chromium']);

type Workspace = EventPayload<'workspace.changed'>;

const statuses: WorkspaceStatus[] = ['running', 'running', 'running', 'sleeping', 'running', 'starting', 'missing', 'running', 'error', 'sleeping'];
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

function fakeWorkspaces(count: number): Workspace[] {
  return Array.from({ length: count }, (_, i) => {
    const status = statuses[i % statuses.length] ?? 'running';
    const daytona = i % 3 === 0;
    const name = i === 0 ? 'ttl-warn' : i === 1 ? 'conflicted' : `ws-${String(i).padStart(3, '0')}`;
    return {
      id: `fake${String(i).padStart(8, '0')}`,
      name,
      backend: daytona ? 'daytona' : 'docker',
      repo: `/home/dev/code/${['api', 'web', 'infra', 'mobile'][i % 4]}`,
      branch: `nexus/${name}`,
      base: 'main',
      worktree: `/home/dev/.nexus/worktrees/x/${name}`,
      sshAlias: `nexus-${name}`,
      status: i < 2 ? 'running' : status,
      statusDetail: status === 'missing' && i >= 2 ? 'Its container is gone (removed outside Nexus).' : status === 'error' && i >= 2 ? 'The engine refused to start the container: port in use.' : null,
      createdAt: new Date(Date.UTC(2025, 0, 1) - i * 60_000).toISOString(),
      sync:
        i === 1
          ? { status: 'watching', raw: 'Watching for changes', lastError: null, staging: null, conflicts: [{ path: 'src/app.ts', alpha: [], beta: [] }, { path: 'README.md', alpha: [], beta: [] }], problems: [] }
          : i % 7 === 2
            ? { status: 'staging', raw: 'Staging files on beta', lastError: null, staging: { received: 40 + i, expected: 400 }, conflicts: [], problems: [] }
            : i % 11 === 5
              ? { status: 'halted', raw: 'Halted on root emptied', lastError: 'The workspace folder was emptied; sync stopped to protect your files.', staging: null, conflicts: [], problems: [] }
              : { status: 'watching', raw: 'Watching for changes', lastError: null, staging: null, conflicts: [], problems: [] },
      ttl: daytona || i === 0 ? { stopsAt: i === 0 ? at(90_000) : at(60_000 * (3 + (i % 20))), autoStopMinutes: 15, keptAwakeBy: i % 2 ? ['file sync'] : [] } : null,
    } satisfies Workspace;
  });
}

async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

describe.skipIf(!parts.ok)('100 workspace cards (renderer cost, real Chromium)', () => {
  let app: OpenApp;
  let page: Page;
  let cdp: CDPSession;
  let route: WebSocketRoute | null = null;
  const workspaces = fakeWorkspaces(100);
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    app = await openApp({ NEXUS_HOME: tempHome() });
    page = app.page;
    await page.routeWebSocket(/\/rpc\?/, (ws) => {
      route = ws;
      const server = ws.connectToServer();
      ws.onMessage((message) => {
        const frame = JSON.parse(String(message)) as { t: string; id?: number; method?: string };
        if (frame.t === 'req' && frame.method === 'workspaces.list') {
          ws.send(JSON.stringify({ t: 'res', id: frame.id, reply: { ok: true, result: workspaces } }));
          return;
        }
        server.send(message);
      });
      server.onMessage((message) => ws.send(message));
    });
    // Long tasks (> 50 ms on the main thread) from the very first script on.
    await page.addInitScript(() => {
      // Runs in the page; the e2e tsconfig has no DOM lib, hence the narrow view of globalThis.
      type Observer = new (cb: (list: { getEntries(): Array<{ duration: number }> }) => void) => { observe(o: { type: string; buffered: boolean }): void };
      const g = globalThis as unknown as { __longTasks: number[]; PerformanceObserver: Observer };
      g.__longTasks = [];
      new g.PerformanceObserver((list) => {
        for (const entry of list.getEntries()) g.__longTasks.push(entry.duration);
      }).observe({ type: 'longtask', buffered: true });
    });
    cdp = await app.context.newCDPSession(page);
    await cdp.send('Performance.enable');
  });
  afterAll(async () => {
    writeFileSync(artifactPath('card-grid-perf.json'), `${JSON.stringify(figures, null, 2)}\n`);
    await app?.close();
  });

  const longTasks = () => page.evaluate(() => (globalThis as unknown as { __longTasks: number[] }).__longTasks.splice(0));

  it('renders 100 cards', async () => {
    const started = Date.now();
    await page.goto(app.serve.url);
    await expect.poll(() => page.getByRole('article').count(), { timeout: 20_000 }).toBe(100);
    figures.loadToHundredCardsMs = Date.now() - started;
    const tasks = await longTasks();
    figures.loadLongTasks = tasks.length;
    figures.loadLongestTaskMs = Math.round(Math.max(0, ...tasks));
    // Everything the first paint of 100 cards costs, in one go, stays well under a second.
    expect(figures.loadLongestTaskMs).toBeLessThan(1000);
    expect(await page.getByLabel('Workspaces by status').textContent()).toContain('running');
    await page.screenshot({ path: artifactPath('card-grid-100.png') });
  });

  it('counts down the TTL every second, warns under 2 minutes, and says what keeps it awake', async () => {
    const card = page.getByRole('article', { name: 'ttl-warn' });
    const ttl = card.getByText(/remaining$/);
    const first = await ttl.textContent();
    expect(first).toMatch(/^1m \d\ds remaining$/);
    await expect.poll(() => ttl.textContent(), { timeout: 3000 }).not.toBe(first);
    expect(await card.textContent()).toContain('Nothing is keeping it awake');
    expect(await card.locator('[data-warning="true"]').count()).toBe(1);
    const calm = page.getByRole('article', { name: 'ws-021' });
    expect(await calm.textContent()).toMatch(/\d+m \d\ds remaining/);
    expect(await calm.textContent()).toContain('Kept awake by file sync');
    expect(await calm.locator('[data-warning="true"]').count()).toBe(0);
  });

  it('shows sync health: conflicts on demand, staging progress, the last error', async () => {
    const card = page.getByRole('article', { name: 'conflicted' });
    await card.getByRole('button', { name: '2 conflicts' }).click();
    const list = card.getByRole('list', { name: 'Sync conflicts in conflicted' });
    expect(await list.textContent()).toContain('src/app.ts');
    expect(await list.textContent()).toContain('README.md');
    const staging = page.getByRole('article', { name: 'ws-002' });
    expect(await staging.textContent()).toContain('Syncing · staging files');
    expect(await staging.getByRole('progressbar', { name: 'Staging files for ws-002' }).getAttribute('value')).toBe('42');
    const halted = page.getByRole('article', { name: 'ws-005' });
    expect(await halted.textContent()).toContain('Sync halted');
    expect(await halted.textContent()).toContain('sync stopped to protect your files');
    const missing = page.getByRole('article', { name: 'ws-006' });
    expect(await missing.textContent()).toContain('missing: Its container is gone');
    await page.screenshot({ path: artifactPath('card-states.png') });
  });

  it('idles with 100 cards and 30+ live countdowns at a few % of one core', async () => {
    // Steady state: the few status-change pulses of the first paint are over.
    await page.waitForTimeout(3500);
    await longTasks();
    const before = await metrics(cdp);
    await page.waitForTimeout(5000);
    const after = await metrics(cdp);
    const seconds = 5;
    figures.idleScriptMsPerSecond = Math.round((((after.ScriptDuration ?? 0) - (before.ScriptDuration ?? 0)) * 1000) / seconds);
    figures.idleTaskMsPerSecond = Math.round((((after.TaskDuration ?? 0) - (before.TaskDuration ?? 0)) * 1000) / seconds);
    figures.idleLayoutsPerSecond = Math.round(((after.LayoutCount ?? 0) - (before.LayoutCount ?? 0)) / seconds);
    figures.idleLongTasks = (await longTasks()).length;
    // Main-thread time per second (script, style, layout, paint), software-rendered: under 5 %.
    expect(figures.idleTaskMsPerSecond).toBeLessThan(50);
    expect(figures.idleLongTasks).toBe(0);
  });

  it('scrolls through all 100 cards smoothly', async () => {
    await longTasks();
    const before = await metrics(cdp);
    const frames = await page.evaluate(async () => {
      type Scroller = { scrollTop: number; clientHeight: number; scrollHeight: number };
      const g = globalThis as unknown as { document: { querySelector(s: string): Scroller }; requestAnimationFrame: (cb: (t: number) => void) => void };
      const scroller = g.document.querySelector('.content');
      const deltas: number[] = [];
      let last = 0;
      await new Promise<void>((done) => {
        const step = (t: number) => {
          if (last) deltas.push(t - last);
          last = t;
          scroller.scrollTop += 60;
          if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 1 && deltas.length > 30) done();
          else g.requestAnimationFrame(step);
        };
        g.requestAnimationFrame(step);
      });
      return deltas;
    });
    const sorted = frames.slice().sort((a, b) => a - b);
    const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
    figures.scrollFrames = frames.length;
    figures.scrollMedianFrameMs = Math.round(pct(0.5));
    figures.scrollP95FrameMs = Math.round(pct(0.95));
    figures.scrollLongTasks = (await longTasks()).length;
    const after = await metrics(cdp);
    figures.scrollMainThreadMsPerFrame = Math.round((((after.TaskDuration ?? 0) - (before.TaskDuration ?? 0)) * 1000) / Math.max(1, frames.length));
    // Software-rendered headless Chromium, on two cores that the Docker specs share: the typical
    // frame keeps 60 fps, the main thread spends well under a frame's budget per frame, and the
    // slow tail stays bounded (it grows only when other specs load the machine).
    expect(figures.scrollMedianFrameMs).toBeLessThanOrEqual(20);
    expect(figures.scrollMainThreadMsPerFrame).toBeLessThan(20);
    expect(figures.scrollP95FrameMs).toBeLessThan(120);
    await page.screenshot({ path: artifactPath('card-grid-scrolled.png') });
  });

  it('applies a burst of 200 status events without blocking the window', async () => {
    expect(route).not.toBeNull();
    await page.evaluate(() => (globalThis as unknown as { document: { querySelector(s: string): { scrollTo(x: number, y: number): void } | null } }).document.querySelector('.content')?.scrollTo(0, 0));
    await longTasks();
    const before = await metrics(cdp);
    const started = Date.now();
    for (let i = 0; i < 200; i++) {
      const w = workspaces[(i * 7) % workspaces.length];
      if (!w) continue;
      route?.send(JSON.stringify({ t: 'evt', event: 'workspace.changed', payload: { ...w, statusDetail: `burst ${i}` } }));
    }
    const lastTarget = workspaces[(199 * 7) % workspaces.length];
    await page.getByRole('article', { name: lastTarget?.name }).getByText('burst 199', { exact: false }).waitFor();
    figures.burst200EventsMs = Date.now() - started;
    const after = await metrics(cdp);
    figures.burst200ScriptMs = Math.round(((after.ScriptDuration ?? 0) - (before.ScriptDuration ?? 0)) * 1000);
    figures.burstLongTasks = (await longTasks()).length;
    expect(figures.burst200EventsMs).toBeLessThan(3000);
    expect(figures.burstLongTasks).toBeLessThanOrEqual(1);
  });

  it('shows a failed action as an error toast that says what to do, and keeps it until closed', async () => {
    // These workspaces exist only in the page: the real service answers "not found".
    const card = page.getByRole('article', { name: 'ws-004' });
    await card.getByRole('button', { name: 'Stop ws-004' }).click();
    const toast = page.getByRole('region', { name: 'Notifications' }).getByRole('alert').filter({ hasText: 'Could not stop ws-004' });
    await toast.waitFor();
    expect(await toast.textContent()).toContain('No workspace with id');
    await page.waitForTimeout(6500);
    expect(await toast.isVisible()).toBe(true);
    await page.screenshot({ path: artifactPath('toast-error.png') });
    await toast.getByRole('button', { name: 'Dismiss notification' }).click();
    await toast.waitFor({ state: 'detached' });
  });
});
