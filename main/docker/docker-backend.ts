import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import type { ContainerInspectInfo } from 'dockerode';
import { NexusError } from '../../shared/errors.js';
import { WorkspaceName } from '../../shared/domain/workspace.js';
import type { Availability, Backend, BackendInstance, CreateSpec, SshEndpoint, StepReporter } from '../backends/backend.js';
import { LABELS } from '../backends/backend.js';
import type { Logger } from '../log/logger.js';
import { sleep } from '../process/abortable.js';
import { generateHostKey, normalizePublicKey } from '../ssh/keys.js';
import { createDockerClient, dockerCall, dockerStatus, engineMessage } from './client.js';
import { ensureImage } from './image.js';
import { portsUsedByContainers, reserveSshPort, SSH_PORT_LABEL } from './ports.js';
import { exitCodeFromStatusText, isPortInUseMessage, workspaceStatus } from './status.js';
import { tarFiles } from './tar.js';

export const DEFAULT_IMAGE = 'nexus-workspace:latest';

/** Labels the Docker backend adds to the shared LABELS. */
export const DOCKER_LABELS = {
  /** Marks the container as a Docker-backend workspace (the Daytona emulator's containers carry workspace labels too). */
  backend: 'nexus.backend',
  sshPort: SSH_PORT_LABEL,
  /** The container's PUBLIC host key: endpoint() re-pins from it after an app restart, no local file needed. */
  hostKey: 'nexus.ssh.hostkey',
} as const;

const SSH_DIR = '/etc/ssh/nexus';
const STOP_TIMEOUT_S = 5;
const CREATE_ATTEMPTS = 3;

export interface DockerBackendOptions {
  image?: string;
  /** The folder with the workspace Dockerfile, built when the image is missing. */
  imageContext: string;
  log: Logger;
  /** Where to find the engine (DOCKER_HOST, …); process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** More labels for every container (tests mark theirs to find leftovers of a crashed run). */
  extraLabels?: Record<string, string>;
}

/**
 * Workspaces as local containers: one container per workspace from the workspace image, sshd
 * published on 127.0.0.1:<port from 32800–34999>, its host key generated and pinned by Nexus
 * (copied in before the first start). No restart policy: a stopped workspace stays stopped.
 */
export class DockerBackend implements Backend {
  readonly kind = 'docker' as const;
  readonly image: string;
  private readonly docker: Docker;
  private readonly target: string;
  private readonly options: DockerBackendOptions;
  private readonly log: Logger;

  constructor(options: DockerBackendOptions) {
    this.options = options;
    this.image = options.image ?? DEFAULT_IMAGE;
    this.log = options.log;
    const client = createDockerClient(options.env);
    this.docker = client.docker;
    this.target = client.target;
  }

  async available(): Promise<Availability> {
    try {
      await this.call('ping', () => this.docker.ping(), { timeoutMs: 5_000 });
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }
  }

  prepare(report: StepReporter, signal: AbortSignal): Promise<void> {
    return ensureImage(this.docker, this.image, this.options.imageContext, report, signal, this.target);
  }

