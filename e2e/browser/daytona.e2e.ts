import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { methods } from '../../shared/contract/methods.js';
import { artifactPath } from '../../testing/browser.js';
import { startEmulator } from '../../testing/daytona-emulator/index.js';
import type { RunningEmulator } from '../../testing/daytona-emulator/index.js';
import { makeRepo } from '../../testing/fixtures/git-repo.js';
import { tempHome } from '../../testing/fixtures/temp-home.js';
import { requireParts } from '../../testing/parts.js';
import { callThroughPage, openApp } from './helpers.js';
import type { OpenApp } from './helpers.js';

const parts = await requireParts(['chromium', 'docker', 'workspace-image', 'ssh']);
const contractHasDaytona = ['daytona.status', 'daytona.signIn', 'daytona.signOut'].every((m) => Object.hasOwn(methods, m));
if (!contractHasDaytona) process.stdout.write('skipped: the contract has no daytona.status/signIn/signOut methods yet\n');

const shot = (page: Page, name: string) => page.screenshot({ path: artifactPath(name) });

describe.skipIf(!parts.ok || !contractHasDaytona)('Daytona in the window (browser mode, Daytona emulator, real Docker)', () => {
  let emu: RunningEmulator;
  let app: OpenApp;
  let page: Page;
  let repo: string;

  beforeAll(async () => {
    emu = await startEmulator({ dataDir: mkdtempSync(join(tmpdir(), 'nx-emu-')) });
    repo = await makeRepo();
    // No key in the environment: the window's sign-in is the only way in.
    app = await openApp({ NEXUS_HOME: tempHome(), DAYTONA_API_KEY: undefined });
    page = app.page;
    await page.goto(app.serve.url);
  });
  afterAll(async () => {
    if (page && !page.isClosed()) {
      const left = await callThroughPage(page, 'workspaces.list', {}).catch(() => []);
      for (const w of left) await callThroughPage(page, 'workspaces.delete', { id: w.id, force: true }).catch(() => undefined);
    }
    await app?.close();
    await emu?.removeAllSandboxes().catch(() => undefined);
    await emu?.stop();
  });

  it('refuses a wrong key, then signs in with the right one and says how the key is kept', async () => {
    await page.getByRole('tab', { name: 'Settings' }).click();
    const section = page.getByRole('region', { name: 'Daytona' });
    await section.getByText('no key — not signed in').waitFor();
    await section.getByRole('button', { name: 'Sign in to Daytona…' }).click();

    const dialog = page.getByRole('dialog', { name: 'Sign in to Daytona' });
    const key = dialog.getByLabel('API key');
    expect(await key.getAttribute('type')).toBe('password');
    await key.fill('dtn_wrong_key_0000000000');
    await dialog.getByText('Advanced').click();
    await dialog.getByLabel('API URL').fill(emu.apiUrl);
    await dialog.getByRole('button', { name: 'Validate and save' }).click();
    const refusal = dialog.getByRole('alert');
    await refusal.waitFor({ timeout: 30_000 });
    expect(await refusal.textContent()).toContain('Not signed in');
    await shot(page, 'daytona-signin-refused.png');

    await key.fill(emu.apiKey);
    await dialog.getByRole('button', { name: 'Validate and save' }).click();
    const ok = dialog.getByRole('status').filter({ hasText: 'Signed in.' });
    await ok.waitFor({ timeout: 30_000 });
    expect(await ok.textContent()).toContain('the key you signed in with');
    expect(await ok.textContent()).not.toContain(emu.apiKey);
    // Browser mode has no OS keychain: the dialog says so plainly.
    expect(await dialog.getByRole('note').textContent()).toContain('NOT protected by a keychain');
    await shot(page, 'daytona-signed-in.png');
    await dialog.getByRole('button', { name: 'Done' }).click();
    expect(await section.textContent()).toContain('the key you signed in with');
  });

  it('creates a Daytona workspace, with its auto-stop countdown on the card', async () => {
    await page.getByRole('button', { name: 'New workspace' }).click();
    const dialog = page.getByRole('dialog', { name: 'New workspace' });
    await dialog.getByLabel('Repository path').fill(repo);
    await dialog.getByRole('button', { name: 'Add repository' }).click();
    await expect.poll(() => dialog.getByLabel('Repository', { exact: true }).inputValue()).toBe(repo);
    await dialog.getByLabel('Name').fill('cloud');
    const daytona = dialog.getByRole('radio', { name: /Daytona/ });
    await expect.poll(() => daytona.isDisabled()).toBe(false);
    await daytona.check();
    await dialog.getByRole('button', { name: 'Create workspace' }).click();
    await dialog.getByText('Workspace cloud is ready.').waitFor({ timeout: 150_000 });
    await dialog.getByRole('button', { name: 'Done' }).click();

    const card = page.getByRole('article', { name: 'cloud' });
    await expect.poll(() => card.locator('.status-word').textContent(), { timeout: 30_000 }).toBe('running');
    expect(await card.textContent()).toContain('Daytona');
    const ttl = card.getByText(/remaining$/);
    await ttl.waitFor({ timeout: 30_000 });
    const first = await ttl.textContent();
    await expect.poll(() => ttl.textContent(), { timeout: 3000 }).not.toBe(first);
    await shot(page, 'daytona-card-running.png');
  }, 200_000);

  it('goes to sleep when Daytona auto-stops it: the card changes and a toast says so', async () => {
    const [sandbox] = (await emu.admin.state()).sandboxes;
    expect(sandbox).toBeDefined();
    await emu.admin.autoStopNow(sandbox?.id ?? '');
    const card = page.getByRole('article', { name: 'cloud' });
    // Idle polling is at most once a minute per workspace (the budget), so this can take a while.
    await expect.poll(() => card.locator('.status-word').textContent(), { timeout: 100_000, interval: 500 }).toBe('sleeping');
    await page.getByRole('region', { name: 'Notifications' }).getByText('Workspace cloud fell asleep.').waitFor({ timeout: 10_000 });
    await shot(page, 'daytona-card-asleep.png');
  }, 150_000);

  it('wakes it with Start', async () => {
    const card = page.getByRole('article', { name: 'cloud' });
    await card.getByRole('button', { name: 'Start cloud' }).click();
    await expect.poll(() => card.locator('.status-word').textContent(), { timeout: 120_000, interval: 500 }).toBe('running');
  }, 150_000);

  it('signs out', async () => {
    await page.getByRole('tab', { name: 'Settings' }).click();
    const section = page.getByRole('region', { name: 'Daytona' });
    await section.getByRole('button', { name: 'Sign out' }).click();
    await section.getByText('no key — not signed in').waitFor();
  });
});
