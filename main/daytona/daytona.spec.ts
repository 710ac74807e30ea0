import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Workspace } from '../../shared/domain/workspace.js';
import { NexusError } from '../../shared/errors.js';
import { createApp } from '../app/create-app.js';
import type { AppOptions, NexusApp } from '../app/create-app.js';
import { nexusPaths } from '../config/paths.js';
import { createLogger } from '../log/logger.js';
import { run } from '../process/run.js';
import { call, recordEvents } from '../../testing/app-client.js';
import { startEmulator } from '../../testing/daytona-emulator/index.js';
import type { RunningEmulator } from '../../testing/daytona-emulator/index.js';
import { makeRepo } from '../../testing/fixtures/git-repo.js';
import { tempHome } from '../../testing/fixtures/temp-home.js';
import { requireParts } from '../../testing/parts.js';
import { MISSING_KEY_MESSAGE, UNREACHABLE_DETAIL } from './index.js';

// Sync is part of create (Mutagen over the gateway), so Mutagen is a part these specs need.
const parts = await requireParts(['docker', 'workspace-image', 'ssh', 'mutagen']);

/** Shortened poll timings: the same logic, seconds instead of minutes. */
const FAST_POLL = { idleMs: 1_500, transitionMs: 500, minGapMs: 500, errorBaseMs: 500, errorMaxMs: 2_000, tickMs: 200, afterPredictedStopMs: 1_000 };

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function failure(promise: Promise<unknown>): Promise<NexusError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NexusError);
  return err as NexusError;
}

/** Every file under `dir` (text of each), for "the key is nowhere" checks. */
function filesUnder(dir: string): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) out.push(...filesUnder(path));
    else if (st.isFile() && st.size < 5_000_000) out.push({ path, text: readFileSync(path, 'latin1') });
  }
  return out;
}

