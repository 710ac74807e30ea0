import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { WORKSPACE_NAME_RULE } from '../../shared/domain/workspace.js';
import { artifactPath } from '../../testing/browser.js';
import { gitIn, makeRepo } from '../../testing/fixtures/git-repo.js';
import { tempHome } from '../../testing/fixtures/temp-home.js';
import { requireParts } from '../../testing/parts.js';
import { callThroughPage, openApp } from './helpers.js';
import type { OpenApp } from './helpers.js';

const parts = await requireParts(['chromium', 'docker', 'workspace-image']);

const shot = (page: Page, name: string) => page.screenshot({ path: artifactPath(name) });
const card = (page: Page, name: string) => page.getByRole('article', { name });
const STEP_LABELS = ['Check the name and repository', 'Create the git worktree and branch', 'Prepare the workspace image', 'Create the container', 'Connect over SSH', 'Copy the files in', 'Start file sync', 'Ready'];
const statusOf = (c: Locator) => c.locator('.status-word').textContent();

describe.skipIf(!parts.ok)('workspaces in the window (browser mode, real Docker)', () => {
  let app: OpenApp;
  let page: Page;
  let repo: string;
  let home: string;

  beforeAll(async () => {
    home = tempHome();
    repo = await makeRepo();
    app = await openApp({ NEXUS_HOME: home });
    page = app.page;
  });
  afterAll(async () => {
    // Whatever a failed test left behind: delete through the service, which removes containers.
    if (page && !page.isClosed()) {
      const left = await callThroughPage(page, 'workspaces.list', {}).catch(() => []);
      for (const w of left) await callThroughPage(page, 'workspaces.delete', { id: w.id, force: true }).catch(() => undefined);
    }
    await app?.close();
  });

  it('starts empty, and says what the first step is', async () => {
    await page.goto(app.serve.url);
    const empty = page.getByRole('region', { name: 'Add a repository and create your first workspace' });
    await empty.waitFor();
    expect(await empty.textContent()).toContain('Add a repository');
    await expect.poll(() => page.getByRole('status', { name: /Connection/ }).textContent()).toBe('Connected');
    await shot(page, 'workspaces-empty.png');
  });

  it('adds a repository by path in the create dialog', async () => {
    await page.getByRole('button', { name: 'Create your first workspace' }).click();
    const dialog = page.getByRole('dialog', { name: 'New workspace' });
    await dialog.waitFor();
    // No repository yet: the cursor is already in the path field.
    await expect.poll(() => dialog.getByLabel('Repository path').evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await dialog.getByLabel('Repository path').fill(join(repo, 'does-not-exist'));
    await dialog.getByRole('button', { name: 'Add repository' }).click();
    // A wrong path is refused next to the field, with what went wrong.
    await expect.poll(() => dialog.locator('.field-error').first().textContent()).toMatch(/\S/);
    await dialog.getByLabel('Repository path').fill(repo);
    await dialog.getByRole('button', { name: 'Add repository' }).click();
    const select = dialog.getByLabel('Repository', { exact: true });
    await select.waitFor();
    expect(await select.inputValue()).toBe(repo);
    // The base branch comes from the repository.
    await expect.poll(() => dialog.getByLabel('Base branch').inputValue()).toBe('main');
    // Docker is up here, so it is offered; Daytona is not signed in.
    expect(await dialog.getByRole('radio', { name: /Docker/ }).isDisabled()).toBe(false);
    expect(await dialog.getByRole('radio', { name: /Daytona/ }).isDisabled()).toBe(true);
    expect(await dialog.textContent()).toContain('Sign in to Daytona');
  });

  it('refuses hostile names inline, and creates nothing', async () => {
    const dialog = page.getByRole('dialog', { name: 'New workspace' });
    const name = dialog.getByLabel('Name');
    const create = dialog.getByRole('button', { name: 'Create workspace' });
    for (const hostile of ['../x', 'a;rm -rf ~', '$(id)', 'a'.repeat(200), 'MyWorkspace', '-lead', 'x y']) {
      await name.fill(hostile);
      expect(await create.isDisabled(), hostile).toBe(true);
      expect(await name.getAttribute('aria-invalid'), hostile).toBe('true');
      const note = await dialog.locator(`[id="${await name.getAttribute('aria-describedby')}"]`).textContent();
      expect(note, hostile).toContain(WORKSPACE_NAME_RULE);
      // Enter does not get around the disabled button.
      await name.press('Enter');
    }
    await name.fill('$(id)');
    await shot(page, 'create-hostile-name.png');
    // Keyboard: Tab and Shift+Tab stay inside the dialog; Escape closes it.
    for (const key of [...Array<string>(14).fill('Tab'), ...Array<string>(6).fill('Shift+Tab')]) {
      await page.keyboard.press(key);
      expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { closest(s: string): unknown } | null } }).document.activeElement?.closest('dialog') != null), key).toBe(true);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    // Nothing made: no card, the service lists nothing, the repository has no new branch.
    expect(await page.getByRole('article').count()).toBe(0);
    expect(await callThroughPage(page, 'workspaces.list', {})).toEqual([]);
    expect((await gitIn(repo, 'branch', '--format=%(refname:short)')).trim()).toBe('main');
  });

  it('shows a refusal from the service next to the field, with what to do', async () => {
    await gitIn(repo, 'branch', 'nexus/taken');
    await page.getByRole('button', { name: 'New workspace' }).click();
    const dialog = page.getByRole('dialog', { name: 'New workspace' });
    await expect.poll(() => dialog.getByLabel('Repository', { exact: true }).inputValue()).toBe(repo);
    await dialog.getByLabel('Name').fill('taken');
    await dialog.getByLabel('Name').press('Enter');
    const name = dialog.getByLabel('Name');
    await expect.poll(async () => dialog.locator(`[id="${await name.getAttribute('aria-describedby')}"]`).textContent(), { timeout: 20_000 }).toContain('Branch nexus/taken already exists');
    expect(await dialog.getByRole('button', { name: 'Create workspace' }).isDisabled()).toBe(false);
    await gitIn(repo, 'branch', '-D', 'nexus/taken');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('creates a Docker workspace, showing each step as it runs and completes', async () => {
    await page.getByRole('button', { name: 'New workspace' }).click();
    const dialog = page.getByRole('dialog', { name: 'New workspace' });
    // The repository added earlier comes first, already picked.
    await expect.poll(() => dialog.getByLabel('Repository', { exact: true }).inputValue()).toBe(repo);
    await dialog.getByLabel('Name').fill('alpha');
    expect(await dialog.getByRole('button', { name: 'Create workspace' }).isDisabled()).toBe(false);
    await dialog.getByLabel('Name').press('Enter');

    const steps = dialog.getByRole('list', { name: 'Creating alpha' });
    await steps.waitFor();
    // Sample the list while it runs: which steps were seen running (what the user watches).
    const seenRunning = new Set<string>();
    const deadline = Date.now() + 90_000;
    let shotTaken = false;
    while (Date.now() < deadline) {
      const rows = await steps.getByRole('listitem').allTextContents().catch(() => []);
      for (const label of STEP_LABELS) {
        if (rows.some((r) => r.includes(label) && /running/.test(r))) seenRunning.add(label);
      }
      if (!shotTaken && rows.some((r) => /running/.test(r)) && seenRunning.size >= 2) {
        await shot(page, 'create-progress-running.png');
        shotTaken = true;
      }
      if (await dialog.getByText('Workspace alpha is ready.').isVisible()) break;
      if (await dialog.getByRole('alert').isVisible()) throw new Error(`create failed: ${await dialog.getByRole('alert').textContent()}`);
      await page.waitForTimeout(40);
    }
    expect(seenRunning.size, `steps seen running: ${[...seenRunning].join(', ')}`).toBeGreaterThan(0);
    const stateOf = (label: string) => steps.getByRole('listitem').filter({ hasText: label }).textContent();
    for (const label of STEP_LABELS.filter((l) => l !== 'Start file sync')) expect(await stateOf(label), label).toMatch(/done$/);
    // File sync is its own service: done when it runs, skipped while it is not wired in.
    expect(await stateOf('Start file sync')).toMatch(/(done|skipped)$/);
    await shot(page, 'create-progress-done.png');
    await dialog.getByRole('button', { name: 'Done' }).click();

    const alpha = card(page, 'alpha');
    await expect.poll(() => statusOf(alpha), { timeout: 30_000 }).toBe('running');
    const text = await alpha.textContent();
    expect(text).toContain('project');
    expect(text).toContain('nexus/alpha');
    expect(text).toContain('Docker');
    // The service's "ready" notice arrives as a toast.
    await page.getByRole('region', { name: 'Notifications' }).getByText('Workspace alpha is ready.').waitFor();
    await shot(page, 'workspaces-running.png');
  });

  it('copies the ssh command that uses the Nexus ssh config', async () => {
    const alpha = card(page, 'alpha');
    await alpha.getByRole('button', { name: 'Copy the ssh command for alpha' }).click();
    await alpha.getByText('Copied ✓').waitFor();
    const copied = await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText());
    const [view] = await callThroughPage(page, 'workspaces.list', {});
    expect(copied).toBe(`ssh -F ${join(home, 'ssh', 'config')} ${view?.sshAlias}`);
    const vscode = alpha.getByRole('link', { name: 'Open alpha in VS Code' });
    expect(await vscode.getAttribute('href')).toMatch(/^vscode:\/\/vscode-remote\/ssh-remote\+[\w.-]+\/workspace$/);
  });

  it('stops (the card says sleeping) and starts again (running)', async () => {
    const alpha = card(page, 'alpha');
    await alpha.getByRole('button', { name: 'Stop alpha' }).click();
    await expect.poll(() => statusOf(alpha), { timeout: 60_000 }).toBe('sleeping');
    await shot(page, 'workspaces-sleeping.png');
    await alpha.getByRole('button', { name: 'Start alpha' }).click();
    await expect.poll(() => statusOf(alpha), { timeout: 90_000 }).toBe('running');
  });

  it('names uncommitted files before deleting, and deletes on "Delete anyway"', async () => {
    const [alphaView] = await callThroughPage(page, 'workspaces.list', {});
    expect(alphaView?.name).toBe('alpha');
    const worktree = alphaView?.worktree ?? '';
    writeFileSync(join(worktree, 'unsaved-notes.txt'), 'work in progress\n');

    await card(page, 'alpha').getByRole('button', { name: 'Delete alpha' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete alpha?' });
    const files = dialog.getByRole('region', { name: 'Uncommitted files' });
    await files.waitFor();
    expect(await files.textContent()).toContain('unsaved-notes.txt');
    // The safe choice has the focus; the destructive one says what it does.
    expect(await dialog.getByRole('button', { name: 'Cancel' }).evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await shot(page, 'delete-guard.png');
    await dialog.getByRole('button', { name: 'Delete anyway' }).click();
    await dialog.waitFor({ state: 'detached', timeout: 60_000 });
    await card(page, 'alpha').waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByRole('region', { name: 'Add a repository and create your first workspace' }).waitFor();
    expect(existsSync(worktree)).toBe(false);
    expect(await callThroughPage(page, 'workspaces.list', {})).toEqual([]);
  });

  it('saves settings to config.yaml, and they survive a reload', async () => {
    await page.getByRole('tab', { name: 'Settings' }).click();
    const minutes = page.getByLabel('Auto-stop after (minutes idle)');
    await minutes.waitFor();
    expect(await minutes.inputValue()).toBe('15');
    await minutes.fill('-3');
    expect(await page.getByRole('button', { name: 'Save settings' }).isDisabled()).toBe(true);
    await minutes.fill('42');
    await page.getByLabel('Sync excludes (one per line)').fill('dist/\n*.tmp\n');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await shot(page, 'settings.png');

    await page.reload();
    await page.getByRole('tab', { name: 'Settings' }).click();
    await expect.poll(() => page.getByLabel('Auto-stop after (minutes idle)').inputValue()).toBe('42');
    expect(await page.getByLabel('Sync excludes (one per line)').inputValue()).toBe('dist/\n*.tmp');
  });

  it('keeps the About panel one tab away', async () => {
    await page.getByRole('tab', { name: 'About' }).click();
    await page.getByRole('region', { name: 'About this machine' }).getByRole('list', { name: 'Parts' }).waitFor();
    await shot(page, 'about.png');
  });
});
