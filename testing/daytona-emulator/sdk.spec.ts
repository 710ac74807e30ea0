import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Daytona,
  DaytonaAuthenticationError,
  DaytonaConflictError,
  DaytonaConnectionError,
  DaytonaInternalServerError,
  DaytonaNotFoundError,
  DaytonaRateLimitError,
  DaytonaServiceUnavailableError,
  DaytonaValidationError,
} from '@daytonaio/sdk';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireParts } from '../parts.js';
import { startEmulator } from './emulator.js';
import type { RunningEmulator } from './emulator.js';
import { ssh, waitFor } from './spec-helpers.js';

const parts = await requireParts(['docker', 'workspace-image', 'ssh']);

describe.skipIf(!parts.ok)('Daytona emulator driven by the real @daytonaio/sdk', () => {
  let emu: RunningEmulator;
  let daytona: Daytona;
  const docker = new Docker();
  const suite = `sdk-${Date.now()}`;
  const tmp = mkdtempSync(join(tmpdir(), 'emu-sdk-spec-'));
  const extra: RunningEmulator[] = [];

  beforeAll(async () => {
    emu = await startEmulator({ timeScale: 60, dataDir: join(tmp, 'data') });
    daytona = new Daytona({ apiKey: emu.apiKey, apiUrl: emu.apiUrl });
  });

  afterAll(async () => {
    await daytona?.[Symbol.asyncDispose]();
    for (const e of [emu, ...extra]) {
      if (!e) continue;
      await e.removeAllSandboxes();
      await e.stop();
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${emu.apiUrl}${path}`, { ...init, headers: { Authorization: `Bearer ${emu.apiKey}`, ...(init.headers ?? {}) } });

  it('runs create → SSH access → stop → start → get → list → delete', async () => {
    const name = `${suite}-life`;
    const sandbox = await daytona.create({ name, labels: { suite, role: 'life' }, autoStopInterval: 30 });
    expect(sandbox.state).toBe('started');
    expect(sandbox.name).toBe(name);
    expect(sandbox.autoStopInterval).toBe(30);
    expect(sandbox.labels).toMatchObject({ suite, role: 'life', 'code-toolbox-language': 'python' });
    expect(sandbox.toolboxProxyUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/toolbox$/);

    // A real container from the workspace image, labelled, sshd published on 127.0.0.1:40000–44999.
    const view = (await emu.admin.state()).sandboxes.find((s) => s.id === sandbox.id);
    expect(view?.containerId).toBeTruthy();
    const info = await docker.getContainer(view?.containerId ?? '').inspect();
    expect(info.Config.Image).toBe('nexus-workspace:latest');
    expect(info.Config.Labels['daytona-emulator.sandbox']).toBe(sandbox.id);
    expect(JSON.parse(info.Config.Labels['daytona-emulator.labels'] ?? '{}')).toMatchObject({ suite, role: 'life' });
    const binding = info.HostConfig.PortBindings?.['22/tcp']?.[0];
    expect(binding?.HostIp).toBe('127.0.0.1');
    expect(Number(binding?.HostPort)).toBeGreaterThanOrEqual(40000);
    expect(Number(binding?.HostPort)).toBeLessThanOrEqual(44999);
    expect(info.State.Running).toBe(true);

    const access = await sandbox.createSshAccess(60);
    expect(access.token).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(access.sandboxId).toBe(sandbox.id);
    expect(access.sshCommand).toBe(`ssh -p ${emu.gateway.port} ${access.token}@127.0.0.1`);
    expect(new Date(access.expiresAt).getTime() - new Date(access.createdAt).getTime()).toBe(60 * 60_000);
    expect(await sandbox.validateSshAccess(access.token)).toEqual({ valid: true, sandboxId: sandbox.id });

    await sandbox.stop();
    expect(sandbox.state).toBe('stopped');
    expect((await docker.getContainer(info.Id).inspect()).State.Running).toBe(false);
    // The server refuses to stop a stopped sandbox (400 → the SDK's validation error class).
    await expect(sandbox.stop()).rejects.toBeInstanceOf(DaytonaValidationError);

    await sandbox.start();
    expect(sandbox.state).toBe('started');
    expect((await docker.getContainer(info.Id).inspect()).State.Running).toBe(true);

    const byId = await daytona.get(sandbox.id);
    const byName = await daytona.get(name);
    expect(byId.id).toBe(sandbox.id);
    expect(byName.id).toBe(sandbox.id);
    expect(byId.state).toBe('started');
    expect(byId.env).toEqual({});

    const listed: string[] = [];
    for await (const s of daytona.list({ labels: { suite, role: 'life' } })) listed.push(s.id);
    expect(listed).toEqual([sandbox.id]);
    const none: string[] = [];
    for await (const s of daytona.list({ labels: { suite, role: 'nobody' } })) none.push(s.id);
    expect(none).toEqual([]);

    await sandbox.setLabels({ suite, role: 'relabelled' });
    expect((await daytona.get(sandbox.id)).labels).toEqual({ suite, role: 'relabelled' });
    await sandbox.setAutostopInterval(0);
    expect((await daytona.get(sandbox.id)).autoStopInterval).toBe(0);
    await sandbox.refreshActivity();

    await sandbox.delete();
    await waitFor('the sandbox to be gone', async () => {
      const err = await daytona.get(sandbox.id).then(
        () => null,
        (e: unknown) => e,
      );
      return err instanceof DaytonaNotFoundError ? err : undefined;
    });
    await waitFor('the container to be removed', () =>
      docker
        .getContainer(info.Id)
        .inspect()
        .then(
          () => undefined,
          () => true,
        ),
    );
  });

  it('answers a wrong key with 401 in the server error shape and the SDK raises DaytonaAuthenticationError', async () => {
    const res = await fetch(`${emu.apiUrl}/sandbox`, { headers: { Authorization: 'Bearer wrong-key' } });
    expect(res.status).toBe(401);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['error', 'message', 'path', 'statusCode', 'timestamp']);
    expect(body).toMatchObject({ statusCode: 401, error: 'Unauthorized', path: '/api/sandbox' });
    expect(new Date(String(body.timestamp)).getTime()).toBeGreaterThan(0);
    expect((await fetch(`${emu.apiUrl}/sandbox`)).status).toBe(401);

    const wrong = new Daytona({ apiKey: 'wrong-key', apiUrl: emu.apiUrl });
    try {
      const err = await wrong.get('anything').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DaytonaAuthenticationError);
      expect((err as DaytonaAuthenticationError).statusCode).toBe(401);
    } finally {
      await wrong[Symbol.asyncDispose]();
    }
  });

  it('answers 404 on socket.io, 404 for unknown sandboxes, and takes body-less form-encoded POSTs', async () => {
    const sio = await api('/socket.io/?EIO=4&transport=polling');
    expect(sio.status).toBe(404);
    const missing = await api('/sandbox/does-not-exist');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toContain('not found');
    await expect(daytona.get('does-not-exist')).rejects.toBeInstanceOf(DaytonaNotFoundError);

    const created = await api('/sandbox', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ labels: { suite, role: 'form' }, autoStopInterval: 0 }),
    });
    expect(created.status).toBe(200);
    const dto = (await created.json()) as { id: string; state: string; toolboxProxyUrl: string; env: object };
    expect(dto.state).toBe('creating');
    expect(dto.toolboxProxyUrl).toBeTruthy();
    expect(dto.env).toEqual({});
    // What axios sends for a POST without data: form-encoded, empty body.
    const touched = await api(`/sandbox/${dto.id}/last-activity`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(touched.status).toBe(200);
    // A state change while one is in progress is a conflict.
    const stopWhileCreating = await api(`/sandbox/${dto.id}/stop`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(stopWhileCreating.status).toBe(409);
    expect(((await stopWhileCreating.json()) as { message: string }).message).toBe('Sandbox state change in progress');
    const sandbox = await daytona.get(dto.id);
    // Generous: three suites may be starting containers on two cores at once.
    await sandbox.waitUntilStarted(90);
    await expect(daytona.create({ name: sandbox.name })).rejects.toBeInstanceOf(DaytonaConflictError);
    await expect(daytona.create({ snapshot: 'no-such-snapshot' })).rejects.toBeInstanceOf(DaytonaValidationError);
    // `image: '<local image>'` (the SDK sends buildInfo.dockerfileContent "FROM <image>").
    const fromImage = await daytona.create({ image: 'nexus-workspace:latest', labels: { suite, role: 'image' }, autoStopInterval: 0 });
    expect(fromImage.state).toBe('started');
    expect(fromImage.snapshot).toBe('nexus-workspace:latest');
  });

  it('pages the list with a cursor and with the older /sandbox/paginated', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api('/sandbox', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ labels: { suite, role: 'page' }, autoStopInterval: 0 }),
      });
      ids.push(((await res.json()) as { id: string }).id);
    }
    const labels = encodeURIComponent(JSON.stringify({ suite, role: 'page' }));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await api(`/sandbox?labels=${labels}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      const page = (await res.json()) as { items: { id: string; env?: unknown }[]; nextCursor: string | null };
      for (const item of page.items) {
        seen.push(item.id);
        expect(item.env).toBeUndefined(); // list items are SandboxListItem (no env)
      }
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen.sort()).toEqual([...ids].sort());

    const sdkSeen: string[] = [];
    for await (const s of daytona.list({ labels: { suite, role: 'page' }, limit: 1 })) sdkSeen.push(s.id);
    expect(sdkSeen.sort()).toEqual([...ids].sort());

    const old = (await (await api(`/sandbox/paginated?labels=${labels}&page=2&limit=2`)).json()) as {
      items: { id: string }[];
      total: number;
      page: number;
      totalPages: number;
    };
    expect(old).toMatchObject({ total: 3, page: 2, totalPages: 2 });
    expect(old.items).toHaveLength(1);
  });

  it('delivers each injected fault as configured and the SDK raises its own error class', async () => {
    const sandbox = await daytona.create({ labels: { suite, role: 'faults' }, autoStopInterval: 0 });
    const path = `/sandbox/${sandbox.id}`;

    // 429 with Retry-After: DaytonaRateLimitError; the header is on err.headers (axios headers).
    await emu.admin.injectFault({ path, method: 'GET', status: 429, retryAfter: 7 });
    const limited = await daytona.get(sandbox.id).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(DaytonaRateLimitError);
    const rl = limited as DaytonaRateLimitError;
    expect(rl.statusCode).toBe(429);
    expect((rl.headers as Record<string, unknown>)['retry-after']).toBe('7');
    expect(rl.message).toContain('Too Many Requests');
    // Used up: the next request goes through.
    expect((await daytona.get(sandbox.id)).id).toBe(sandbox.id);

    // 503 twice, then fine.
    await emu.admin.injectFault({ path, status: 503, times: 2 });
    await expect(daytona.get(sandbox.id)).rejects.toBeInstanceOf(DaytonaServiceUnavailableError);
    await expect(daytona.get(sandbox.id)).rejects.toBeInstanceOf(DaytonaServiceUnavailableError);
    expect((await daytona.get(sandbox.id)).id).toBe(sandbox.id);

    // 500 on a regex and a method: GETs pass, the POST fails.
    await emu.admin.injectFault({ pathRegex: '^/sandbox/[^/]+/ssh-access$', method: 'POST', status: 500, message: 'boom' });
    expect((await daytona.get(sandbox.id)).id).toBe(sandbox.id);
    const boom = await sandbox.createSshAccess(5).catch((e: unknown) => e);
    expect(boom).toBeInstanceOf(DaytonaInternalServerError);
    expect((boom as Error).message).toBe('boom');

    // Latency.
    await emu.admin.injectFault({ path, delayMs: 700 });
    const t0 = Date.now();
    await daytona.get(sandbox.id);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(650);

    // A reset connection: not retried for POST (DaytonaConnectionError) …
    await emu.admin.injectFault({ path: `${path}/autostop`, reset: true });
    await expect(sandbox.setAutostopInterval(3)).rejects.toBeInstanceOf(DaytonaConnectionError);
    // … but a GET is replayed once by the SDK's connection retry, so it succeeds.
    const reset = await emu.admin.injectFault({ path, method: 'GET', reset: true });
    expect((await daytona.get(sandbox.id)).id).toBe(sandbox.id);
    expect((await emu.admin.faults()).find((f) => f.id === reset.id)).toBeUndefined();

    // Unlimited until cleared.
    await emu.admin.injectFault({ path: '/api/sandbox', method: 'GET', status: 503, times: -1 });
    await expect(daytona.get(sandbox.id)).rejects.toBeInstanceOf(DaytonaServiceUnavailableError);
    await expect(daytona.get(sandbox.id)).rejects.toBeInstanceOf(DaytonaServiceUnavailableError);
    expect(await emu.admin.clearFaults()).toBe(1);
    expect((await daytona.get(sandbox.id)).state).toBe('started');
    expect(await emu.admin.faults()).toEqual([]);
  });

  it('re-adopts its sandboxes (and their tokens) after a restart on the same data dir', async () => {
    const dataDir = join(tmp, 'restart');
    const first = await startEmulator({ timeScale: 60, dataDir });
    extra.push(first);
    const client1 = new Daytona({ apiKey: first.apiKey, apiUrl: first.apiUrl });
    let sandboxId: string;
    let token: string;
    try {
      const sandbox = await client1.create({ name: `${suite}-restart`, labels: { suite, role: 'restart' }, autoStopInterval: 0 });
      sandboxId = sandbox.id;
      token = (await sandbox.createSshAccess(600)).token;
      expect((await ssh(first.gateway.port, token, tmp, 'echo before')).stdout).toBe('before\n');
    } finally {
      await client1[Symbol.asyncDispose]();
    }
    await first.stop();

    // Same gateway port, so the known_hosts entry of the first run must still match.
    const second = await startEmulator({ timeScale: 60, dataDir, gatewayPort: first.gateway.port });
    extra.push(second);
    expect(second.apiKey).toBe(first.apiKey); // generated once, kept in the data dir
    const client2 = new Daytona({ apiKey: second.apiKey, apiUrl: second.apiUrl });
    try {
      const again = await client2.get(`${suite}-restart`);
      expect(again.id).toBe(sandboxId);
      expect(again.state).toBe('started');
      expect(again.labels).toMatchObject({ suite, role: 'restart' });
      // Same gateway host key (known_hosts from the first run still matches) and the token survived.
      const r = await ssh(second.gateway.port, token, tmp, 'echo after');
      expect(r.stderr).not.toContain('HOST IDENTIFICATION HAS CHANGED');
      expect(r.stdout).toBe('after\n');
    } finally {
      await client2[Symbol.asyncDispose]();
    }
  });
});
