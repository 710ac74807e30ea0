import { connect } from 'node:net';
import Docker from 'dockerode';
import { canBind } from '../../main/docker/ports.js';

/** Labels on every container the emulator makes; a restarted emulator finds its sandboxes by them. */
export const LABEL = {
  sandbox: 'daytona-emulator.sandbox',
  instance: 'daytona-emulator.instance',
  name: 'daytona-emulator.name',
  labels: 'daytona-emulator.labels',
  sshPort: 'daytona-emulator.ssh-port',
  snapshot: 'daytona-emulator.snapshot',
} as const;

/** Where sandbox sshd ports are published (the Nexus Docker backend uses 32800–34999). */
export const SSH_PORT_RANGE = { min: 40000, max: 44999 } as const;

export function createDocker(): Docker {
  return new Docker();
}

export async function imageExists(docker: Docker, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Ports already published (or reserved, when stopped) by any emulator's containers. */
export async function portsInUseByEmulators(docker: Docker): Promise<Set<number>> {
  const used = new Set<number>();
  const containers = await docker.listContainers({ all: true, filters: { label: [LABEL.sshPort] } });
  for (const c of containers) {
    const port = Number(c.Labels[LABEL.sshPort]);
    if (Number.isInteger(port)) used.add(port);
  }
  return used;
}

/** Picks a free port in 40000–44999 that no emulator container claims and nothing listens on. */
export async function allocateSshPort(docker: Docker, alsoAvoid: Iterable<number> = []): Promise<number> {
  const avoid = await portsInUseByEmulators(docker);
  for (const p of alsoAvoid) avoid.add(p);
  const span = SSH_PORT_RANGE.max - SSH_PORT_RANGE.min + 1;
  // A random starting point keeps concurrent emulators (parallel test files) apart.
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = SSH_PORT_RANGE.min + ((start + i) % span);
    if (avoid.has(port)) continue;
    if (await canBind(port)) return port;
  }
  throw new Error(`no free port in ${SSH_PORT_RANGE.min}–${SSH_PORT_RANGE.max}`);
}

/** Reads the first bytes from 127.0.0.1:port; resolves true if they are an SSH banner. */
function sshBanner(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.startsWith('SSH-')) done(true);
      else if (data.length >= 4) done(false);
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

/**
 * Waits until the container's sshd answers on its published port. docker-proxy accepts TCP
 * before sshd listens, so a banner is the real sign of life.
 */
export async function waitForSsh(port: number, timeoutMs = 30_000, isCancelled: () => boolean = () => false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (isCancelled()) throw new Error('cancelled');
    if (await sshBanner(port, 2_000)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`sshd on 127.0.0.1:${port} did not answer within ${Math.round(timeoutMs / 1000)} s`);
}

export function describeDockerError(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { json?: { message?: string }; reason?: string; message?: string; statusCode?: number };
    const detail = e.json?.message ?? e.message ?? e.reason;
    if (detail) return String(detail).trim();
  }
  return String(err);
}

export function isPortConflict(err: unknown): boolean {
  return /port is already allocated|address already in use|bind for/i.test(describeDockerError(err));
}
