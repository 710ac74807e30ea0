import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { Workspace } from '../../shared/domain/workspace.js';
import { artifactPath } from '../../testing/browser.js';
import { removeLabelledContainers, stopMutagenDaemon } from '../../testing/fixtures/docker.js';
import { makeRepo } from '../../testing/fixtures/git-repo.js';
import { tempHome } from '../../testing/fixtures/temp-home.js';
import { requireParts } from '../../testing/parts.js';
import { callThroughPage, openApp } from './helpers.js';
import type { OpenApp } from './helpers.js';

const parts = await requireParts(['chromium', 'docker', 'workspace-image']);

const NAME = 'tty';
const shot = (page: Page, name: string) => page.screenshot({ path: artifactPath(name) });
const card = (page: Page) => page.getByRole('article', { name: NAME });
const statusOf = (c: Locator) => c.locator('.status-word').textContent();

/** What xterm's DOM renderer shows: one string per row of the viewport. */
async function rows(term: Locator): Promise<string[]> {
  const text = await term.locator('.xterm-rows').evaluate((el) => [...el.children].map((row) => row.textContent ?? ''));
  return text.map((r) => r.replace(/\u00a0/g, ' ').trimEnd());
}
const screenText = async (term: Locator) => (await rows(term)).join('\n');
/** The viewport has a line that is exactly `text`. */
const hasLine = async (term: Locator, text: string) => (await rows(term)).includes(text);
const promptReady = async (term: Locator) => {
  const lines = (await rows(term)).filter((l) => l.length > 0);
  return /\$$/.test(lines.at(-1) ?? '');
};

/** Resident memory of a process, from /proc (kB → bytes). */
function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

