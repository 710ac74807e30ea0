import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, launchChromium } from '../../testing/browser.js';
import { requireParts } from '../../testing/parts.js';
import { startServe } from '../../testing/serve-process.js';
import type { ServeProcess } from '../../testing/serve-process.js';

const parts = await requireParts(['chromium']);

describe.skipIf(!parts.ok)('the app shell in Chromium (browser mode)', () => {
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    serve = await startServe();
    browser = await launchChromium();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  it('loads, connects, and keeps the token out of the address bar', async () => {
    await page.goto(serve.url);
    await expect.poll(() => page.getByRole('status', { name: /Connection/ }).textContent()).toBe('Connected');
    expect(page.url()).not.toContain('token=');
  });

  it('shows the about panel with the parts this machine has', async () => {
    await page.getByRole('tab', { name: 'About' }).click();
    const panel = page.getByRole('region', { name: 'About this machine' });
    await panel.getByRole('list', { name: 'Parts' }).waitFor();
    const text = await panel.textContent();
    expect(text).toContain('browser mode');
    for (const label of ['Docker engine', 'Mutagen', 'git', 'OpenSSH']) expect(text).toContain(label);
    // git is always here (the tests use it); its version is shown.
    expect(await panel.locator('[data-part="git"]').getAttribute('data-found')).toBe('true');
    expect(await panel.locator('[data-part="git"]').textContent()).toMatch(/\d+\.\d+/);
    await page.screenshot({ path: artifactPath('shell-about.png'), fullPage: true });
  });

  it('shows when the connection to the service drops', async () => {
    const badge = page.getByRole('status', { name: /Connection/ });
    await serve.stop();
    await expect.poll(() => badge.getAttribute('data-state')).toBe('disconnected');
  });
});
