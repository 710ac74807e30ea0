import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLogger, registerSecret } from '../../main/log/logger.js';
import type { Level, Logger } from '../../main/log/logger.js';
import { createAdminClient } from './admin-client.js';
import type { AdminClient } from './admin-client.js';
import { startApiServer } from './api.js';
import { EmulatedClock } from './clock.js';
import { createDocker, imageExists } from './docker.js';
import { FaultInjector } from './faults.js';
import { SshGateway } from './gateway.js';
import { loadOrCreateKeyPair, writeAtomic } from './keys.js';
import { DEFAULT_DELAYS, SandboxStore, readRecords } from './store.js';
import type { TransitionDelays } from './store.js';

export const DEFAULT_IMAGE = 'nexus-workspace:latest';
const HOST = '127.0.0.1';
/** The server's auto-stop job runs every 10 s (emulated). */
export const AUTO_STOP_CHECK_EVERY_MS = 10_000;

export interface EmulatorOptions {
  /** Bearer key the API accepts; generated (and kept in the data dir) when omitted. */
  apiKey?: string;
  /** Bearer token of `/_admin/...`; the API key when omitted. */
  adminToken?: string;
  /** Emulated seconds per real second (60 = one emulated minute per second). Default 1. */
  timeScale?: number;
  /** Where keys, the instance id and sandbox records live. A fresh temp dir when omitted. */
  dataDir?: string;
  /** API port on 127.0.0.1 (0 = any free port, the default). */
  port?: number;
  /** SSH gateway port on 127.0.0.1 (0 = any free port, the default). */
  gatewayPort?: number;
  /** Image of the default snapshot. Default `nexus-workspace:latest`. */
  image?: string;
  /** Extra snapshot name → local image mappings (a snapshot naming a local image works anyway). */
  snapshots?: Record<string, string>;
  /** Minimum emulated seconds of the creating/starting/stopping/destroying states. */
  delays?: Partial<TransitionDelays>;
  logger?: Logger;
  /** Log level of the default logger (default: NEXUS_LOG_LEVEL or `warn`). */
  logLevel?: Level;
}

export interface RunningEmulator {
  /** Pass as `apiUrl` to `new Daytona({ apiKey, apiUrl })`; ends in `/api`. */
  apiUrl: string;
  apiKey: string;
  adminToken: string;
  gateway: { host: string; port: number };
  dataDir: string;
  /** Typed helpers over `/_admin/...`. */
  admin: AdminClient;
  /** Stops the servers (the containers stay; a new emulator on the same dataDir re-adopts them). */
  stop(): Promise<void>;
  /** Deletes every sandbox of this emulator and its container (tests' afterAll). */
  removeAllSandboxes(): Promise<void>;
}

interface InstanceFile {
  instanceId: string;
  organizationId: string;
  apiKey?: string;
}

function loadInstance(dataDir: string): InstanceFile {
  const path = join(dataDir, 'emulator.json');
  if (existsSync(path)) {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as InstanceFile;
    } catch {
      // fall through: a new identity (the old containers are then not adopted)
    }
  }
  const fresh: InstanceFile = { instanceId: randomUUID(), organizationId: randomUUID() };
  writeAtomic(path, JSON.stringify(fresh, null, 2));
  return fresh;
}

/** Starts the Daytona emulator: REST API + SSH gateway + Docker-backed sandboxes. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const logger =
    options.logger ?? createLogger('daytona-emulator', { level: options.logLevel ?? (process.env.NEXUS_LOG_LEVEL as Level | undefined) ?? 'warn' });
  const dataDir = resolve(options.dataDir ?? mkdtempSync(join(tmpdir(), 'daytona-emulator-')));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  const instance = loadInstance(dataDir);
  let apiKey = options.apiKey ?? instance.apiKey;
  if (!apiKey) {
    apiKey = `dtn_emu_${randomBytes(24).toString('hex')}`;
    writeAtomic(join(dataDir, 'emulator.json'), JSON.stringify({ ...instance, apiKey }, null, 2));
  }
  const adminToken = options.adminToken ?? apiKey;
  registerSecret(apiKey);
  registerSecret(adminToken);

  const docker = createDocker();
  try {
    await docker.ping();
  } catch (err) {
    throw new Error(`Daytona emulator: the Docker engine is not reachable (${(err as Error).message}). Start dockerd first.`, { cause: err });
  }
  const image = options.image ?? DEFAULT_IMAGE;
  if (!(await imageExists(docker, image))) logger.warn(`default snapshot image ${image} does not exist yet; sandbox creation will fail until it does`);

  // Emulated time never runs backwards across restarts (a fast clock may be ahead of real time).
  const notBefore = Math.max(0, ...readRecords(dataDir).flatMap((r) => [r.updatedAt, r.lastActivityAt]));
  const clock = new EmulatedClock(options.timeScale ?? 1, notBefore);
  const gatewayHostKey = loadOrCreateKeyPair(join(dataDir, 'gateway_host_ed25519_key'), 'daytona-emulator-gateway');
  const clientKey = loadOrCreateKeyPair(join(dataDir, 'gateway_client_ed25519_key'), 'daytona-emulator-client');

  const store = new SandboxStore({
    docker,
    clock,
    dataDir,
    instanceId: instance.instanceId,
    defaultImage: image,
    snapshots: options.snapshots ?? {},
    delays: { ...DEFAULT_DELAYS, ...options.delays },
    gatewayClientPublicKey: clientKey.public,
    logger,
  });
  await store.adopt();

  const gateway = new SshGateway({
    host: HOST,
    port: options.gatewayPort ?? 0,
    hostKey: gatewayHostKey.private,
    clientKey: clientKey.private,
    store,
    clock,
    logger,
  });
  store.onLeaveStarted = (id) => {
    gateway.dropConnections(id);
  };
  await gateway.listen();

  const faults = new FaultInjector();
  const api = await startApiServer(
    {
      store,
      faults,
      clock,
      gateway,
      apiKey,
      adminToken,
      logger,
      organizationId: instance.organizationId,
      runAutoStop: () => store.autoStopCheck(),
    },
    HOST,
    options.port ?? 0,
  ).catch(async (err: unknown) => {
    await gateway.close();
    throw err;
  });

  // The scheduler: one emulated second per tick (20 ms … 1 s real): gateway keep-alive, and the
  // auto-stop job every 10 emulated seconds.
  let nextAutoStop = clock.now() + AUTO_STOP_CHECK_EVERY_MS;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    try {
      gateway.keepAlive();
      if (clock.now() >= nextAutoStop) {
        nextAutoStop = clock.now() + AUTO_STOP_CHECK_EVERY_MS;
        store.autoStopCheck();
      }
    } catch (err) {
      logger.error('scheduler tick failed', err);
    }
    timer = setTimeout(tick, Math.min(1000, Math.max(20, 1000 / clock.timeScale)));
    timer.unref();
  };
  tick();

  const apiUrl = `http://${HOST}:${api.port}/api`;
  logger.info(`listening: API ${apiUrl}, SSH gateway ${HOST}:${gateway.port}, data ${dataDir}, time scale ${clock.timeScale}`);

  return {
    apiUrl,
    apiKey,
    adminToken,
    gateway: { host: HOST, port: gateway.port },
    dataDir,
    admin: createAdminClient({ apiUrl, adminToken }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      store.close();
      await Promise.all([api.close(), gateway.close()]);
      await store.drain();
    },
    removeAllSandboxes: () => store.removeAll(),
  };
}
