import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { _electron } from 'playwright-core';
import type { ElectronApplication, Page } from 'playwright-core';
import type { Workspace } from '../../shared/domain/workspace.js';
import { CONTENT_SECURITY_POLICY } from '../../main/desktop/app-protocol.js';
import type { TestHooks } from '../../main/electron/test-hooks.js';
import { run } from '../../main/process/run.js';
import { artifactPath } from '../../testing/browser.js';
import { startEmulator } from '../../testing/daytona-emulator/index.js';
import type { RunningEmulator } from '../../testing/daytona-emulator/index.js';
import { removeLabelledContainers } from '../../testing/fixtures/docker.js';
import { makeRepo } from '../../testing/fixtures/git-repo.js';
import { electronBinary, requireParts } from '../../testing/parts.js';

// The one spec allowed to skip under CI: no Electron binary can be downloaded on these machines.
// It runs wherever one exists (a normal `npm install`, or ELECTRON_OVERRIDE_DIST_PATH), against
// the built app (`npm test` builds first; run `npm run build` before running this file alone).
const parts = await requireParts(['electron'], { optionalInCI: true });
// With a binary, the workspace parts are required like everywhere else (CI fails without them).
const dockerParts = parts.ok ? await requireParts(['docker', 'workspace-image']) : parts;


const root = resolve(import.meta.dirname, '../..');
/** The page's globals this spec touches (the tsconfig has no DOM lib; these run in the page). */
interface PageGlobals {
  location: { href: string; protocol: string };
  open(url: string): unknown;
}
type Invoke = (method: string, params: unknown) => Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }>;

/** The app's environment: its own NEXUS_HOME, the test hooks, and never a developer's real Daytona key. */
function appEnv(home: string): Record<string, string> {
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && e[0] !== 'DAYTONA_API_KEY'));
  return { ...env, NEXUS_HOME: home, NEXUS_TEST_HOOKS: '1', NEXUS_SKIP_SHELL_ENV: '1' };
}

function launch(home: string): Promise<ElectronApplication> {
  return _electron.launch({ executablePath: electronBinary() ?? undefined, args: [root, '--no-sandbox'], env: appEnv(home), timeout: 60_000 });
}

const hooks = <K extends keyof TestHooks>(app: ElectronApplication, key: K): Promise<TestHooks[K]> =>
  app.evaluate((_electron, k) => (globalThis as unknown as { __nexusTest: TestHooks }).__nexusTest[k], key) as Promise<TestHooks[K]>;

const invoke = (page: Page, method: string, params: unknown) =>
  page.evaluate(([m, p]) => (globalThis as unknown as { nexus: { invoke: Invoke } }).nexus.invoke(m as string, p), [method, params] as const);

