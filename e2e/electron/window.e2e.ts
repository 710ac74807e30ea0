import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { _electron } from 'playwright-core';
import type { ElectronApplication, Page } from 'playwright-core';
import { artifactPath } from '../../testing/browser.js';
import { electronBinary, requireParts } from '../../testing/parts.js';

// The one spec allowed to skip under CI: no Electron binary can be downloaded on these machines.
// It runs wherever one exists (a normal `npm install`, or ELECTRON_OVERRIDE_DIST_PATH).
const parts = await requireParts(['electron'], { optionalInCI: true });

describe.skipIf(!parts.ok)('the Electron window', () => {
  let app: ElectronApplication;
  let page: Page;

  beforeAll(async () => {
    app = await _electron.launch({
      executablePath: electronBinary() ?? undefined,
      args: [resolve(import.meta.dirname, '../..'), '--no-sandbox'],
      env: { ...process.env, NEXUS_HOME: resolve(artifactPath('electron-home')) },
    });
    page = await app.firstWindow();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('exposes only the contract bridge to the page', async () => {
    const globals = await page.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      nexus: Object.keys((globalThis as { nexus?: object }).nexus ?? {}).sort(),
    }));
    expect(globals).toEqual({ require: 'undefined', process: 'undefined', nexus: ['invoke', 'on'] });
  });

  it('answers a contract call from the page', async () => {
    const reply = await page.evaluate(() => (globalThis as unknown as { nexus: { invoke(m: string, p: unknown): Promise<unknown> } }).nexus.invoke('app.about', {}));
    expect(reply).toMatchObject({ ok: true, result: { runtime: 'electron' } });
    await page.screenshot({ path: artifactPath('electron-window.png') });
  });
});
