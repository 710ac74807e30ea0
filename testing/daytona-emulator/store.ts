import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { tarFiles } from '../../main/docker/tar.js';
import type { Logger } from '../../main/log/logger.js';
import { registerSecret } from '../../main/log/logger.js';
import type { EmulatedClock } from './clock.js';
import {
  LABEL,
  allocateSshPort,
  describeDockerError,
  imageExists,
  isPortConflict,
  waitForSsh,
} from './docker.js';
import { generateEd25519, writeAtomic } from './keys.js';
import type { DesiredState, EmulatedState, SandboxRecord, SshAccessRecord } from './types.js';

/** An error the API layer turns into the server's JSON error body. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Emulated seconds each transition takes at least (the Docker work may take longer). */
export interface TransitionDelays {
  create: number;
  start: number;
  stop: number;
  delete: number;
}

export const DEFAULT_DELAYS: TransitionDelays = { create: 3, start: 2, stop: 2, delete: 1 };

export interface CreateParams {
  name?: string;
  snapshot?: string;
  /** `buildInfo.dockerfileContent` — only a plain `FROM <image>` is supported. */
  dockerfileContent?: string;
  user?: string;
  env?: Record<string, string>;
  labels?: Record<string, string>;
  public?: boolean;
  target?: string;
  cpu?: number;
  gpu?: number;
  memory?: number;
  disk?: number;
  autoStopInterval?: number;
  autoArchiveInterval?: number;
  autoDeleteInterval?: number;
}

export interface StoreOptions {
  docker: Docker;
  clock: EmulatedClock;
  dataDir: string;
  instanceId: string;
  /** Image for the default snapshot. */
  defaultImage: string;
  /** Snapshot name → local image (besides: a snapshot naming a local image uses that image). */
  snapshots: Record<string, string>;
  delays: TransitionDelays;
  /** The emulator's own public key, authorized for user `nexus` in every sandbox. */
  gatewayClientPublicKey: string;
  logger: Logger;
}

export type TokenCheck = { ok: true; sandbox: SandboxRecord; access: SshAccessRecord } | { ok: false; reason: string };

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const MINUTE = 60_000;

/** 32 alphanumerics, like the server's nanoid without `-` and `_`. */
export function newToken(): string {
  let out = '';
  while (out.length < 32) {
    for (const byte of randomBytes(48)) {
      if (byte < 248 && out.length < 32) out += TOKEN_ALPHABET[byte % 62];
    }
  }
  return out;
}

/** Reads the persisted sandbox records of a data dir. */
export function readRecords(dataDir: string): SandboxRecord[] {
  const dir = join(dataDir, 'sandboxes');
  if (!existsSync(dir)) return [];
  const out: SandboxRecord[] = [];
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.json')) continue;
    try {
      out.push(JSON.parse(readFileSync(join(dir, file), 'utf8')) as SandboxRecord);
    } catch {
      // A torn file is dropped; the container's labels still bring the sandbox back.
    }
  }
  return out;
}

/**
 * The sandbox table and its lifecycle: every sandbox is a Docker container; state changes run
 * in the background (one at a time per sandbox) while the API answers at once with the
 * transitional state, as the real server does.
 */
export class SandboxStore {
  private readonly records = new Map<string, SandboxRecord>();
  private readonly ops = new Map<string, Promise<void>>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly dir: string;
  private closed = false;
  /** Called when a sandbox starts stopping or is deleted: the gateway drops its connections. */
  onLeaveStarted: (sandboxId: string) => void = () => undefined;