describe.skipIf(!parts.ok)('the Electron window', () => {
  const home = mkdtempSync(join(tmpdir(), 'nx-electron-'));
  let app: ElectronApplication;
  let page: Page;

  beforeAll(async () => {
    app = await launch(home);
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('loads the app from its own scheme and exposes only the contract bridge', async () => {
    const globals = await page.evaluate(() => ({
      protocol: (globalThis as unknown as PageGlobals).location.protocol,
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      module: typeof (globalThis as { module?: unknown }).module,
      nexus: Object.keys((globalThis as { nexus?: object }).nexus ?? {}).sort(),
    }));
    expect(globals).toEqual({ protocol: 'nexus:', require: 'undefined', process: 'undefined', module: 'undefined', nexus: ['invoke', 'on'] });
  });

  it('answers a contract call from the page', async () => {
    const reply = await invoke(page, 'app.about', {});
    expect(reply).toMatchObject({ ok: true, result: { runtime: 'electron' } });
    await page.screenshot({ path: artifactPath('electron-window.png') });
  });

  it('sends the Content-Security-Policy as a header and enforces it', async () => {
    const header = await page.evaluate(async () => (await fetch((globalThis as unknown as PageGlobals).location.href)).headers.get('content-security-policy'));
    expect(header).toBe(CONTENT_SECURITY_POLICY);
    const evalResult = await page.evaluate(() => {
      try {
        return String((0, eval)('1 + 1'));
      } catch (err) {
        return (err as Error).name;
      }
    });
    expect(evalResult).toBe('EvalError');
  });

  it('opens http(s) links in the OS browser, refuses other schemes, never navigates away', async () => {
    const before = page.url();
    const opened = await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      return [g.open('https://www.daytona.io/docs'), g.open('file:///etc/passwd')].map((w) => w === null);
    });
    expect(opened).toEqual([true, true]);
    await page.evaluate(() => {
      (globalThis as unknown as PageGlobals).location.href = 'https://example.com/';
    });
    await page.evaluate(() => {
      (globalThis as unknown as PageGlobals).location.href = 'file:///etc/passwd';
    });
    await sleep(500);
    expect(page.url()).toBe(before);
    expect(await hooks(app, 'external')).toEqual(['https://www.daytona.io/docs', 'https://example.com/']);
    expect(app.windows()).toHaveLength(1);
  });

  it('has a tray whose menu lists the workspaces', async () => {
    await expect.poll(() => hooks(app, 'tray'), { timeout: 20_000 }).not.toBeNull();
    const tray = await hooks(app, 'tray');
    expect(tray?.tooltip).toBe('Nexus Desktop — no workspaces');
    expect(tray?.items.map((i) => (i.type === 'separator' ? '---' : i.label))).toEqual(['Open Nexus Desktop', '---', 'No workspaces yet', '---', 'Quit Nexus Desktop']);
  });

  it('says honestly how credentials would be protected', async () => {
    const protection = await hooks(app, 'protection');
    expect(['keychain', 'basic_text', 'file']).toContain(protection);
    // A Linux box without a keyring must never be reported as keychain.
    if (process.platform === 'linux' && !process.env.DBUS_SESSION_BUS_ADDRESS) expect(protection).not.toBe('keychain');
  });

  it('focuses the first window when launched a second time, and the second launch exits', async () => {
    const second = spawn(electronBinary() ?? 'electron', [root, '--no-sandbox'], {
      env: appEnv(home),
      stdio: 'ignore',
    });
    const code = await new Promise<number | null>((done) => second.on('exit', done));
    expect(code).toBe(0);
    await expect.poll(() => hooks(app, 'focus')).toContainEqual({ workspaceId: null, view: 'card' });
  });

  it('reopens where it was left', async () => {
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.setBounds({ x: 60, y: 70, width: 1000, height: 700 }));
    await expect
      .poll(() => (JSON.parse(readFileSync(join(home, 'desktop.json'), 'utf8')) as { window?: { width: number } }).window?.width, { timeout: 5_000 })
      .toBe(1000);
    await app.close();
    app = await launch(home);
    page = await app.firstWindow();
    const bounds = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.getBounds());
    expect(bounds).toMatchObject({ width: 1000, height: 700 });
  });
});

