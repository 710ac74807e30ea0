/**
 * Test-only helpers for the sync specs (imported by *.spec.ts and bench/sync.ts, never by the app):
 * a workspace container started by hand so a spec controls its port and host key (recreating a
 * container "empty, same port, same host key" is something the Docker backend never does).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NexusPaths } from '../config/paths.js';
import { run, runOk } from '../process/run.js';
import { ensureIdentity, generateHostKey } from '../ssh/keys.js';
import { KnownHosts } from '../ssh/known-hosts.js';
import { SshConfigFile } from '../ssh/ssh-config.js';

export const TEST_LABEL = 'nexus.test.sync';
const IMAGE = 'nexus-workspace:latest';

export interface TestWorkspace {
  container: string;
  alias: string;
  port: number;
  hostKey: { privateKey: string; publicKey: string };
  authorizedKey: string;
}

/** A port nothing listens on now (the kernel's pick for 127.0.0.1:0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A running workspace container reachable as `alias` through Nexus's ssh config in `paths`
 * (host key generated here, pinned in Nexus's known_hosts; the Nexus identity authorized).
 */
export async function startTestWorkspace(paths: NexusPaths, alias: string, owner: string): Promise<TestWorkspace> {
  const identity = await ensureIdentity(paths);
  const ws: TestWorkspace = {
    container: `nexus-synctest-${randomBytes(4).toString('hex')}`,
    alias,
    port: await freePort(),
    hostKey: generateHostKey(),
    authorizedKey: identity.publicKey,
  };
  await runContainer(ws, owner);
  await new KnownHosts(paths).pin(alias, ws.hostKey.publicKey);
  await new SshConfigFile(paths).upsert({ alias, hostName: '127.0.0.1', port: ws.port, user: 'nexus', identityFile: identity.privateKeyPath });
  await waitForSsh(paths, alias);
  return ws;
}

/** Replaces the container with a new, empty one: same port, same host key, same authorized key. */
export async function recreateEmpty(paths: NexusPaths, ws: TestWorkspace, owner: string): Promise<void> {
  await run('docker', ['rm', '-f', ws.container], { timeoutMs: 60_000 });
  ws.container = `nexus-synctest-${randomBytes(4).toString('hex')}`;
  await runContainer(ws, owner);
  await waitForSsh(paths, ws.alias);
}

async function runContainer(ws: TestWorkspace, owner: string): Promise<void> {
  await runOk('docker', [
    'create',
    '--name',
    ws.container,
    '--label',
    `${TEST_LABEL}=${owner}`,
    '-p',
    `127.0.0.1:${ws.port}:22`,
    IMAGE,
  ]);
  const dir = await mkdtemp(join(tmpdir(), 'nx-keys-'));
  try {
    const files: Array<[string, string, number]> = [
      ['ssh_host_ed25519_key', ws.hostKey.privateKey, 0o600],
      ['ssh_host_ed25519_key.pub', `${ws.hostKey.publicKey}\n`, 0o644],
      ['authorized_keys', `${ws.authorizedKey}\n`, 0o644],
    ];
    for (const [name, content, mode] of files) {
      await writeFile(join(dir, name), content, { mode });
      await runOk('docker', ['cp', join(dir, name), `${ws.container}:/etc/ssh/nexus/${name}`]);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await runOk('docker', ['start', ws.container], { timeoutMs: 60_000 });
}

export function sshArgs(paths: NexusPaths, alias: string, script: string): string[] {
  return ['-F', paths.sshConfig, alias, script];
}

/** Runs a shell script in the workspace over Nexus's ssh config; resolves with stdout. */
export async function remote(paths: NexusPaths, alias: string, script: string, input?: string): Promise<string> {
  return runOk('ssh', sshArgs(paths, alias, script), { timeoutMs: 30_000, ...(input !== undefined ? { input } : {}) });
}

export async function waitForSsh(paths: NexusPaths, alias: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const r = await run('ssh', sshArgs(paths, alias, 'true'), { timeoutMs: 10_000 });
    if (r.code === 0) return;
    last = r.stderr.trim();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`ssh ${alias} did not answer within ${timeoutMs} ms: ${last}`);
}

/** Removes every container a sync spec run started (by its owner label). */
export async function removeTestContainers(owner: string): Promise<void> {
  const ids = (await run('docker', ['ps', '-aq', '--filter', `label=${TEST_LABEL}=${owner}`])).stdout.split('\n').filter(Boolean);
  if (ids.length) await run('docker', ['rm', '-f', ...ids], { timeoutMs: 60_000 });
}

/** Polls `probe` until it returns true; resolves with the milliseconds it took. */
export async function until(probe: () => Promise<boolean> | boolean, timeoutMs: number, what: string, intervalMs = 50): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Starts a loop in the workspace that ends when `path` holds exactly `content`, and resolves
 * `ready` once the loop runs; `seenAt` is the workspace clock (the host's, for a container)
 * in ms when it saw the content.
 */
export function remoteWatch(paths: NexusPaths, alias: string, path: string, content: string): { ready: Promise<void>; seenAt: Promise<number> } {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    // `$(…)` drops trailing newlines: append a marker on both sides of the comparison.
  const script = `echo ready; while [ "$(cat ${q(path)} 2>/dev/null; echo .)" != ${q(`${content}.`)} ]; do sleep 0.01; done; date +%s%N`;
  const child = spawn('ssh', sshArgs(paths, alias, script), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    if (out.includes('ready\n')) markReady();
  });
  const seenAt = new Promise<number>((resolve, reject) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      const ns = out.split('\n').filter(Boolean).pop();
      if (code === 0 && ns && /^\d+$/.test(ns)) resolve(Number(BigInt(ns) / 1_000_000n));
      else reject(new Error(`remote watch of ${path} failed (exit ${String(code)})`));
    });
  });
  return { ready, seenAt };
}

/** Writes `content` to `path` in the workspace; resolves with the workspace clock (ms) right after. */
export async function remoteWrite(paths: NexusPaths, alias: string, path: string, content: string): Promise<number> {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const out = await remote(paths, alias, `mkdir -p "$(dirname ${q(path)})" && printf %s ${q(content)} > ${q(path)} && date +%s%N`);
  return Number(BigInt(out.trim()) / 1_000_000n);
}