  constructor(private readonly o: StoreOptions) {
    this.dir = join(o.dataDir, 'sandboxes');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  // ---------------------------------------------------------------- adoption

  /** Rebuilds the table from this instance's containers (a restarted emulator re-adopts them). */
  async adopt(): Promise<void> {
    const persisted = new Map(readRecords(this.o.dataDir).map((r) => [r.id, r]));
    const containers = await this.o.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL.instance}=${this.o.instanceId}`] },
    });
    for (const c of containers) {
      const id = c.Labels[LABEL.sandbox];
      if (!id) continue;
      const rec = persisted.get(id) ?? this.recordFromLabels(id, c);
      persisted.delete(id);
      rec.containerId = c.Id;
      const running = c.State === 'running';
      rec.state = running ? 'started' : 'stopped';
      rec.desiredState = running ? 'started' : 'stopped';
      delete rec.errorReason;
      this.records.set(id, rec);
      this.save(rec);
      for (const a of rec.sshAccess) registerSecret(a.token);
      this.o.logger.info(`adopted sandbox ${id} (${rec.name}) from container ${c.Names[0] ?? c.Id}: ${rec.state}`);
    }
    // Records without a container: the container was removed behind our back.
    for (const id of persisted.keys()) rmSync(join(this.dir, `${id}.json`), { force: true });
  }

  private recordFromLabels(id: string, c: Docker.ContainerInfo): SandboxRecord {
    let labels: Record<string, string> = {};
    try {
      labels = JSON.parse(c.Labels[LABEL.labels] ?? '{}') as Record<string, string>;
    } catch {
      // keep empty
    }
    const now = this.o.clock.now();
    return {
      id,
      name: c.Labels[LABEL.name] ?? id,
      snapshot: c.Labels[LABEL.snapshot] ?? 'default',
      image: c.Image,
      user: 'nexus',
      env: {},
      labels,
      public: false,
      target: 'us',
      cpu: 1,
      gpu: 0,
      memory: 1,
      disk: 3,
      state: 'stopped',
      desiredState: 'stopped',
      autoStopInterval: 15,
      autoArchiveInterval: 10080,
      autoDeleteInterval: -1,
      createdAt: c.Created * 1000,
      updatedAt: now,
      lastActivityAt: now,
      containerId: c.Id,
      containerName: (c.Names[0] ?? `daytona-emulator-${id}`).replace(/^\//, ''),
      sshPort: Number(c.Labels[LABEL.sshPort]),
      // Unknown after a lost record: the gateway then trusts the key on first use.
      hostKey: { private: '', public: '' },
      sshAccess: [],
    };
  }

  // ---------------------------------------------------------------- queries

  all(): SandboxRecord[] {
    return [...this.records.values()];
  }

  find(idOrName: string): SandboxRecord | undefined {
    const byId = this.records.get(idOrName);
    if (byId) return byId;
    for (const r of this.records.values()) if (r.name === idOrName) return r;
    return undefined;
  }

  get(idOrName: string): SandboxRecord {
    const rec = this.find(idOrName);
    if (!rec) throw new ApiError(404, `Sandbox with ID or name ${idOrName} not found`);
    return rec;
  }

  // ---------------------------------------------------------------- lifecycle

  async create(params: CreateParams): Promise<SandboxRecord> {
    const checkInterval = (v: number | undefined, what: string, min = 0) => {
      if (v !== undefined && (!Number.isInteger(v) || v < min)) {
        throw new ApiError(400, `${what} must be ${min === 0 ? 'a non-negative' : 'an'} integer`);
      }
    };
    checkInterval(params.autoStopInterval, 'autoStopInterval');
    checkInterval(params.autoArchiveInterval, 'autoArchiveInterval');
    checkInterval(params.autoDeleteInterval, 'autoDeleteInterval', -1);
    if (params.name !== undefined && (typeof params.name !== 'string' || params.name.trim() === '')) {
      throw new ApiError(400, 'name must be a non-empty string');
    }
    if (params.name && this.find(params.name)) throw new ApiError(409, `Sandbox with name ${params.name} already exists`);
    for (const [what, map] of [
      ['labels', params.labels],
      ['env', params.env],
    ] as const) {
      if (map !== undefined && (typeof map !== 'object' || map === null || Object.values(map).some((v) => typeof v !== 'string'))) {
        throw new ApiError(400, `${what} must be an object of strings`);
      }
    }
    const { snapshot, image } = await this.resolveImage(params);

    const id = randomUUID();
    const now = this.o.clock.now();
    const sshPort = await allocateSshPort(this.o.docker, this.all().map((r) => r.sshPort));
    const rec: SandboxRecord = {
      id,
      name: params.name ?? id,
      snapshot,
      image,
      user: params.user ?? 'nexus',
      env: { ...(params.env ?? {}) },
      labels: { ...(params.labels ?? {}) },
      public: params.public ?? false,
      target: params.target ?? 'us',
      cpu: params.cpu ?? 1,
      gpu: params.gpu ?? 0,
      memory: params.memory ?? 1,
      disk: params.disk ?? 3,
      state: 'creating',
      desiredState: 'started',
      autoStopInterval: params.autoStopInterval ?? 15,
      autoArchiveInterval: params.autoArchiveInterval || 10080,
      autoDeleteInterval: params.autoDeleteInterval ?? -1,
      createdAt: now,
      updatedAt: now,
      lastActivityAt: now,
      containerName: `daytona-emulator-${id}`,
      sshPort,
      hostKey: generateEd25519(`daytona-emulator-${id}`),
      sshAccess: [],
    };
    this.records.set(id, rec);
    this.save(rec);
    this.o.logger.info(`creating sandbox ${id} (${rec.name}) from ${image}, ssh on 127.0.0.1:${sshPort}`);
    this.enqueue(rec, async () => {
      const minDelay = this.o.clock.sleep(this.o.delays.create * 1000);
      await this.createContainer(rec);
      if (rec.state !== 'creating') return;
      await this.startContainer(rec);
      await minDelay;
      if (rec.state !== 'creating') return;
      this.setState(rec, 'started');
      rec.lastActivityAt = this.o.clock.now();
      this.save(rec);
    });
    return rec;
  }

  private async resolveImage(params: CreateParams): Promise<{ snapshot: string; image: string }> {
    if (params.dockerfileContent !== undefined) {
      const lines = params.dockerfileContent
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'));
      const from = /^FROM\s+(\S+)$/i.exec(lines[0] ?? '');
      if (!from?.[1] || lines.length > 1) {
        throw new ApiError(400, 'The emulator only supports images given as a plain "FROM <local image>" (Image.base / a string)');
      }
      const image = this.o.snapshots[from[1]] ?? from[1];
      if (!(await imageExists(this.o.docker, image))) throw new ApiError(400, `Image ${from[1]} not found (no local image ${image})`);
      return { snapshot: from[1], image };
    }
    const snapshot = params.snapshot ?? 'default';
    const image = params.snapshot === undefined ? this.o.defaultImage : (this.o.snapshots[snapshot] ?? snapshot);
    if (!(await imageExists(this.o.docker, image))) {
      throw new ApiError(params.snapshot === undefined ? 500 : 400, `Snapshot ${snapshot} not found (no local image ${image})`);
    }
    return { snapshot, image };
  }

  private async createContainer(rec: SandboxRecord): Promise<void> {
    const container = await this.o.docker.createContainer({
      name: rec.containerName,
      Image: rec.image,
      Hostname: rec.name.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 63) || 'sandbox',
      Env: Object.entries(rec.env).map(([k, v]) => `${k}=${v}`),
      Labels: {
        [LABEL.sandbox]: rec.id,
        [LABEL.instance]: this.o.instanceId,
        [LABEL.name]: rec.name,
        [LABEL.labels]: JSON.stringify(rec.labels),
        [LABEL.sshPort]: String(rec.sshPort),
        [LABEL.snapshot]: rec.snapshot,
      },
      ExposedPorts: { '22/tcp': {} },
      HostConfig: {
        PortBindings: { '22/tcp': [{ HostIp: '127.0.0.1', HostPort: String(rec.sshPort) }] },
        RestartPolicy: { Name: 'no' },
      },
    });
    rec.containerId = container.id;
    this.save(rec);
    await container.putArchive(
      tarFiles([
        { name: 'ssh_host_ed25519_key', content: rec.hostKey.private, mode: 0o600 },
        { name: 'ssh_host_ed25519_key.pub', content: `${rec.hostKey.public}\n`, mode: 0o644 },
        { name: 'authorized_keys', content: `${this.o.gatewayClientPublicKey}\n`, mode: 0o644 },
      ]),
      { path: '/etc/ssh/nexus' },
    );
  }

  /** Starts the container and waits for its sshd. A taken port on first start picks another. */
  private async startContainer(rec: SandboxRecord): Promise<void> {
    if (!rec.containerId) throw new Error('sandbox has no container');
    for (let attempt = 1; ; attempt++) {
      try {
        await this.o.docker.getContainer(rec.containerId).start();
        break;
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 304) break; // already running
        if (!isPortConflict(err) || rec.state !== 'creating' || attempt >= 5) throw err;
        // Another process took the port between allocation and start: recreate on another.
        this.o.logger.warn(`port ${rec.sshPort} taken, recreating ${rec.id} on another port`);
        await this.o.docker.getContainer(rec.containerId).remove({ force: true });
        rec.sshPort = await allocateSshPort(this.o.docker, this.all().map((r) => r.sshPort));
        await this.createContainer(rec);
      }
    }
    await waitForSsh(rec.sshPort, 30_000, () => this.closed || rec.state === 'destroying');
  }

  start(idOrName: string): SandboxRecord {
    const rec = this.get(idOrName);
    if (rec.state === 'started' || rec.state === 'starting') return rec;
    if (rec.state === 'error') throw new ApiError(400, `Sandbox is in an errored state: ${rec.errorReason ?? 'unknown error'}`);
    if (rec.state !== 'stopped') throw new ApiError(409, 'Sandbox state change in progress');
    this.setState(rec, 'starting', 'started');
    this.enqueue(rec, async () => {
      const minDelay = this.o.clock.sleep(this.o.delays.start * 1000);
      await this.startContainer(rec);
      await minDelay;
      if (rec.state !== 'starting') return;
      this.setState(rec, 'started');
      rec.lastActivityAt = this.o.clock.now();
      this.save(rec);
    });
    return rec;
  }

  stop(idOrName: string, options: { force?: boolean; reason?: string } = {}): SandboxRecord {
    const rec = this.get(idOrName);
    if (rec.state === 'creating' || rec.state === 'starting' || rec.state === 'stopping' || rec.state === 'destroying') {
      throw new ApiError(409, 'Sandbox state change in progress');
    }
    if (rec.state !== 'started') throw new ApiError(400, 'Sandbox is not in a stoppable state');
    this.o.logger.info(`stopping sandbox ${rec.id} (${options.reason ?? 'API'})`);
    this.setState(rec, 'stopping', rec.autoDeleteInterval === 0 ? 'destroyed' : 'stopped');
    this.onLeaveStarted(rec.id);
    this.enqueue(rec, async () => {
      const minDelay = this.o.clock.sleep(this.o.delays.stop * 1000);
      if (rec.containerId) {
        try {
          const container = this.o.docker.getContainer(rec.containerId);
          if (options.force) await container.kill();
          else await container.stop({ t: 5 });
        } catch (err) {
          const code = (err as { statusCode?: number }).statusCode;
          if (code !== 304 && code !== 409) throw err; // 304/409: not running
        }
      }
      await minDelay;
      if (rec.state !== 'stopping') return;
      this.setState(rec, 'stopped');
      if (rec.autoDeleteInterval === 0) this.remove(rec, 'auto-delete on stop');
    });
    return rec;
  }

  delete(idOrName: string): SandboxRecord {
    const rec = this.get(idOrName);
    if (rec.state !== 'destroying') this.remove(rec, 'API');
    return rec;
  }

  private remove(rec: SandboxRecord, reason: string): void {
    this.o.logger.info(`deleting sandbox ${rec.id} (${reason})`);
    this.setState(rec, 'destroying', 'destroyed');
    rec.sshAccess = [];
    this.save(rec);
    this.onLeaveStarted(rec.id);
    this.enqueue(rec, async () => {
      const minDelay = this.o.clock.sleep(this.o.delays.delete * 1000);
      if (rec.containerId) {
        try {
          await this.o.docker.getContainer(rec.containerId).remove({ force: true, v: true });
        } catch (err) {
          if ((err as { statusCode?: number }).statusCode !== 404) throw err;
        }
      }
      await minDelay;
      this.records.delete(rec.id);
      rmSync(join(this.dir, `${rec.id}.json`), { force: true });
    });
  }

  // ---------------------------------------------------------------- settings

  setAutoStopInterval(idOrName: string, minutes: number): SandboxRecord {
    const rec = this.get(idOrName);
    if (!Number.isInteger(minutes) || minutes < 0) throw new ApiError(400, 'Auto-stop interval must be a non-negative integer');
    rec.autoStopInterval = minutes;
    this.touchUpdated(rec);
    return rec;
  }

  setLabels(idOrName: string, labels: unknown): SandboxRecord {
    const rec = this.get(idOrName);
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels) || Object.values(labels).some((v) => typeof v !== 'string')) {
      throw new ApiError(400, 'labels must be an object of strings');
    }
    rec.labels = { ...(labels as Record<string, string>) };
    this.touchUpdated(rec);
    return rec;
  }

  /** Marks activity now (the API's last-activity endpoint, the gateway's keep-alive). */
  touchActivity(idOrName: string): SandboxRecord {
    const rec = this.get(idOrName);
    rec.lastActivityAt = this.o.clock.now();
    this.save(rec);
    return rec;
  }

  // ---------------------------------------------------------------- SSH access

  createSshAccess(idOrName: string, expiresInMinutes: number): { sandbox: SandboxRecord; access: SshAccessRecord } {
    const rec = this.get(idOrName);
    if (!Number.isFinite(expiresInMinutes) || expiresInMinutes <= 0) throw new ApiError(400, 'expiresInMinutes must be a positive number');
    const now = this.o.clock.now();
    const access: SshAccessRecord = {
      id: randomUUID(),
      token: newToken(),
      expiresAt: now + expiresInMinutes * MINUTE,
      createdAt: now,
      updatedAt: now,
    };
    registerSecret(access.token);
    // Creating access revokes every earlier token of the sandbox (as the server does).
    rec.sshAccess = [access];
    this.save(rec);
    return { sandbox: rec, access };
  }

  revokeSshAccess(idOrName: string, token?: string): SandboxRecord {
    const rec = this.get(idOrName);
    rec.sshAccess = token ? rec.sshAccess.filter((a) => a.token !== token) : [];
    this.save(rec);
    return rec;
  }

  private findToken(token: string): { sandbox: SandboxRecord; access: SshAccessRecord } | null {
    for (const sandbox of this.records.values()) {
      const access = sandbox.sshAccess.find((a) => a.token === token);
      if (access) return { sandbox, access };
    }
    return null;
  }

  /** The API's validate endpoint: exists and not expired (the sandbox state is not checked). */
  validateToken(token: string): { valid: boolean; sandboxId: string | null } {
    const hit = this.findToken(token);
    if (!hit || hit.access.expiresAt <= this.o.clock.now()) return { valid: false, sandboxId: null };
    return { valid: true, sandboxId: hit.sandbox.id };
  }

  /** What the gateway checks: a live token of a `started` sandbox. */
  checkGatewayToken(token: string): TokenCheck {
    const hit = this.findToken(token);
    if (!hit) return { ok: false, reason: 'unknown or revoked token' };
    if (hit.access.expiresAt <= this.o.clock.now()) return { ok: false, reason: 'token expired' };
    if (hit.sandbox.state !== 'started') return { ok: false, reason: `sandbox is not started (state: ${hit.sandbox.state})` };
    return { ok: true, ...hit };
  }

  /** Admin: makes a token expire now. */
  expireToken(token: string): boolean {
    const hit = this.findToken(token);
    if (!hit) return false;
    hit.access.expiresAt = this.o.clock.now() - 1;
    hit.access.updatedAt = this.o.clock.now();
    this.save(hit.sandbox);
    return true;
  }

  // ---------------------------------------------------------------- auto-stop

  /** One pass of the server's auto-stop (and auto-delete) job. Returns the sandboxes it stopped. */
  autoStopCheck(): string[] {
    const now = this.o.clock.now();
    const stopped: string[] = [];
    for (const rec of this.records.values()) {
      if (rec.state === 'started' && rec.autoStopInterval !== 0 && now > rec.lastActivityAt + rec.autoStopInterval * MINUTE) {
        this.stop(rec.id, { reason: `auto-stop: idle since ${new Date(rec.lastActivityAt).toISOString()}` });
        stopped.push(rec.id);
      } else if (rec.state === 'stopped' && rec.autoDeleteInterval > 0 && now > rec.updatedAt + rec.autoDeleteInterval * MINUTE) {
        this.remove(rec, 'auto-delete');
      }
    }
    return stopped;
  }

  /** Admin: stop now, exactly as the auto-stop job would. */
  autoStopNow(idOrName: string): SandboxRecord {
    const rec = this.get(idOrName);
    return this.stop(rec.id, { reason: 'auto-stop (forced by admin)' });
  }

  // ---------------------------------------------------------------- plumbing

  /** Resolves when this sandbox's queued state changes are done. */
  async settled(id: string): Promise<void> {
    await this.ops.get(id)?.catch(() => undefined);
  }

  /** Waits for all background work (used on shutdown). */
  async drain(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  /** Tests' cleanup: deletes every sandbox of this instance and waits until the containers are gone. */
  async removeAll(): Promise<void> {
    for (const rec of this.all()) if (rec.state !== 'destroying') this.remove(rec, 'removeAllSandboxes');
    await this.drain();
    const left = await this.o.docker.listContainers({ all: true, filters: { label: [`${LABEL.instance}=${this.o.instanceId}`] } });
    await Promise.all(left.map((c) => this.o.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  }

  close(): void {
    this.closed = true;
  }

  private setState(rec: SandboxRecord, state: EmulatedState, desired?: DesiredState): void {
    rec.state = state;
    if (desired) rec.desiredState = desired;
    if (state !== 'error') delete rec.errorReason;
    rec.updatedAt = this.o.clock.now();
    // State changes count as activity on the real server.
    if (state === 'started' || state === 'creating' || state === 'starting') rec.lastActivityAt = rec.updatedAt;
    this.save(rec);
  }

  private touchUpdated(rec: SandboxRecord): void {
    rec.updatedAt = this.o.clock.now();
    this.save(rec);
  }

  private enqueue(rec: SandboxRecord, work: () => Promise<void>): void {
    const previous = this.ops.get(rec.id) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(work)
      .catch((err: unknown) => {
        if (!this.records.has(rec.id) || rec.state === 'destroying') {
          this.o.logger.warn(`sandbox ${rec.id}: ${describeDockerError(err)}`);
          return;
        }
        const reason = describeDockerError(err);
        this.o.logger.error(`sandbox ${rec.id} failed: ${reason}`);
        rec.errorReason = reason;
        rec.state = 'error';
        rec.updatedAt = this.o.clock.now();
        this.save(rec);
      });
    this.ops.set(rec.id, next);
    this.inflight.add(next);
    void next.finally(() => {
      this.inflight.delete(next);
      if (this.ops.get(rec.id) === next) this.ops.delete(rec.id);
    });
  }

  private save(rec: SandboxRecord): void {
    if (!this.records.has(rec.id)) return;
    writeAtomic(join(this.dir, `${rec.id}.json`), JSON.stringify(rec, null, 2));
  }
}