  async create(spec: CreateSpec, report: StepReporter, signal: AbortSignal): Promise<{ instanceId: string; endpoint: SshEndpoint }> {
    const name = WorkspaceName.parse(spec.name);
    if (/[\r\n]/.test(spec.authorizedKey)) throw new NexusError('invalid_request', 'The authorized key must be one line.');
    normalizePublicKey(spec.authorizedKey); // throws on anything that is not a public key line
    throwIfCancelled(signal);

    const hostKey = generateHostKey();
    const files = tarFiles([
      { name: 'ssh_host_ed25519_key', content: hostKey.privateKey, mode: 0o600 },
      { name: 'ssh_host_ed25519_key.pub', content: `${hostKey.publicKey}\n`, mode: 0o644 },
      { name: 'authorized_keys', content: `${spec.authorizedKey.trim()}\n`, mode: 0o644 },
    ]);

    for (let attempt = 1; ; attempt++) {
      const containerName = `nexus-${name}-${randomBytes(3).toString('hex')}`;
      const reservation = await reserveSshPort(() => portsUsedByContainers(this.docker, this.target));
      const port = reservation.port;
      let containerId: string | null = null;
      try {
        throwIfCancelled(signal);
        report(`Creating container ${containerName} (SSH on 127.0.0.1:${port})`, 0.1);
        const container = await this.call(
          'create container',
          (abortSignal) =>
            this.docker.createContainer({
              name: containerName,
              Image: this.image,
              Hostname: name,
              Labels: {
                ...this.options.extraLabels,
                [LABELS.id]: spec.workspaceId,
                [LABELS.name]: name,
                [LABELS.repo]: spec.repo,
                [DOCKER_LABELS.backend]: 'docker',
                [DOCKER_LABELS.sshPort]: String(port),
                [DOCKER_LABELS.hostKey]: hostKey.publicKey,
              },
              ExposedPorts: { '22/tcp': {} },
              HostConfig: {
                // An explicit host port survives stop/start, so the ssh alias stays valid.
                PortBindings: { '22/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
                RestartPolicy: { Name: 'no' },
              },
              abortSignal,
            }),
          { signal },
        );
        containerId = container.id;
        // Keys go in before the first start: sshd never runs with a key Nexus does not know.
        report('Installing SSH host key and authorized key', 0.4);
        await this.call('copy SSH keys into the container', (abortSignal) => container.putArchive(files, { path: SSH_DIR, abortSignal }), { signal });
        report('Starting container', 0.6);
        await this.call('start container', (abortSignal) => container.start({ abortSignal }), { signal, timeoutMs: 60_000 });
        this.log.info(`created ${containerName} (${container.id.slice(0, 12)}) ssh 127.0.0.1:${port}`);
        report(`Container ${containerName} is running`, 1);
        return {
          instanceId: container.id,
          endpoint: { host: '127.0.0.1', port, user: 'nexus', hostKey: { kind: 'pinned', publicKey: hostKey.publicKey } },
        };
      } catch (err) {
        // No orphans: remove whatever exists. By name too, since a cancelled create request
        // may still have made the container on the engine's side.
        await this.forceRemove(containerId ?? containerName);
        if (signal.aborted) throw new NexusError('cancelled', `Creating workspace ${name} was cancelled.`);
        if (attempt < CREATE_ATTEMPTS && isPortInUse(err)) {
          // Another program took the port between our check and the start: pick another.
          report(`Port ${port} was taken meanwhile; trying another`, 0.1);
          continue;
        }
        throw portMessage(err, port);
      } finally {
        reservation.release();
      }
    }
  }

  async start(instanceId: string): Promise<SshEndpoint> {
    const info = await this.inspectRaw(instanceId);
    if (!info) throw gone(instanceId);
    const container = this.docker.getContainer(instanceId);
    const port = sshPort(info);
    try {
      if (info.State.Paused) {
        await this.call('unpause container', (abortSignal) => container.unpause({ abortSignal }));
      } else if (!info.State.Running) {
        await this.call('start container', (abortSignal) => container.start({ abortSignal }), { timeoutMs: 60_000 });
      }
    } catch (err) {
      if (dockerStatus(err) !== 304) throw portMessage(err, port); // 304: already started
    }
    return this.endpointFrom(info);
  }

  async stop(instanceId: string): Promise<void> {
    try {
      await this.call('stop container', (abortSignal) => this.docker.getContainer(instanceId).stop({ t: STOP_TIMEOUT_S, abortSignal }), {
        timeoutMs: (STOP_TIMEOUT_S + 30) * 1000,
      });
    } catch (err) {
      const status = dockerStatus(err);
      if (status === 304) return; // already stopped
      if (status === 404) throw gone(instanceId);
      throw err;
    }
  }

  async remove(instanceId: string): Promise<void> {
    try {
      await this.call('remove container', (abortSignal) => this.docker.getContainer(instanceId).remove({ force: true, v: true, abortSignal }), {
        timeoutMs: 60_000,
      });
    } catch (err) {
      const status = dockerStatus(err);
      if (status === 404) return; // already gone: that is what was asked for
      if (status === 409 && /already in progress/i.test(engineMessage((err as Error).cause ?? err))) {
        await this.waitGone(instanceId);
        return;
      }
      throw err;
    }
  }

  async inspect(instanceId: string): Promise<BackendInstance | null> {
    const info = await this.inspectRaw(instanceId);
    return info ? instanceFrom(info) : null;
  }

  async list(): Promise<BackendInstance[]> {
    const rows = await this.call('list containers', (abortSignal) =>
      this.docker.listContainers({ all: true, filters: { label: [LABELS.id, `${DOCKER_LABELS.backend}=docker`, ...this.ownLabels()] }, abortSignal }),
    );
    return Promise.all(
      rows.map(async (row): Promise<BackendInstance> => {
        const containerName = (row.Names[0] ?? row.Id).replace(/^\//, '');
        if (row.State !== 'running') {
          // A list row lacks OOM and start-error details; inspect the (few) stopped ones.
          const info = await this.inspectRaw(row.Id).catch(() => null);
          if (info) return instanceFrom(info);
        }
        const { status, detail } = workspaceStatus({ status: row.State, exitCode: exitCodeFromStatusText(row.Status) }, containerName);
        return { instanceId: row.Id, status, detail, labels: row.Labels ?? {} };
      }),
    );
  }

  /**
   * Follows the engine's event stream for this home's containers (started, died, removed), so a
   * container stopped or crashed outside Nexus shows on its card at once, with no polling.
   * The stream is reopened with backoff when the engine goes away.
   */
  watch(onChange: (workspaceId: string) => void): () => void {
    let stopped = false;
    let retryMs = 1_000;
    let current: NodeJS.ReadableStream | null = null;
    const open = async () => {
      if (stopped) return;
      try {
        const stream = (await this.docker.getEvents({
          filters: { type: ['container'], event: ['start', 'die', 'stop', 'destroy', 'oom'], label: [LABELS.id, ...this.ownLabels()] },
        })) as NodeJS.ReadableStream;
        current = stream;
        retryMs = 1_000;
        let buffered = '';
        stream.on('data', (chunk: Buffer) => {
          buffered += chunk.toString('utf8');
          const lines = buffered.split('\n');
          buffered = lines.pop() ?? '';
          for (const line of lines) {
            try {
              const event = JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } };
              const id = event.Actor?.Attributes?.[LABELS.id];
              if (id) onChange(id);
            } catch {
              // A partial or foreign line: ignore it, the next event carries the state again.
            }
          }
        });
        stream.on('close', () => retry());
        stream.on('error', () => retry());
      } catch {
        retry();
      }
    };
    const retry = () => {
      current = null;
      if (stopped) return;
      setTimeout(() => void open(), retryMs).unref();
      retryMs = Math.min(retryMs * 2, 30_000);
    };
    void open();
    return () => {
      stopped = true;
      (current as unknown as { destroy?: () => void } | null)?.destroy?.();
    };
  }

