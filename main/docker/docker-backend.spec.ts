import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireParts } from '../../testing/parts.js';
import { LABELS, type SshEndpoint } from '../backends/backend.js';
import { nexusPaths } from '../config/paths.js';
import { createLogger } from '../log/logger.js';
import { ensureIdentity, generateHostKey, type Identity } from '../ssh/keys.js';
import { KnownHosts } from '../ssh/known-hosts.js';
import { SshPool, type ExecOptions } from '../ssh/pool.js';
import { SshConfigFile } from '../ssh/ssh-config.js';
import { waitForSsh } from '../ssh/wait.js';
import { DOCKER_NOT_RUNNING } from './client.js';
import { DockerBackend } from './docker-backend.js';
import { canBind, portsUsedByContainers, SSH_PORT_RANGE } from './ports.js';

const parts = await requireParts(['docker', 'workspace-image', 'ssh']);

/** Every container this spec makes carries this label, so a crashed run's leftovers can be found. */
const TEST_LABEL = 'nexus.test';
const TEST_VALUE = 'docker-backend-spec';

describe.skipIf(!parts.ok)('DockerBackend + SshPool (real engine, real sshd, real OpenSSH)', () => {
  // A home with a space and a '%': the generated ssh config must quote and escape both.
  const home = mkdtempSync(join(tmpdir(), 'nexus be 100% '));
  const paths = nexusPaths(home);
  const log = createLogger('spec', { level: 'warn' });
  const backend = new DockerBackend({
    imageContext: resolve('images/workspace'),
    log,
    extraLabels: { [TEST_LABEL]: TEST_VALUE },
  });
  const docker = new Docker();
  const created = new Set<string>();
  const timings: Record<string, string> = {};
  const never = new AbortController().signal;
  const noReport = () => undefined;
  let identity: Identity;
  let knownHosts: KnownHosts;
  let pool: SshPool;

  const wsId = () => randomBytes(6).toString('hex');
  async function create(name: string, options: { signal?: AbortSignal; report?: (d: string) => void } = {}) {
    const result = await backend.create(
      { workspaceId: wsId(), name, repo: '/tmp/nexus-spec-repo', authorizedKey: identity.publicKey },
      options.report ?? noReport,
      options.signal ?? never,
    );
    created.add(result.instanceId);
    return result;
  }
  async function run(key: string, endpoint: SshEndpoint, argv: string[], options: ExecOptions = {}) {
    let stdout = '';
    let stderr = '';
    const result = await pool.exec(key, endpoint, argv, {
      ...options,
      onStdout: (c) => (stdout += c.toString()),
      onStderr: (c) => (stderr += c.toString()),
    });
    return { ...result, stdout, stderr };
  }

  beforeAll(async () => {
    // Leftovers of an earlier run that crashed (older than 30 minutes: never a concurrent run's).
    const stale = await docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${TEST_VALUE}`] } });
    await Promise.all(
      stale.filter((c) => c.Created < Date.now() / 1000 - 1800).map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)),
    );
    identity = await ensureIdentity(paths);
    knownHosts = new KnownHosts(paths);
    pool = new SshPool({ privateKey: identity.privateKey, knownHosts, log });
  });

  afterAll(async () => {
    await pool?.closeAll();
    await Promise.all([...created].map((id) => backend.remove(id).catch(() => undefined)));
    rmSync(home, { recursive: true, force: true });
    process.stdout.write(`docker-backend timings: ${JSON.stringify(timings)}\n`);
  });

  it('create → exec over the pool → stop → start on the same port → remove frees the port', async () => {
    const t0 = performance.now();
    const { instanceId, endpoint } = await create('spec-life');
    const t1 = performance.now();
    await waitForSsh(pool, 'life', endpoint, { timeoutMs: 30_000 });
    const t2 = performance.now();
    timings.create = `${Math.round(t1 - t0)} ms`;
    timings.sshdReadyAfterCreate = `${Math.round(t2 - t1)} ms`;

    expect(endpoint).toMatchObject({ host: '127.0.0.1', user: 'nexus', hostKey: { kind: 'pinned' } });
    expect(endpoint.port).toBeGreaterThanOrEqual(SSH_PORT_RANGE.min);
    expect(endpoint.port).toBeLessThanOrEqual(SSH_PORT_RANGE.max);
    expect(await backend.endpoint(instanceId)).toEqual(endpoint); // from labels alone: survives an app restart

    const whoami = await run('life', endpoint, ['id', '-un']);
    expect(whoami).toMatchObject({ exitCode: 0, signal: null, stdout: 'nexus\n', stderr: '' });

    const failing = await run('life', endpoint, ['bash', '-c', 'echo out; echo err >&2; exit 3']);
    expect(failing).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' });

    expect((await run('life', endpoint, ['pwd'], { cwd: '/workspace' })).stdout).toBe('/workspace\n');
    expect((await run('life', endpoint, ['cat'], { stdin: 'piped in' })).stdout).toBe('piped in');
    const files = await run('life', endpoint, ['stat', '-c', '%U %a %n', '/workspace', '/etc/ssh/nexus/ssh_host_ed25519_key']);
    expect(files.stdout).toBe('nexus 755 /workspace\nroot 600 /etc/ssh/nexus/ssh_host_ed25519_key\n');

    // The remote shell (bash, via sshd) gets exactly the argv we sent.
    const nasty = ["it's", '$(id)', '`id`', 'a b', 'line1\nline2', 'ünï 😀', '', '*', '\\', '"q"'];
    const echoed = await run('life', endpoint, ['printf', '%s\\0', ...nasty]);
    expect(echoed.stdout.split('\0').slice(0, -1)).toEqual(nasty);

    const t3 = performance.now();
    for (let i = 0; i < 10; i++) await pool.exec('life', endpoint, ['true']);
    timings.execRoundTripPooled = `${Math.round((performance.now() - t3) / 10)} ms`;

    await backend.stop(instanceId);
    expect(await backend.inspect(instanceId)).toMatchObject({ instanceId, status: 'sleeping', detail: null });
    await backend.stop(instanceId); // stopping a stopped workspace is fine
    await expect(pool.exec('life', endpoint, ['true'])).rejects.toMatchObject({ code: 'ssh_failed', message: expect.stringMatching(/Could not reach/) });

    const t4 = performance.now();
    const again = await backend.start(instanceId);
    expect(again).toEqual(endpoint); // same port, same pinned key
    await waitForSsh(pool, 'life', again, { timeoutMs: 30_000 });
    timings.startToSshReady = `${Math.round(performance.now() - t4)} ms`;
    expect((await run('life', again, ['id', '-un'])).stdout).toBe('nexus\n');
    expect((await backend.inspect(instanceId))?.status).toBe('running');

    const listed = (await backend.list()).find((i) => i.instanceId === instanceId);
    expect(listed).toMatchObject({ status: 'running', labels: { [LABELS.name]: 'spec-life', [LABELS.repo]: '/tmp/nexus-spec-repo' } });

    pool.drop('life');
    await backend.remove(instanceId);
    expect(await backend.inspect(instanceId)).toBeNull();
    await backend.remove(instanceId); // already gone: still fine
    expect((await portsUsedByContainers(docker)).has(endpoint.port)).toBe(false);
    expect(await canBind(endpoint.port)).toBe(true);
    await expect(backend.start(instanceId)).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/no longer exists/) });
    await expect(backend.stop(instanceId)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('abort and timeout stop the remote command, not just our wait', async () => {
    const { endpoint } = await create('spec-abort');
    await waitForSsh(pool, 'abort', endpoint, { timeoutMs: 30_000 });
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 300);
    await expect(pool.exec('abort', endpoint, ['sleep', '313'], { signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
    await expect(pool.exec('abort', endpoint, ['sleep', '314'], { timeoutMs: 300 })).rejects.toMatchObject({ code: 'timeout' });
    expect(performance.now() - started).toBeLessThan(5_000);
    // The sleeps got SIGTERM through the channel (exec replaced the shell, so they got it directly).
    let left = '';
    for (let i = 0; i < 20; i++) {
      left = (await run('abort', endpoint, ['pgrep', '-a', 'sleep'])).stdout;
      if (left === '') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(left).toBe('');
  });

  it('5 parallel creates get 5 distinct ports, all reachable', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => create(`spec-par-${i}`)));
    const ports = results.map((r) => r.endpoint.port);
    expect(new Set(ports).size).toBe(5);
    await Promise.all(results.map((r, i) => waitForSsh(pool, `par-${i}`, r.endpoint, { timeoutMs: 30_000 })));
    const names = await Promise.all(results.map((r, i) => run(`par-${i}`, r.endpoint, ['hostname'])));
    expect(names.map((n) => n.stdout.trim())).toEqual(results.map((_, i) => `spec-par-${i}`));
    // Concurrent execs on one pooled connection beyond sshd's MaxSessions (10) queue instead of failing.
    const many = await Promise.all(Array.from({ length: 24 }, (_, i) => run('par-0', results[0]!.endpoint, ['echo', String(i)])));
    expect(many.map((m) => m.stdout)).toEqual(Array.from({ length: 24 }, (_, i) => `${i}\n`));
    for (let i = 0; i < 5; i++) pool.drop(`par-${i}`);
    await Promise.all(results.map((r) => backend.remove(r.instanceId)));
  });

  it('refuses a server whose key is not the pinned one, without retrying', async () => {
    const { endpoint } = await create('spec-key');
    await waitForSsh(pool, 'key', endpoint, { timeoutMs: 30_000 });
    const wrong: SshEndpoint = { ...endpoint, hostKey: { kind: 'pinned', publicKey: generateHostKey().publicKey } };
    const started = performance.now();
    await expect(waitForSsh(pool, 'key-wrong', wrong, { timeoutMs: 30_000 })).rejects.toMatchObject({
      code: 'ssh_failed',
      message: expect.stringMatching(/^The workspace's host key changed — it does not match the key Nexus pinned \(127\.0\.0\.1:\d+: expected SHA256:\S+, got SHA256:\S+\)\. .*Recreate the workspace/),
    });
    expect(performance.now() - started).toBeLessThan(5_000);
    await expect(pool.exec('key-wrong', wrong, ['true'])).rejects.toMatchObject({ code: 'ssh_failed', reason: 'host_key' });

    // Trust on first use: the first key is pinned into known_hosts, a different one later is refused.
    const tofu: SshEndpoint = { ...endpoint, hostKey: { kind: 'tofu' } };
    await pool.exec('key-tofu', tofu, ['true'], { alias: 'nexus-spec-tofu' });
    expect(await knownHosts.get('nexus-spec-tofu')).toBe(endpoint.hostKey.kind === 'pinned' ? endpoint.hostKey.publicKey : null);
    await knownHosts.pin('nexus-spec-tofu-bad', generateHostKey().publicKey);
    await expect(pool.exec('key-tofu-bad', tofu, ['true'], { alias: 'nexus-spec-tofu-bad' })).rejects.toMatchObject({
      code: 'ssh_failed',
      message: expect.stringContaining(`remove the entry "nexus-spec-tofu-bad" from ${knownHosts.path}`),
    });
  });

  it('the generated ssh config works with the real OpenSSH client (strict host key checking), and scp too', async () => {
    const { endpoint } = await create('spec-openssh');
    await waitForSsh(pool, 'openssh', endpoint, { timeoutMs: 30_000 });
    const alias = 'nexus-spec-openssh';
    const config = new SshConfigFile(paths);
    if (endpoint.hostKey.kind !== 'pinned') throw new Error('expected a pinned key');
    await knownHosts.pin(alias, endpoint.hostKey.publicKey);
    await config.upsert({ alias, hostName: endpoint.host, port: endpoint.port, user: endpoint.user, identityFile: identity.privateKeyPath });
    const ssh = (args: string[], tool = 'ssh') => spawnSync(tool, ['-F', paths.sshConfig, ...args], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });

    const ok = ssh([alias, 'true']);
    expect(ok.status, ok.stderr).toBe(0);

    const local = join(home, 'hello file.txt');
    writeFileSync(local, 'hello from scp\n');
    const scp = ssh([local, `${alias}:/workspace/hello.txt`], 'scp');
    expect(scp.status, scp.stderr).toBe(0);
    expect((await run('openssh', endpoint, ['cat', '/workspace/hello.txt'])).stdout).toBe('hello from scp\n');

    // Strict: a wrong pinned key, or none at all, is refused at once (BatchMode: no prompt).
    await knownHosts.pin(alias, generateHostKey().publicKey);
    const changed = ssh([alias, 'true']);
    expect(changed.status).toBe(255);
    expect(changed.stderr).toMatch(/host key|verification failed/i);
    await knownHosts.remove(alias);
    const unknown = ssh([alias, 'true']);
    expect(unknown.status).toBe(255);
    expect(unknown.stderr).toMatch(/verification failed|No ED25519 host key is known/i);
  });

  it("a stopped workspace keeps its port reserved; if another program takes it, start says so", async () => {
    const { instanceId, endpoint } = await create('spec-port');
    await backend.stop(instanceId);
    expect((await portsUsedByContainers(docker)).has(endpoint.port)).toBe(true); // stopped, yet claimed
    const squatter = createServer();
    await new Promise<void>((ok) => squatter.listen(endpoint.port, '127.0.0.1', ok));
    try {
      await expect(backend.start(instanceId)).rejects.toMatchObject({
        code: 'conflict',
        message: `Port 127.0.0.1:${endpoint.port}, the workspace's SSH port, is in use by another program. Stop that program, or delete and recreate the workspace.`,
      });
    } finally {
      await new Promise((ok) => squatter.close(ok));
    }
    expect(await backend.start(instanceId)).toEqual(endpoint);
    await waitForSsh(pool, 'port', endpoint, { timeoutMs: 30_000 });
    pool.drop('port');
    await backend.remove(instanceId);
  });

  it('a cancelled create leaves no container behind', async () => {
    const controller = new AbortController();
    const id = wsId();
    const attempt = backend.create(
      { workspaceId: id, name: 'spec-cancel', repo: '/tmp/r', authorizedKey: identity.publicKey },
      (detail) => {
        if (detail.startsWith('Starting container')) controller.abort();
      },
      controller.signal,
    );
    await expect(attempt).rejects.toMatchObject({ code: 'cancelled' });
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.id}=${id}`] } });
    expect(left).toEqual([]);
  });

  it('refuses an authorized key that is not one public key line', async () => {
    await expect(
      backend.create({ workspaceId: wsId(), name: 'spec-bad', repo: '/r', authorizedKey: `${identity.publicKey}\nssh-ed25519 AAAAC3Nza evil` }, noReport, never),
    ).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('with DOCKER_HOST pointing at a missing socket, create fails with exactly the docker_unavailable message', async () => {
    const offline = new DockerBackend({ imageContext: resolve('images/workspace'), log, env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent.sock' } });
    await expect(
      offline.create({ workspaceId: wsId(), name: 'spec-offline', repo: '/r', authorizedKey: identity.publicKey }, noReport, never),
    ).rejects.toMatchObject({ code: 'docker_unavailable', message: DOCKER_NOT_RUNNING });
    expect(await offline.available()).toEqual({ ok: false, reason: DOCKER_NOT_RUNNING });
    await expect(offline.prepare(noReport, never)).rejects.toMatchObject({ code: 'docker_unavailable', message: DOCKER_NOT_RUNNING });
  });

  it('prepare finds the existing image without building', async () => {
    const lines: string[] = [];
    await backend.prepare((d) => lines.push(d), never);
    expect(lines).toEqual(['Image nexus-workspace:latest is present.']);
  });
});