describe.skipIf(!parts.ok)('terminals in the window (browser mode, real Docker, xterm.js)', () => {
  const home = tempHome();
  let app: OpenApp;
  let page: Page;
  let ws: Workspace;
  let term: Locator;

  const type = async (line: string) => {
    await term.locator('.xterm-screen').click();
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
  };

  beforeAll(async () => {
    const repo = await makeRepo();
    app = await openApp({ NEXUS_HOME: home });
    page = app.page;
    await page.goto(app.serve.url);
    ws = await callThroughPage(page, 'workspaces.create', { repo, name: NAME, backend: 'docker' });
    await card(page).locator('.status-word', { hasText: 'running' }).waitFor({ timeout: 30_000 });
  });
  afterAll(async () => {
    if (page && !page.isClosed()) await callThroughPage(page, 'workspaces.delete', { id: ws.id, force: true }).catch(() => undefined);
    await app?.close();
    await removeLabelledContainers({ home });
    await stopMutagenDaemon(home);
  });

  it('opens from the card, runs `echo hello`, with an accessible name and the dark theme', async () => {
    await card(page).getByRole('button', { name: `Open a terminal in ${NAME}` }).click();
    term = page.getByRole('group', { name: `Terminal in ${NAME}` });
    await term.waitFor();
    await expect.poll(() => promptReady(term), { timeout: 30_000 }).toBe(true);
    await type('echo hello');
    await expect.poll(() => hasLine(term, 'hello')).toBe(true);
    await expect.poll(() => page.getByRole('tab', { name: `Terminal in ${NAME}, connected` }).getAttribute('aria-selected')).toBe('true');
    const background = await term.locator('.xterm-scrollable-element').evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor);
    expect(background).toBe('rgb(13, 16, 22)');
    const listed = await callThroughPage(page, 'terminals.list', { workspaceId: ws.id });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ state: 'connected' });
    await shot(page, 'terminal-hello.png');
  });

  it('runs vi full screen and redraws it when the view is resized', async () => {
    const [before] = await callThroughPage(page, 'terminals.list', { workspaceId: ws.id });
    await type('vi');
    const tildes = async () => (await rows(term)).filter((r) => r === '~').length;
    await expect.poll(tildes, { timeout: 10_000 }).toBeGreaterThan(3);
    const tallTildes = await tildes();
    await shot(page, 'terminal-vi-large.png');
    await page.setViewportSize({ width: 900, height: 640 });
    // vi redraws at the new size: fewer rows of "~".
    await expect.poll(tildes, { timeout: 10_000 }).toBeLessThan(tallTildes);
    const [after] = await callThroughPage(page, 'terminals.list', { workspaceId: ws.id });
    expect(after!.rows).toBeLessThan(before!.rows);
    expect(after!.cols).toBeLessThan(before!.cols);
    await shot(page, 'terminal-vi-small.png');
    await page.keyboard.type(':q!');
    await page.keyboard.press('Enter');
    await type('stty size');
    await expect.poll(() => hasLine(term, `${after!.rows} ${after!.cols}`), { timeout: 10_000 }).toBe(true);
    await page.setViewportSize({ width: 1360, height: 860 });
    await expect.poll(async () => (await callThroughPage(page, 'terminals.list', { workspaceId: ws.id }))[0]?.rows).toBe(before!.rows);
  });

  it('renders emoji and CJK intact, whatever chunk boundaries they crossed', async () => {
    await type("clear; yes \"$(printf 'x\\360\\237\\230\\200\\344\\275\\240\\345\\245\\275')\" | head -n 20000; echo END-$((2*21))");
    await expect.poll(() => hasLine(term, 'END-42'), { timeout: 30_000 }).toBe(true);
    const lines = await rows(term);
    const sample = lines.filter((l) => l.startsWith('x'));
    expect(sample.length).toBeGreaterThan(10);
    for (const l of sample) expect(l).toBe('x😀你好');
    expect(lines.join('\n')).not.toContain('\uFFFD');
    await shot(page, 'terminal-unicode.png');
  });

  it('survives `head -c 200M /dev/zero | base64`: bounded service memory, a responsive page', async () => {
    await type('clear');
    const pid = app.serve.child.pid!;
    const baseline = rss(pid);
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss(pid));
    }, 100);
    // Page-side: from a click's event time to the next frame painted after its handler ran.
    await page.evaluate(() => {
      const g = globalThis as unknown as { __latency: number[]; document: { addEventListener(t: string, f: (e: { timeStamp: number }) => void, c: boolean): void }; requestAnimationFrame(f: () => void): void; performance: { now(): number } };
      g.__latency = [];
      g.document.addEventListener('click', (e) => g.requestAnimationFrame(() => g.__latency.push(g.performance.now() - e.timeStamp)), true);
    });
    const button = page.getByRole('button', { name: `Copy the selection of Terminal in ${NAME}` });
    const box = (await button.boundingBox())!;
    const started = Date.now();
    await type('head -c 200M /dev/zero | base64; echo DONE-$((6*7))');
    let clicks = 0;
    try {
      while (!(await hasLine(term, 'DONE-42'))) {
        if (Date.now() - started > 240_000) throw new Error('the flood did not finish within 240 s');
        if (Date.now() - started > 1500 && clicks < 8) {
          await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
          clicks++;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      clearInterval(sampler);
    }
    const seconds = (Date.now() - started) / 1000;
    const latency = await page.evaluate(() => (globalThis as unknown as { __latency: number[] }).__latency);
    const growthMb = (peak - baseline) / 1024 / 1024;
    process.stdout.write(`flood: ${seconds.toFixed(1)} s (${(270 / seconds).toFixed(1)} MB/s of base64), RSS ${Math.round(baseline / 1048576)} MB → peak ${Math.round(peak / 1048576)} MB (+${growthMb.toFixed(1)} MB), click latency ms ${latency.map((l) => l.toFixed(0)).join(', ')}\n`);
    expect(clicks).toBeGreaterThan(2);
    // Every click was answered (plus the one that focused the terminal before the command).
    expect(latency.length).toBeGreaterThanOrEqual(clicks);
    expect(Math.max(...latency)).toBeLessThan(200);
    expect(growthMb).toBeLessThan(150);
    await shot(page, 'terminal-flood-done.png');
  });

  it('says "disconnected" when the workspace stops; after a start, Enter reconnects', async () => {
    await card(page).getByRole('button', { name: `Stop ${NAME}` }).click();
    await expect.poll(() => screenText(term), { timeout: 30_000 }).toContain('disconnected — press Enter to reconnect');
    await expect.poll(() => statusOf(card(page)), { timeout: 30_000 }).toBe('sleeping');
    await shot(page, 'terminal-disconnected.png');
    await card(page).getByRole('button', { name: `Start ${NAME}` }).click();
    await expect.poll(() => statusOf(card(page)), { timeout: 60_000 }).toBe('running');
    await term.locator('.xterm-screen').click();
    await page.keyboard.press('Enter');
    await expect.poll(() => promptReady(term), { timeout: 30_000 }).toBe(true);
    await type('echo back');
    await expect.poll(() => hasLine(term, 'back'), { timeout: 10_000 }).toBe(true);
  });

  it('opens a terminal on a sleeping workspace: the wake notices, then a prompt', async () => {
    await callThroughPage(page, 'workspaces.stop', { id: ws.id });
    await expect.poll(() => statusOf(card(page)), { timeout: 30_000 }).toBe('sleeping');
    await card(page).getByRole('button', { name: `Open a terminal in ${NAME}` }).click();
    const second = page.getByRole('group', { name: `Terminal 2 in ${NAME}` });
    await second.waitFor();
    await expect.poll(() => promptReady(second), { timeout: 60_000 }).toBe(true);
    const lines = (await rows(second)).filter((l) => l.length > 0);
    const sleeping = lines.indexOf(`Workspace ${NAME} is sleeping. Starting…`);
    const started = lines.indexOf('Workspace started.');
    expect(sleeping).toBeGreaterThanOrEqual(0);
    expect(started).toBeGreaterThan(sleeping);
    expect(lines.length - 1).toBeGreaterThan(started);
    await shot(page, 'terminal-wake.png');
    // Closing the tab closes its shell.
    await page.getByRole('button', { name: `Close Terminal 2 in ${NAME}` }).click();
    await expect.poll(async () => (await callThroughPage(page, 'terminals.list', { workspaceId: ws.id })).length).toBe(1);
  });
});