  /** Labels that mark containers as this Nexus home's (so another home's are never adopted). */
  private ownLabels(): string[] {
    return Object.entries(this.options.extraLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  }

  /** The SSH endpoint, from the container's labels and port binding (valid while it is stopped too). */
  async endpoint(instanceId: string): Promise<SshEndpoint> {
    const info = await this.inspectRaw(instanceId);
    if (!info) throw gone(instanceId);
    return this.endpointFrom(info);
  }

  private endpointFrom(info: ContainerInspectInfo): SshEndpoint {
    const publicKey = info.Config.Labels?.[DOCKER_LABELS.hostKey];
    const port = sshPort(info);
    if (!publicKey || port === null) {
      throw new NexusError(
        'ssh_failed',
        `Container ${containerName(info)} has no pinned SSH host key or port (labels ${DOCKER_LABELS.hostKey}, ${DOCKER_LABELS.sshPort}); ` +
          'it was not created by this version of Nexus. Recreate the workspace.',
      );
    }
    return { host: '127.0.0.1', port, user: 'nexus', hostKey: { kind: 'pinned', publicKey } };
  }

  private async inspectRaw(instanceId: string): Promise<ContainerInspectInfo | null> {
    try {
      return await this.call('inspect container', (abortSignal) => this.docker.getContainer(instanceId).inspect({ abortSignal }), { timeoutMs: 15_000 });
    } catch (err) {
      if (dockerStatus(err) === 404) return null;
      throw err;
    }
  }

  /** Best-effort cleanup after a failed create: never throws, always bounded. */
  private async forceRemove(idOrName: string): Promise<void> {
    try {
      await this.remove(idOrName);
    } catch (err) {
      this.log.warn(`could not remove container ${idOrName} after a failed create`, err);
    }
  }

  private async waitGone(instanceId: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (!(await this.inspectRaw(instanceId))) return;
      await sleep(250);
    }
    throw new NexusError('timeout', `Docker is still removing container ${instanceId.slice(0, 12)} after 30 s. Check docker ps -a.`);
  }

  private call<T>(what: string, fn: (signal: AbortSignal) => Promise<T>, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<T> {
    return dockerCall(what, fn, { ...options, target: this.target });
  }
}

function instanceFrom(info: ContainerInspectInfo): BackendInstance {
  const { status, detail } = workspaceStatus(
    { status: info.State.Status, exitCode: info.State.ExitCode, oomKilled: info.State.OOMKilled, error: info.State.Error },
    containerName(info),
  );
  return { instanceId: info.Id, status, detail, labels: info.Config.Labels ?? {} };
}

function containerName(info: ContainerInspectInfo): string {
  return info.Name.replace(/^\//, '');
}

/** The published SSH host port: the explicit binding (kept while stopped), else the label. */
function sshPort(info: ContainerInspectInfo): number | null {
  const bindings = (info.HostConfig.PortBindings as Record<string, Array<{ HostPort?: string }> | null> | undefined)?.['22/tcp'];
  const port = Number(bindings?.[0]?.HostPort ?? info.Config.Labels?.[DOCKER_LABELS.sshPort]);
  return Number.isInteger(port) && port > 0 ? port : null;
}

function gone(instanceId: string): NexusError {
  return new NexusError(
    'not_found',
    `The workspace's container (${instanceId.slice(0, 12)}) no longer exists — it was removed outside Nexus. Delete the workspace and create it again.`,
  );
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new NexusError('cancelled', 'Creating the workspace was cancelled.');
}

function isPortInUse(err: unknown): boolean {
  const e = err as Error & { cause?: unknown };
  return isPortInUseMessage(`${e?.message ?? ''} ${(e?.cause as Error | undefined)?.message ?? ''}`);
}

/** A start that failed because the SSH port is taken, said plainly. */
function portMessage(err: unknown, port: number | null): Error {
  if (port !== null && isPortInUse(err)) {
    return new NexusError(
      'conflict',
      `Port 127.0.0.1:${port}, the workspace's SSH port, is in use by another program. Stop that program, or delete and recreate the workspace.`,
      { cause: err },
    );
  }
  return err as Error;
}
