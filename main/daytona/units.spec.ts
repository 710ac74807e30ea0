import { DaytonaConnectionError, DaytonaError, DaytonaRateLimitError, DaytonaServiceUnavailableError, DaytonaAuthenticationError, DaytonaNotFoundError } from '@daytonaio/sdk';
import type { Daytona } from '@daytonaio/sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Notice } from '../../shared/contract/events.js';
import type { Workspace } from '../../shared/domain/workspace.js';
import { NexusError } from '../../shared/errors.js';
import type { DaytonaCredentials } from '../credentials/daytona-credentials.js';
import { createLogger, redact } from '../log/logger.js';
import type { Live } from '../workspaces/live-status.js';
import type { WorkspaceRecord } from '../workspaces/state-store.js';
import { DaytonaClients, RateGate } from './client.js';
import type { DaytonaConnection } from './client.js';
import type { DaytonaBackend, SandboxInfo } from './daytona-backend.js';
import { instanceIdOf, parseInstanceId } from './daytona-backend.js';
import { classify, retryAfterMs, toNexusError } from './errors.js';
import { repoProfileChoice } from './profiles.js';
import { SshAccessManager, endpointFromGrant } from './ssh-access.js';
import { sandboxStatus } from './status.js';
import { StatusPoller, UNREACHABLE_DETAIL } from './status-poller.js';

const log = createLogger('spec', { level: 'warn', sink: () => undefined });
const headers = (h: Record<string, string>) => ({ get: (name: string) => h[name.toLowerCase()] }) as never;

describe('sandbox states in Nexus words', () => {
  it('maps every state of the API', () => {
    const expected: Record<string, string> = {
      started: 'running',
      stopped: 'sleeping',
      paused: 'sleeping',
      starting: 'starting',
      restoring: 'starting',
      resuming: 'starting',
      creating: 'starting',
      pending_build: 'starting',
      building_snapshot: 'starting',
      pulling_snapshot: 'starting',
      resizing: 'starting',
      snapshotting: 'running',
      forking: 'running',
      stopping: 'stopping',
      pausing: 'stopping',
      archiving: 'stopping',
      archived: 'archived',
      error: 'error',
      build_failed: 'error',
      destroying: 'missing',
      destroyed: 'missing',
      unknown: 'unknown',
    };
    for (const [state, status] of Object.entries(expected)) expect(sandboxStatus(state).status, state).toBe(status);
    expect(sandboxStatus('error', 'disk full')).toEqual({ status: 'error', detail: 'Daytona reports an error: disk full' });
    expect(sandboxStatus('teleporting')).toEqual({ status: 'unknown', detail: 'Daytona reports a state Nexus does not know: teleporting.' });
    expect(sandboxStatus(undefined).status).toBe('unknown');
  });
});

