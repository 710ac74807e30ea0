import { createServer } from 'node:net';
import type Docker from 'dockerode';
import { NexusError } from '../../shared/errors.js';
import { dockerCall } from './client.js';

/** Host ports for workspace sshd, on 127.0.0.1 only. */
export const SSH_PORT_RANGE = { min: 32800, max: 34999 } as const;
export const SSH_PORT_LABEL = 'nexus.ssh.port';

export interface PortReservation {
  port: number;
  /** Ends the in-process reservation (idempotent): call when the create finished or failed. */
  release(): void;
}

// In-process bookkeeping shared by every backend instance: ports picked by creates that have
// not finished yet, and when each port was last released (see reserveSshPort).
const reserved = new Set<number>();
const releasedAt = new Map<number, number>();
let releaseSeq = 0;

/**
 * Picks a port that no container uses (running or stopped), no concurrent create in this
 * process holds, and that can be bound right now. `usedPorts` is read once per call; a port
 * released while it was being read is skipped too, since that snapshot may predate the
 * container that now owns it.
 */
export async function reserveSshPort(
  usedPorts: () => Promise<Set<number>>,
  range: { min: number; max: number } = SSH_PORT_RANGE,
): Promise<PortReservation> {
  const startSeq = releaseSeq;
  const used = await usedPorts();
  const size = range.max - range.min + 1;
  // Start at a random place: two Nexus processes (app and CLI) rarely pick the same port.
  const offset = Math.floor(Math.random() * size);
  for (let i = 0; i < size; i++) {
    const port = range.min + ((offset + i) % size);
    if (reserved.has(port) || used.has(port) || (releasedAt.get(port) ?? -1) > startSeq) continue;
    reserved.add(port); // before the async bind test, so concurrent callers skip it
    if (await canBind(port)) {
      let released = false;
      return {
        port,
        release: () => {
          if (released) return;
          released = true;
          reserved.delete(port);
          releasedAt.set(port, ++releaseSeq);
        },
      };
    }
    reserved.delete(port);
  }
  throw new NexusError(
    'busy',
    `No free port in ${range.min}–${range.max} on 127.0.0.1 for the workspace's SSH server. Delete unused workspaces or containers and try again.`,
  );
}

/** True when nothing listens on 127.0.0.1:port at this moment. */
export function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Host ports claimed by any container on the engine, running or stopped: Nexus containers by
 * their label, others from HostConfig.PortBindings (a stopped container's ports are not
 * listening, yet starting it again needs them).
 */
export async function portsUsedByContainers(docker: Docker, target?: string): Promise<Set<number>> {
  const used = new Set<number>();
  const containers = await dockerCall('list containers', (abortSignal) => docker.listContainers({ all: true, abortSignal }), { target });
  const others: string[] = [];
  for (const c of containers) {
    for (const p of c.Ports ?? []) if (p.PublicPort) used.add(p.PublicPort);
    const label = Number(c.Labels?.[SSH_PORT_LABEL]);
    if (Number.isInteger(label) && label > 0) used.add(label);
    else others.push(c.Id);
  }
  // Inspect a few at a time: an engine with many containers must not get hundreds of calls at once.
  for (let i = 0; i < others.length; i += 8) {
    await Promise.all(
      others.slice(i, i + 8).map(async (id) => {
        const info = await dockerCall('inspect container', (abortSignal) => docker.getContainer(id).inspect({ abortSignal }), { target }).catch(
          () => null, // removed meanwhile
        );
        for (const bindings of Object.values(info?.HostConfig?.PortBindings ?? {}) as Array<Array<{ HostPort?: string }> | null>) {
          for (const b of bindings ?? []) addHostPort(used, b.HostPort);
        }
      }),
    );
  }
  return used;
}

function addHostPort(used: Set<number>, hostPort: string | undefined): void {
  const match = /^(\d+)(?:-(\d+))?$/.exec(hostPort ?? '');
  if (!match) return;
  const from = Number(match[1]);
  const to = Number(match[2] ?? match[1]);
  for (let p = from; p <= to && p - from < 65536; p++) used.add(p);
}