describe.skipIf(!dockerParts.ok)('Electron notifications for a Docker workspace', () => {
  const home = mkdtempSync(join(tmpdir(), 'nx-electron-'));
  let app: ElectronApplication;
  let page: Page;
  let ws: Workspace;

  beforeAll(async () => {
    app = await launch(home);
    page = await app.firstWindow();
    const repo = await makeRepo({ parent: mkdtempSync(join(tmpdir(), 'nx-electron-repo-')) });
    const created = await invoke(page, 'workspaces.create', { repo, name: 'sleepy', backend: 'docker' });
    expect(created, JSON.stringify(created.error)).toMatchObject({ ok: true });
    ws = created.result as Workspace;
  });
  afterAll(async () => {
    if (ws) await invoke(page, 'workspaces.delete', { id: ws.id, force: true }).catch(() => undefined);
    await app?.close();
    await removeLabelledContainers({ home });
  });

  it('shows the workspace in the tray with its status', async () => {
    await expect.poll(async () => (await hooks(app, 'tray'))?.items.some((i) => i.type === 'submenu' && i.label === 'sleepy — running'), { timeout: 20_000 }).toBe(true);
  });

  it('announces a workspace that went to sleep outside Nexus', async () => {
    const ids = (await run('docker', ['ps', '-q', '--filter', `label=nexus.workspace.id=${ws.id}`])).stdout.split('\n').filter(Boolean);
    expect(ids).toHaveLength(1);
    await run('docker', ['stop', '-t', '1', ...ids], { timeoutMs: 60_000 });
    await expect
      .poll(async () => (await hooks(app, 'notifications')).filter((n) => n.kind === 'sleep' && n.workspaceId === ws.id).length, { timeout: 30_000 })
      .toBe(1);
    await expect.poll(async () => (await hooks(app, 'tray'))?.items.some((i) => i.type === 'submenu' && i.label === 'sleepy — sleeping')).toBe(true);
  });

  it('reconnects once for a burst of wake-up events', async () => {
    expect(await hooks(app, 'resumeHook'), 'NexusApp.onResume is missing: the desktop report proposes it for main/app/create-app.ts').toBe(true);
    await app.evaluate(({ powerMonitor }) => {
      powerMonitor.emit('resume');
      powerMonitor.emit('unlock-screen');
      powerMonitor.emit('resume');
    });
    expect(await hooks(app, 'resumes')).toBe(3);
    await expect.poll(() => hooks(app, 'reconnects'), { timeout: 10_000 }).toBe(1);
    await sleep(3_000);
    expect(await hooks(app, 'reconnects')).toBe(1);
  });

  it('focuses the window on the workspace when the notification is clicked', async () => {
    const index = (await hooks(app, 'notifications')).findIndex((n) => n.kind === 'sleep');
    await app.evaluate((_electron, i) => (globalThis as unknown as { __nexusTest: TestHooks }).__nexusTest.clickNotification?.(i), index);
    expect((await hooks(app, 'focus')).at(-1)).toEqual({ workspaceId: ws.id, view: 'card' });
  });

  it('starts it again from the tray and says it is running', async () => {
    await app.evaluate((_electron, id) => (globalThis as unknown as { __nexusTest: TestHooks }).__nexusTest.trayAction?.({ kind: 'start', workspaceId: id }), ws.id);
    await expect
      .poll(async () => (await hooks(app, 'notifications')).some((n) => n.kind === 'wake' && n.workspaceId === ws.id), { timeout: 60_000 })
      .toBe(true);
  });
});

describe.skipIf(!dockerParts.ok)('Daytona sign-in (emulator) and an auto-stop notification', () => {
  const home = mkdtempSync(join(tmpdir(), 'nx-electron-'));
  let emu: RunningEmulator;
  let app: ElectronApplication;
  let page: Page;

  beforeAll(async () => {
    emu = await startEmulator({ timeScale: 60 });
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'config.yaml'), `backends:\n  daytona:\n    api_url: ${emu.apiUrl}\n`);
    // No DAYTONA_API_KEY (appEnv drops it): the key must come from the sign-in.
    app = await launch(home);
    page = await app.firstWindow();
  });
  afterAll(async () => {
    await app?.close();
    await emu?.removeAllSandboxes();
    await emu?.stop();
  });

  it('signs in with the emulator key, keeps it encrypted and says how', async () => {
    const reply = await invoke(page, 'daytona.signIn', { apiKey: emu.apiKey, apiUrl: emu.apiUrl });
    expect(reply, JSON.stringify(reply.error)).toMatchObject({ ok: true, result: { source: 'keychain', protection: await hooks(app, 'protection') } });
    expect(JSON.stringify(reply.result)).not.toContain(emu.apiKey);
    for (const file of ['credentials.json', 'desktop.json', 'config.yaml']) {
      expect(readFileSync(join(home, file), 'utf8'), file).not.toContain(emu.apiKey);
    }
  });

  it('announces the sandbox going to sleep on auto-stop', async () => {
    const repo = await makeRepo({ parent: mkdtempSync(join(tmpdir(), 'nx-electron-repo-')) });
    const created = await invoke(page, 'workspaces.create', { repo, name: 'cloudy', backend: 'daytona' });
    expect(created, JSON.stringify(created.error)).toMatchObject({ ok: true });
    const ws = created.result as Workspace;
    const sandbox = (await emu.admin.state()).sandboxes.find((s) => s.state === 'started');
    expect(sandbox).toBeDefined();
    await emu.admin.autoStopNow(sandbox!.id);
    await expect
      .poll(async () => (await hooks(app, 'notifications')).find((n) => n.kind === 'sleep' && n.workspaceId === ws.id)?.body, { timeout: 180_000 })
      .toMatch(/Daytona stopped it/);
  });
});