describe.skipIf(!parts.ok)('Daytona workspaces through the contract (emulator, real SDK, real OpenSSH)', () => {
  let emu: RunningEmulator;
  let app: NexusApp;
  let events: ReturnType<typeof recordEvents>;
  let repo: string;
  let ws: Workspace;
  const home = tempHome();
  const dataDir = join(home, '..', `${home.split('/').pop()}-emu`);
  const logLines: string[] = [];
  const paths = nexusPaths(home);
  const appOptions = (): AppOptions => ({
    runtime: 'browser',
    home,
    log: createLogger('nexus', { level: 'debug', sink: (line) => logLines.push(line) }),
    daytona: { apiUrl: emu.apiUrl, env: {}, poll: FAST_POLL },
  });
  const sandboxOf = async (id: string) => (await emu.admin.state()).sandboxes.find((s) => s.name.endsWith(id.slice(0, 6)));
  const exec = (command: string[]) => call(app, 'workspaces.exec', { id: ws.id, command });
  /** A file inside the sandbox read by Docker directly: no Nexus, no gateway, no token. */
  const inSandbox = async (path: string) => {
    const sandbox = (await sandboxOf(ws.id))!;
    const out = await run('docker', ['exec', sandbox.containerId!, 'cat', `/workspace/${path}`]);
    return out.code === 0 ? out.stdout : null;
  };
  const view = () => call(app, 'workspaces.get', { id: ws.id });

  beforeAll(async () => {
    emu = await startEmulator({ dataDir });
    app = await createApp(appOptions());
    events = recordEvents(app);
    repo = await makeRepo({ files: 12 });
  });

  afterAll(async () => {
    await app?.dispose();
    if (emu) {
      await emu.removeAllSandboxes();
      await emu.stop();
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('with no key anywhere, says exactly what to do', async () => {
    expect(await call(app, 'daytona.status', {})).toMatchObject({ profile: 'default', source: 'none', maskedKey: null, apiUrl: emu.apiUrl, protection: 'file' });
    const err = await failure(call(app, 'workspaces.create', { repo, name: 'nokey', backend: 'daytona' }));
    expect(err.code).toBe('credentials_missing');
    expect(err.message).toBe('Daytona API key not found. Set DAYTONA_API_KEY or sign in to Daytona (Settings → Daytona).');
    expect(err.message).toBe(MISSING_KEY_MESSAGE);
  });

  it('refuses a wrong key at sign-in and stores nothing', async () => {
    const err = await failure(call(app, 'daytona.signIn', { apiKey: 'dtn_this_is_not_the_emulator_key_0000' }));
    expect(err.code).toBe('daytona_auth');
    expect(err.message).toMatch(/^Daytona refused this API key/);
    expect(existsSync(join(home, 'credentials.json'))).toBe(false);
    expect((await call(app, 'daytona.status', {})).source).toBe('none');
  });

  it('signs in after one check, keeps the key encrypted, and shows it masked', async () => {
    const status = await call(app, 'daytona.signIn', { apiKey: emu.apiKey });
    expect(status).toMatchObject({ source: 'keychain', protection: 'file', apiUrl: emu.apiUrl, problem: null });
    expect(status.maskedKey).toBe(`${emu.apiKey.slice(0, 4)}…${emu.apiKey.slice(-4)}`);
    expect(JSON.stringify(status)).not.toContain(emu.apiKey);
    expect(statSync(join(home, 'credentials.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(home, 'credentials.json'), 'utf8')).not.toContain(emu.apiKey);
  });

  it('runs the lifecycle: create → exec → ssh through the gateway → stop → start', async () => {
    const t0 = Date.now();
    ws = await call(app, 'workspaces.create', { repo, name: 'cloud', backend: 'daytona' });
    const createMs = Date.now() - t0;
    expect(ws).toMatchObject({ backend: 'daytona', status: 'running', sshAlias: 'nexus-cloud' });
    const sandbox = await sandboxOf(ws.id);
    expect(sandbox?.state).toBe('started');
    const steps = events.of('workspace.progress').filter((p) => p.workspaceId === ws.id && p.state === 'done').map((p) => p.step);
    expect(steps).toEqual(expect.arrayContaining(['worktree', 'image', 'container', 'ssh', 'files', 'sync', 'ready']));

    // The create flow copied the base commit into /workspace: git works inside.
    const status = await exec(['git', 'status', '--short', '--branch']);
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toContain('## nexus/cloud');
    expect((await exec(['cat', 'README.md'])).stdout).toBe('# project\n');

    // Mutagen syncs both ways through the gateway, using the alias.
    expect((await view()).sync?.status).toMatch(/watching|scanning|reconciling|saving|staging/);
    writeFileSync(join(ws.worktree, 'from-host.txt'), 'written on the host\n');
    await exec(['sh', '-c', 'echo written in the sandbox > from-sandbox.txt']);
    await call(app, 'sync.flush', { id: ws.id });
    expect(await inSandbox('from-host.txt')).toBe('written on the host\n');
    await waitFor('the sandbox file on the host', () => existsSync(join(ws.worktree, 'from-sandbox.txt')));
    expect(readFileSync(join(ws.worktree, 'from-sandbox.txt'), 'utf8')).toBe('written in the sandbox\n');

    // OpenSSH through the generated config: the gateway, user = token, host key trusted on first use.
    const config = readFileSync(paths.sshConfig, 'utf8');
    expect(config).toContain('Host nexus-cloud');
    expect(config).toContain(`Port ${emu.gateway.port}`);
    expect(config).toMatch(/StrictHostKeyChecking accept-new/);
    const viaSsh = await run('ssh', ['-F', paths.sshConfig, 'nexus-cloud', 'true'], { timeoutMs: 30_000 });
    expect(viaSsh.code, viaSsh.stderr).toBe(0);
    expect(readFileSync(paths.knownHosts, 'utf8')).toMatch(/^nexus-cloud ssh-ed25519 /m);

    expect((await call(app, 'workspaces.stop', { id: ws.id })).status).toBe('sleeping');
    expect((await sandboxOf(ws.id))?.state).toBe('stopped');
    expect((await call(app, 'workspaces.start', { id: ws.id })).status).toBe('running');
    expect((await exec(['whoami'])).stdout.trim()).toBe('nexus');
    expect((await run('ssh', ['-F', paths.sshConfig, 'nexus-cloud', 'true'], { timeoutMs: 30_000 })).code).toBe(0);
    // The TTL comes with the next status poll: lastActivityAt + autoStopInterval (15 min by default).
    const shown = await waitFor('a TTL on the card', async () => ((await view()).ttl ? view() : undefined));
    // The open sync session keeps the sandbox awake (its gateway channel bumps the activity).
    expect(shown.ttl).toMatchObject({ autoStopMinutes: 15, keptAwakeBy: ['file sync'] });
    expect(Date.parse(shown.ttl!.stopsAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    process.stdout.write(`daytona create → ready: ${createMs} ms\n`);
  });

  it('shows an auto-stopped workspace asleep, and an exec wakes it with both notices in order', async () => {
    const sandbox = (await sandboxOf(ws.id))!;
    const from = events.seen.length;
    await emu.admin.autoStopNow(sandbox.id);
    await waitFor('the card to show sleeping', () => events.seen.slice(from).some((e) => e.event === 'workspace.changed' && (e.payload as Workspace).id === ws.id && (e.payload as Workspace).status === 'sleeping'));
    expect((await view()).status).toBe('sleeping');
    expect((await view()).ttl).toBeNull();
    // Nothing to reach while it sleeps: sync is paused, not retrying into a closed gateway.
    await waitFor('sync to pause', async () => (await view()).sync?.status === 'paused');

    const out = await exec(['sh', '-c', 'echo woke up; git rev-parse --abbrev-ref HEAD']);
    expect(out).toMatchObject({ exitCode: 0, stdout: 'woke up\nnexus/cloud\n' });
    const titles = events.seen.slice(from).filter((e) => e.event === 'notice').map((e) => (e.payload as { title: string }).title);
    expect(titles).toEqual(['Workspace cloud fell asleep.', 'Workspace cloud is sleeping. Starting…', 'Workspace started.']);
    expect((await view()).status).toBe('running');
    // Sync resumed with the start.
    writeFileSync(join(ws.worktree, 'after-wake.txt'), 'synced after the wake\n');
    await call(app, 'sync.flush', { id: ws.id });
    expect(await inSandbox('after-wake.txt')).toBe('synced after the wake\n');
  });

  it('wakes a workspace whose cached status is stale, from the gateway refusing the login', async () => {
    const sandbox = (await sandboxOf(ws.id))!;
    // Hold the poller's next status read for a while, so the card still says running.
    const fault = await emu.admin.injectFault({ pathRegex: `^/sandbox/${sandbox.id}$`, method: 'GET', delayMs: 12_000, times: 1 });
    await waitFor('the poller to be held', async () => (await emu.admin.faults()).every((f) => f.id !== fault.id));
    await emu.admin.autoStopNow(sandbox.id);
    expect((await view()).status).toBe('running');
    const from = events.seen.length;
    const out = await exec(['echo', 'still here']);
    expect(out.stdout).toBe('still here\n');
    const titles = events.seen.slice(from).filter((e) => e.event === 'notice').map((e) => (e.payload as { title: string }).title);
    expect(titles).toEqual(['Workspace cloud fell asleep.', 'Workspace cloud is sleeping. Starting…', 'Workspace started.']);
    expect((await sandboxOf(ws.id))?.state).toBe('started');
  });

  it('refreshes an expired SSH token without the user doing anything: sync and exec go on', async () => {
    await waitFor('sync to be connected', async () => /watching|scanning|reconciling|saving|staging/.test((await view()).sync?.status ?? ''));
    const sandbox = (await sandboxOf(ws.id))!;
    const old = sandbox.tokens.find((t) => !t.expired)!.token;
    expect(readFileSync(paths.sshConfig, 'utf8')).toContain(`User ${old}`);
    await emu.admin.expireToken(old);
    // An open connection outlives its token; dropped ones (the pool's, Mutagen's) must log in again.
    await emu.admin.dropGatewayConnections(sandbox.id);
    const t0 = Date.now();
    // Nobody runs anything: Mutagen's reconnect fails, Nexus sees it, checks the token, makes a
    // new one and rewrites the alias; Mutagen's next retry gets in and the edit arrives.
    writeFileSync(join(ws.worktree, 'during-expiry.txt'), 'synced across a token expiry\n');
    await waitFor('the edit to reach the sandbox', async () => (await inSandbox('during-expiry.txt')) === 'synced across a token expiry\n', 90_000);
    process.stdout.write(`sync back after a token expiry in ${Date.now() - t0} ms\n`);
    const fresh = (await sandboxOf(ws.id))!.tokens.find((t) => !t.expired)!.token;
    expect(fresh).not.toBe(old);
    expect(readFileSync(paths.sshConfig, 'utf8')).toContain(`User ${fresh}`);
    expect(readFileSync(paths.sshConfig, 'utf8')).not.toContain(old);
    // The pooled exec connection logs in with the new token too.
    expect((await exec(['echo', 'after expiry'])).stdout).toBe('after expiry\n');
    expect((await run('ssh', ['-F', paths.sshConfig, 'nexus-cloud', 'true'], { timeoutMs: 30_000 })).code).toBe(0);
  });

  it('refreshes a token the gateway refuses when a command needs it', async () => {
    const sandbox = (await sandboxOf(ws.id))!;
    const old = sandbox.tokens.find((t) => !t.expired)!.token;
    await emu.admin.expireToken(old);
    await emu.admin.dropGatewayConnections(sandbox.id);
    await new Promise((r) => setTimeout(r, 300)); // the pool sees its connection close
    expect((await exec(['echo', 'refreshed on demand'])).stdout).toBe('refreshed on demand\n');
    const fresh = (await sandboxOf(ws.id))!.tokens.find((t) => !t.expired)!.token;
    expect(fresh).not.toBe(old);
    await waitFor('the alias to carry the new token', () => readFileSync(paths.sshConfig, 'utf8').includes(`User ${fresh}`));
  });

  it('backs off through a burst of 429s with bounded calls and no crash', async () => {
    // Rules apply in order: five 429s for any API request, then count everything after them.
    await emu.admin.clearFaults();
    await emu.admin.injectFault({ status: 429, retryAfter: 1, times: 5 });
    const counter = await emu.admin.injectFault({ delayMs: 0, times: -1 });
    const t0 = Date.now();
    expect((await call(app, 'daytona.keepAwake', { id: ws.id })).status).toBe('running');
    expect((await call(app, 'workspaces.stop', { id: ws.id })).status).toBe('sleeping');
    const elapsed = Date.now() - t0;
    const faults = await emu.admin.faults();
    const counted = faults.find((f) => f.id === counter.id)?.hits ?? 0;
    await emu.admin.clearFaults();
    expect(faults.some((f) => f.status === 429)).toBe(false); // all five were answered
    // Five 429s with Retry-After: 1 cost seconds of waiting (callers arriving together may share
    // one wait), not a tight loop of milliseconds.
    expect(elapsed).toBeGreaterThanOrEqual(2_000);
    expect(counted).toBeLessThan(30);
    process.stdout.write(`429 burst: ${elapsed} ms, ${counted} requests after the 5 refusals\n`);
    expect((await call(app, 'workspaces.start', { id: ws.id })).status).toBe('running');
    expect((await exec(['true'])).exitCode).toBe(0);
  });

  it('says "Daytona is unreachable" without flapping while the API is down, and recovers when it is back', async () => {
    const port = Number(new URL(emu.apiUrl).port);
    const gatewayPort = emu.gateway.port;
    const from = events.seen.length;
    await emu.stop();
    const changed = () =>
      events.seen
        .slice(from)
        .filter((e) => e.event === 'workspace.changed' && (e.payload as Workspace).id === ws.id)
        .map((e) => e.payload as Workspace);
    await waitFor('the card to say Daytona is unreachable', () => changed().some((w) => w.statusDetail === UNREACHABLE_DETAIL), 20_000);
    await new Promise((r) => setTimeout(r, 4_000));
    expect(changed().every((w) => w.status === 'running')).toBe(true);
    expect((await view())).toMatchObject({ status: 'running', statusDetail: UNREACHABLE_DETAIL });

    emu = await startEmulator({ dataDir, port, gatewayPort });
    await waitFor('the card to recover', async () => (await view()).statusDetail === null, 20_000);
    expect((await view()).status).toBe('running');
    expect((await exec(['echo', 'back'])).stdout).toBe('back\n');
  });

  it('refuses a repository config that names an unknown profile or carries an API URL', async () => {
    const evil = await makeRepo({ files: 1 });
    const file = join(evil, '.nexus', 'config.yaml');
    mkdirSync(join(evil, '.nexus'));
    const before = (await emu.admin.state()).sandboxes.length;
    writeFileSync(file, 'daytona:\n  profile: work\n');
    const unknown = await failure(call(app, 'workspaces.create', { repo: evil, name: 'evil-a', backend: 'daytona' }));
    expect(unknown.code).toBe('config_invalid');
    expect(unknown.message).toContain(`${file} picks Daytona profile "work", which is not defined in your ${paths.config}`);
    writeFileSync(file, 'daytona:\n  profile: default\n  api_url: https://collector.example/api\n');
    const url = await failure(call(app, 'workspaces.create', { repo: evil, name: 'evil-b', backend: 'daytona' }));
    expect(url.code).toBe('config_invalid');
    expect(url.message).toContain(`${file} sets daytona.api_url. A repository may only pick a Daytona profile by name`);
    expect((await emu.admin.state()).sandboxes.length).toBe(before);
    expect((await call(app, 'workspaces.list', {})).map((w) => w.name)).toEqual(['cloud']);

    // Defined by the user (a sign-in with a URL writes it to their config.yaml), the profile is usable.
    const status = await call(app, 'daytona.signIn', { apiKey: emu.apiKey, apiUrl: emu.apiUrl, profile: 'work' });
    expect(status.profiles.map((p) => [p.name, p.source])).toEqual([
      ['default', 'keychain'],
      ['work', 'keychain'],
    ]);
    expect((parseYaml(readFileSync(paths.config, 'utf8')) as { backends: { daytona: { profiles: unknown } } }).backends.daytona.profiles).toEqual({ work: { api_url: emu.apiUrl } });
    writeFileSync(file, 'daytona:\n  profile: work\n');
    const picked = await call(app, 'workspaces.create', { repo: evil, name: 'picked', backend: 'daytona' });
    expect((await call(app, 'workspaces.exec', { id: picked.id, command: ['echo', 'on work'] })).stdout).toBe('on work\n');
    await call(app, 'workspaces.delete', { id: picked.id, force: true });
    expect((await call(app, 'daytona.signOut', { profile: 'work' })).source).toBe('none');
  });

  it('rebuilds a lost state file from the sandbox labels at startup', async () => {
    await app.dispose();
    rmSync(paths.state);
    app = await createApp(appOptions());
    events = recordEvents(app);
    const [adopted] = await call(app, 'workspaces.list', {});
    expect(adopted).toMatchObject({ id: ws.id, name: 'cloud', backend: 'daytona', status: 'running', repo: ws.repo });
    expect((await exec(['echo', 'adopted'])).stdout).toBe('adopted\n');
    expect((await run('ssh', ['-F', paths.sshConfig, 'nexus-cloud', 'true'], { timeoutMs: 30_000 })).code).toBe(0);
  });

  it('deletes the workspace and its sandbox', async () => {
    const sandbox = (await sandboxOf(ws.id))!;
    await call(app, 'workspaces.delete', { id: ws.id, force: true });
    expect((await emu.admin.state()).sandboxes.some((s) => s.id === sandbox.id)).toBe(false);
    expect(readFileSync(paths.sshConfig, 'utf8')).not.toContain('nexus-cloud');
    expect(await call(app, 'workspaces.list', {})).toEqual([]);
  });

  it('never lets the key out: no file under NEXUS_HOME, no event, no log line holds it', async () => {
    const key = emu.apiKey;
    for (const file of filesUnder(home)) expect(file.text.includes(key), file.path).toBe(false);
    expect(JSON.stringify(events.seen)).not.toContain(key);
    expect(logLines.length).toBeGreaterThan(10);
    expect(logLines.join('')).not.toContain(key);
    const status = await call(app, 'daytona.status', {});
    expect(JSON.stringify(status)).not.toContain(key);
    expect((await call(app, 'daytona.signOut', {})).source).toBe('none');
    expect(JSON.parse(readFileSync(join(home, 'credentials.json'), 'utf8'))).toEqual({ version: 1, daytona: {} });
  });
});