describe('SDK errors', () => {
  it('are classified by status, with Retry-After read from the headers', () => {
    expect(classify(new DaytonaRateLimitError('Too Many Requests', 429, headers({ 'retry-after': '3' })))).toEqual({ kind: 'rate_limited', retryAfterMs: 3000 });
    expect(classify(new DaytonaRateLimitError('x', 429, { 'retry-after': '2' } as never))).toEqual({ kind: 'rate_limited', retryAfterMs: 2000 });
    expect(classify(new DaytonaRateLimitError('x', 429))).toEqual({ kind: 'rate_limited', retryAfterMs: 1000 });
    expect(classify(new DaytonaServiceUnavailableError('x', 503))).toEqual({ kind: 'server', status: 503 });
    expect(classify(new DaytonaAuthenticationError('x', 401))).toEqual({ kind: 'auth' });
    expect(classify(new DaytonaNotFoundError('x', 404))).toEqual({ kind: 'not_found' });
    expect(classify(new DaytonaConnectionError('connect ECONNREFUSED'))).toEqual({ kind: 'unreachable' });
    expect(classify(new DaytonaError('Sandbox failed to start'))).toEqual({ kind: 'other' });
    expect(retryAfterMs({ headers: { 'retry-after': 'Wed, 21 Oct 2015 07:28:30 GMT' } }, Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(30_000);
    expect(retryAfterMs({ headers: { 'retry-after': '99999' } })).toBe(300_000);
  });

  it('become NexusErrors that say what to do, without secrets', () => {
    const key = 'dtn_units_spec_secret_key_000111';
    redact(key); // (registration happens where keys are learnt; here the logger's Bearer rule applies)
    const cases: Array<[unknown, string]> = [
      [new DaytonaAuthenticationError('Unauthorized', 401), 'daytona_auth'],
      [new DaytonaRateLimitError('x', 429), 'rate_limited'],
      [new DaytonaServiceUnavailableError('Service Unavailable', 503), 'daytona_unreachable'],
      [new DaytonaConnectionError('connect ECONNREFUSED 127.0.0.1:1'), 'daytona_unreachable'],
      [new DaytonaNotFoundError('Sandbox not found', 404), 'not_found'],
    ];
    for (const [err, code] of cases) {
      const out = toNexusError(err, 'https://app.daytona.io/api', 'start the sandbox');
      expect(out.code).toBe(code);
      expect(out.message.length).toBeGreaterThan(30);
    }
    expect(toNexusError(new DaytonaConnectionError('x'), 'https://d/api', 'list').message).toContain('https://d/api');
    expect(toNexusError(new DaytonaError(`failed with Bearer ${key}`), 'u', 'x').message).not.toContain(key);
  });
});

describe('instance ids', () => {
  it('carry the profile when it is not the default', () => {
    expect(instanceIdOf('default', 'abc')).toBe('abc');
    expect(instanceIdOf('work', 'abc')).toBe('work:abc');
    expect(parseInstanceId('work:abc')).toEqual({ profile: 'work', sandboxId: 'abc' });
    expect(parseInstanceId('0b6c2a4e-uuid')).toEqual({ profile: 'default', sandboxId: '0b6c2a4e-uuid' });
  });
});

describe('the gateway endpoint of an access grant', () => {
  const grant = (sshCommand: string, token = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345') => ({ token, sshCommand, createdAt: '2025-01-01T00:00:00Z', expiresAt: '2025-01-01T01:00:00Z' });
  it('reads host and port from sshCommand, the token as user, host key trusted on first use', () => {
    expect(endpointFromGrant(grant('ssh -p 2222 AbCdEfGhIjKlMnOpQrStUvWxYz012345@127.0.0.1'))).toEqual({
      host: '127.0.0.1',
      port: 2222,
      user: 'AbCdEfGhIjKlMnOpQrStUvWxYz012345',
      hostKey: { kind: 'tofu' },
    });
    expect(endpointFromGrant(grant('ssh AbCdEfGhIjKlMnOpQrStUvWxYz012345@ssh.app.daytona.io'))).toMatchObject({ host: 'ssh.app.daytona.io', port: 22 });
    expect(endpointFromGrant(grant('ssh x@gw.example -p2200'))).toMatchObject({ host: 'gw.example', port: 2200 });
  });
  it('refuses what it cannot use', () => {
    expect(() => endpointFromGrant(grant('ssh -p 2222 x@host;rm'))).toThrow(/cannot read/);
    expect(() => endpointFromGrant(grant('ssh -p 2222 x@host', 'bad token\n'))).toThrow(/cannot use/);
    expect(() => endpointFromGrant(grant('telnet'))).toThrow(/cannot read/);
  });
});

describe('a repository picking a Daytona profile', () => {
  const file = '/repo/.nexus/config.yaml';
  const user = '/home/u/.nexus/config.yaml';
  const pick = (text: string) => repoProfileChoice(text, file, user);
  const refusal = (text: string) => {
    try {
      pick(text);
    } catch (err) {
      expect(err).toBeInstanceOf(NexusError);
      expect((err as NexusError).code).toBe('config_invalid');
      return (err as NexusError).message;
    }
    throw new Error('expected a refusal');
  };

  it('may name a profile, and nothing more', () => {
    expect(pick('daytona:\n  profile: work\n')).toBe('work');
    expect(pick('')).toBeNull();
    expect(pick('sync:\n  exclude: [dist]\n')).toBeNull();
  });

  it('is refused with the file, the key and the fix for anything that carries an endpoint or key', () => {
    expect(refusal('daytona:\n  profile: work\n  api_url: https://evil.example/api\n')).toBe(
      `${file} sets daytona.api_url. A repository may only pick a Daytona profile by name (daytona: { profile: <name> }); API URLs and keys live in your own ${user}. Remove it from ${file}.`,
    );
    expect(refusal('daytona:\n  apiKey: dtn_x\n')).toContain('sets daytona.apiKey');
    expect(refusal('backends:\n  daytona:\n    enabled: true\n')).toContain('sets backends.daytona');
    expect(refusal('tools:\n  - DAYTONA_API_URL: https://x\n')).toContain('sets tools.0.DAYTONA_API_URL');
    expect(refusal('daytona:\n  target: eu\n')).toContain('sets daytona.target');
    expect(refusal('daytona: work\n')).toContain('"daytona" must be a mapping');
    expect(refusal('daytona:\n  profile: "Not A Name"\n')).toContain('daytona.profile must be a profile name');
    expect(refusal('daytona: [\n')).toMatch(/is not valid YAML \(line \d+, column \d+\)/);
  });
});

describe('SSH access tokens', () => {
  let now = Date.parse('2030-01-01T00:00:00Z');
  let minted = 0;
  let running = true;
  const make = () => {
    minted = 0;
    const access = new SshAccessManager({
      mint: async () => {
        minted++;
        const created = now + 5_000; // the server's clock runs 5 s ahead
        return { token: `token${String(minted).padStart(27, '0')}`, sshCommand: 'ssh -p 2222 t@127.0.0.1', createdAt: new Date(created).toISOString(), expiresAt: new Date(created + 60 * 60_000).toISOString() };
      },
      isRunning: () => running,
      log,
      now: () => now,
    });
    return access;
  };
  beforeEach(() => vi.useFakeTimers({ now }));
  afterEach(() => vi.useRealTimers());

  it('are made on demand, shared by concurrent callers, reused until 80% of their life', async () => {
    const access = make();
    const changes: string[] = [];
    access.onChange((id, ep) => changes.push(`${id}:${ep.user}`));
    const [a, b] = await Promise.all([access.endpoint('sb1'), access.endpoint('sb1')]);
    expect(a).toBe(b);
    expect(minted).toBe(1);
    expect(access.serverOffsetMs).toBe(5_000);
    expect(redact(`user ${a.user}`)).toBe('user [redacted]');
    now += 47 * 60_000;
    expect(await access.endpoint('sb1')).toBe(a);
    now += 2 * 60_000; // 49 min: past 80% of 60
    const c = await access.endpoint('sb1');
    expect(c.user).not.toBe(a.user);
    expect(minted).toBe(2);
    expect((await access.endpoint('sb1', { force: true })).user).not.toBe(c.user);
    expect(changes).toHaveLength(3);
    access.dispose();
  });

  it('are refreshed ahead of time for running sandboxes only', async () => {
    const access = make();
    const changes: string[] = [];
    access.onChange((_id, ep) => changes.push(ep.user));
    running = true;
    await access.endpoint('sb1');
    now += 48 * 60_000;
    await vi.advanceTimersByTimeAsync(48 * 60_000);
    expect(minted).toBe(2);
    expect(changes).toHaveLength(2);
    running = false;
    now += 48 * 60_000;
    await vi.advanceTimersByTimeAsync(48 * 60_000);
    expect(minted).toBe(2); // asleep: the next use makes one
    expect(access.current('sb1')).toBeNull();
    access.dispose();
    running = true;
  });
});

describe('DaytonaClients.call', () => {
  const clients = () => new DaytonaClients({ credentials: { onChange: () => () => undefined } as unknown as DaytonaCredentials, log });
  const conn = (): DaytonaConnection => ({ profile: 'default', apiUrl: 'https://d/api', sdk: {} as Daytona, gate: new RateGate() });

  it('honours Retry-After on 429 for every caller of that API, and stops after a bounded number', async () => {
    const c = clients();
    const connection = conn();
    let calls = 0;
    const t0 = Date.now();
    const result = await c.call(connection, 'list', async () => {
      if (++calls <= 3) throw new DaytonaRateLimitError('Too Many Requests', 429, headers({ 'retry-after': '0.1' }));
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(calls).toBe(4);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    let forever = 0;
    const err = await c
      .call(connection, 'list the sandboxes', async () => {
        forever++;
        throw new DaytonaRateLimitError('x', 429, headers({ 'retry-after': '0.01' }));
      }, { rateLimited: 3 })
      .catch((e: unknown) => e as NexusError);
    expect(forever).toBe(4);
    expect(err).toMatchObject({ code: 'rate_limited' });
  });

  it('retries 5xx with backoff, not a refused key', async () => {
    const c = clients();
    let calls = 0;
    await expect(
      c.call(conn(), 'get', async () => {
        if (++calls < 3) throw new DaytonaServiceUnavailableError('x', 503);
        return 1;
      }),
    ).resolves.toBe(1);
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      c.call(conn(), 'get', async () => {
        calls++;
        throw new DaytonaAuthenticationError('Unauthorized', 401);
      }),
    ).rejects.toMatchObject({ code: 'daytona_auth' });
    expect(calls).toBe(1);
  });
});

// ---------------------------------------------------------------------------- the poller

interface FakeSandbox {
  state: string;
  lastActivityAt: number;
  autoStopInterval: number;
}

function pollerRig(options: { workspaces: number; profile?: string; keptAwakeBy?: (id: string) => string[] } = { workspaces: 1 }) {
  const sandboxes = new Map<string, FakeSandbox>();
  const live = new Map<string, Live>();
  const notices: Notice[] = [];
  const patches: Array<{ id: string; patch: Partial<Live> }> = [];
  const calls = { peek: 0, list: 0 };
  let failure: Error | null = null;
  const records: WorkspaceRecord[] = [];
  for (let i = 0; i < options.workspaces; i++) {
    const id = `ws${String(i).padStart(10, '0')}`;
    const instanceId = instanceIdOf(options.profile ?? 'default', `sb-${i}`);
    records.push({ id, name: `w${i}`, backend: 'daytona', repo: '/r', branch: 'nexus/w', base: 'main', baseCommit: 'c', worktree: '/w', sshAlias: `nexus-w${i}`, instanceId, createdAt: '', phase: 'ready', adopted: false });
    sandboxes.set(instanceId, { state: 'started', lastActivityAt: Date.now(), autoStopInterval: 15 });
    live.set(id, { status: 'running', detail: null, sync: null, ttl: null });
  }
  const info = (instanceId: string): SandboxInfo | null => {
    const s = sandboxes.get(instanceId);
    return s ? { state: s.state, errorReason: null, lastActivityAt: s.lastActivityAt, autoStopInterval: s.autoStopInterval, labels: {}, fetchedAt: Date.now() } : null;
  };
  const backend = {
    access: { serverOffsetMs: 0 },
    isBusy: () => false,
    known: (id: string) => info(id) ?? undefined,
    async peek(id: string) {
      calls.peek++;
      if (failure) throw failure;
      return info(id);
    },
    async peekProfile() {
      calls.list++;
      if (failure) throw failure;
      return new Map([...sandboxes.keys()].map((id) => [id, info(id)!]));
    },
  } as unknown as DaytonaBackend;
  const poller = new StatusPoller({
    backend,
    records: () => records,
    view: (id) => {
      const l = live.get(id);
      return l ? ({ id, status: l.status, statusDetail: l.detail, ttl: l.ttl } as Workspace) : null;
    },
    setLive: (id, patch) => {
      patches.push({ id, patch });
      const current = live.get(id)!;
      live.set(id, { ...current, ...patch });
    },
    notify: (n) => notices.push(n),
    ...(options.keptAwakeBy ? { keptAwakeBy: options.keptAwakeBy } : {}),
    log,
  });
  return {
    poller,
    sandboxes,
    live,
    notices,
    patches,
    calls,
    records,
    fail: (err: Error | null) => (failure = err),
    /** Runs the scheduler for `ms` of (fake) time, one tick a second. */
    async run(ms: number) {
      for (let t = 0; t < ms; t += 1000) {
        await poller.tick();
        await vi.advanceTimersByTimeAsync(1000);
      }
    },
  };
}

describe('the status poller', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.parse('2030-01-01T00:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  it('spends at most one call per workspace per minute while nothing changes, with a TTL on the card', async () => {
    const rig = pollerRig({ workspaces: 1 });
    await rig.run(10 * 60_000);
    // The predicted stop (15 min) is never near within these 10 minutes: the idle budget applies.
    expect(rig.calls.peek).toBeLessThanOrEqual(11);
    const ttl = rig.live.get(rig.records[0]!.id)!.ttl!;
    expect(ttl).toMatchObject({ autoStopMinutes: 15, keptAwakeBy: [] });
    expect(Date.parse(ttl.stopsAt)).toBe(Date.parse('2030-01-01T00:15:00Z'));
  });

  it('batches the workspaces of one profile into one list call', async () => {
    const rig = pollerRig({ workspaces: 4 });
    for (const s of rig.sandboxes.values()) s.autoStopInterval = 0;
    await rig.run(5 * 60_000);
    expect(rig.calls.peek).toBe(0);
    expect(rig.calls.list).toBeLessThanOrEqual(6);
  });

  it('aligns workspaces that appeared at different times onto one list call', async () => {
    const rig = pollerRig({ workspaces: 3 });
    const later = rig.records.splice(1);
    await rig.run(25_000);
    rig.records.push(later[0]!);
    await rig.run(20_000);
    rig.records.push(later[1]!);
    const before = rig.calls.peek + rig.calls.list;
    await rig.run(5 * 60_000);
    // Three workspaces, five minutes: about five calls in all, not fifteen.
    expect(rig.calls.peek + rig.calls.list - before).toBeLessThanOrEqual(7);
  });

  it('looks right after the predicted stop and reports the sleep', async () => {
    const rig = pollerRig({ workspaces: 1 });
    const [sandbox] = [...rig.sandboxes.values()];
    sandbox!.autoStopInterval = 2;
    await rig.run(1000);
    expect(rig.calls.peek).toBe(1);
    // The server stops it at its next check after 2 idle minutes; we look at stopsAt + 15 s.
    await rig.run(119_000);
    sandbox!.state = 'stopped';
    await rig.run(20_000);
    expect(rig.calls.peek).toBeLessThanOrEqual(4);
    expect(rig.live.get(rig.records[0]!.id)).toMatchObject({ status: 'sleeping', ttl: null });
    // Straight running → sleeping: the workspace service announces it (setLive), not the poller.
    expect(rig.notices).toEqual([]);
  });

  it('keeps an auto-stopping workspace on its running card until it is asleep (so the service sees running → sleeping)', async () => {
    const rig = pollerRig({ workspaces: 1 });
    const [sandbox] = [...rig.sandboxes.values()];
    const id = rig.records[0]!.id;
    await rig.run(1000);
    sandbox!.state = 'stopping';
    await rig.run(61_000);
    expect(rig.live.get(id)).toMatchObject({ status: 'running', detail: 'Daytona is stopping it after inactivity.', ttl: null });
    sandbox!.state = 'stopped';
    await rig.run(4_000);
    expect(rig.live.get(id)!.status).toBe('sleeping');
    expect(rig.patches.map((p) => p.patch.status)).toEqual(['running', 'running', 'sleeping']);
    // The sleep notice (and pausing sync) is the workspace service's, on running → sleeping.
    expect(rig.notices).toEqual([]);
  });

  it('keeps the status and says "unreachable" while Daytona does not answer, backing off, then recovers', async () => {
    const rig = pollerRig({ workspaces: 1 });
    await rig.run(1000);
    rig.fail(new DaytonaConnectionError('connect ECONNREFUSED'));
    const before = rig.calls.peek;
    await rig.run(5 * 60_000);
    const id = rig.records[0]!.id;
    expect(rig.live.get(id)).toMatchObject({ status: 'running', detail: UNREACHABLE_DETAIL });
    // 5 s doubling to 60 s: about 9 tries in 5 minutes, not 300.
    expect(rig.calls.peek - before).toBeLessThanOrEqual(10);
    expect(rig.patches.filter((p) => p.patch.detail === UNREACHABLE_DETAIL)).toHaveLength(1);
    rig.fail(null);
    await rig.run(61_000);
    expect(rig.live.get(id)).toMatchObject({ status: 'running', detail: null });
  });

  it('waits out Retry-After after a 429', async () => {
    const rig = pollerRig({ workspaces: 1 });
    await rig.run(1000);
    rig.fail(new DaytonaRateLimitError('Too Many Requests', 429, headers({ 'retry-after': '120' })));
    await rig.run(61_000);
    const after429 = rig.calls.peek;
    await rig.run(100_000);
    expect(rig.calls.peek).toBe(after429);
    rig.fail(null);
    await rig.run(30_000);
    expect(rig.calls.peek).toBe(after429 + 1);
  });

  it('shows what keeps a workspace awake and predicts no stop meanwhile', async () => {
    // The rig's only workspace is ws0000000000.
    const rig = pollerRig({ workspaces: 1, keptAwakeBy: (wid) => (wid === 'ws0000000000' ? ['open terminal', 'file sync'] : []) });
    const id = rig.records[0]!.id;
    await rig.run(1000);
    expect(rig.live.get(id)!.ttl!.keptAwakeBy).toEqual(['open terminal', 'file sync']);
    expect(rig.poller.predictedAsleep(id)).toBe(false);
    const events = rig.patches.length;
    await rig.run(30 * 60_000);
    // The stop time slides with the clock; only real changes are pushed (a poll a minute at most).
    expect(rig.patches.length - events).toBeLessThanOrEqual(2);
    expect(rig.calls.peek).toBeLessThanOrEqual(32);
  });
});
