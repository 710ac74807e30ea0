import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { NexusError, isNexusError } from '../../shared/errors.js';
import { abortable } from '../process/abortable.js';

export const DOCKER_NOT_RUNNING = 'Docker is not running — start Docker Desktop or dockerd.';

/** Where the engine listens, described for messages ("unix:///var/run/docker.sock"). */
export interface DockerTarget {
  options: Docker.DockerOptions;
  describe: string;
}

/**
 * The engine's address: `DOCKER_HOST` when set (unix://, npipe://, tcp:// with the usual TLS
 * variables, ssh://), else the platform's default socket. Every field is set explicitly, because
 * docker-modem would otherwise mix in its own reading of `process.env`.
 */
export function dockerTarget(env: NodeJS.ProcessEnv = process.env): DockerTarget {
  const none = { host: undefined, port: undefined, protocol: undefined, socketPath: undefined } as const;
  const host = env.DOCKER_HOST?.trim();
  if (!host) {
    const socketPath = defaultSocket();
    return { options: { ...none, socketPath }, describe: socketPath };
  }
  if (host.startsWith('unix://') || host.startsWith('npipe://')) {
    const socketPath = host.replace(/^[a-z]+:\/\//, '') || defaultSocket();
    return { options: { ...none, socketPath }, describe: host };
  }
  const url = new URL(host.includes('://') ? host : `tcp://${host}`);
  if (url.protocol === 'ssh:') {
    return {
      options: {
        ...none,
        protocol: 'ssh',
        host: url.hostname,
        port: url.port || '22',
        username: decodeURIComponent(url.username),
        sshOptions: { agent: env.SSH_AUTH_SOCK },
      },
      describe: host,
    };
  }
  const tls = env.DOCKER_TLS_VERIFY === '1' || url.port === '2376';
  const options: Docker.DockerOptions = { ...none, protocol: tls ? 'https' : 'http', host: url.hostname, port: url.port || (tls ? '2376' : '2375') };
  if (env.DOCKER_CERT_PATH) {
    options.ca = readFileSync(join(env.DOCKER_CERT_PATH, 'ca.pem'));
    options.cert = readFileSync(join(env.DOCKER_CERT_PATH, 'cert.pem'));
    options.key = readFileSync(join(env.DOCKER_CERT_PATH, 'key.pem'));
  }
  return { options, describe: host };
}

function defaultSocket(): string {
  if (process.platform === 'win32') return '//./pipe/docker_engine';
  // Newer Docker Desktop installs only have the per-user socket.
  const user = join(homedir(), '.docker', 'run', 'docker.sock');
  return !existsSync('/var/run/docker.sock') && existsSync(user) ? user : '/var/run/docker.sock';
}

export interface DockerClient {
  docker: Docker;
  /** Where the engine is, for messages. */
  target: string;
}

export function createDockerClient(env: NodeJS.ProcessEnv = process.env): DockerClient {
  const target = dockerTarget(env);
  return { docker: new Docker(target.options), target: target.describe };
}

type DockerErr = Error & { code?: string; statusCode?: number; json?: { message?: string } | null; reason?: string };

/**
 * A Docker failure as a NexusError a user can act on. An engine that is not there says so in
 * the one standard sentence; any other cause (permissions, TLS, an API refusal) says itself.
 */
export function dockerError(err: unknown, target = 'the Docker socket'): NexusError {
  if (isNexusError(err)) return err;
  const e = (err instanceof Error ? err : new Error(String(err))) as DockerErr;
  const code = e.code ?? '';
  if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'ECONNRESET' || /socket hang up/i.test(e.message)) {
    return new NexusError('docker_unavailable', DOCKER_NOT_RUNNING, { cause: e });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new NexusError(
      'docker_unavailable',
      `Permission denied on the Docker socket (${target}). Add your user to the "docker" group ` +
        '(sudo usermod -aG docker $USER, then log out and back in) or fix the socket\'s permissions.',
      { cause: e },
    );
  }
  if (['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) {
    return new NexusError('docker_unavailable', `Cannot reach the Docker engine at ${target} (${code}). Check DOCKER_HOST and that the engine is running.`, { cause: e });
  }
  if (/certificate|self.signed|SSL|TLS/i.test(e.message) && e.statusCode === undefined) {
    return new NexusError('docker_unavailable', `TLS to the Docker engine at ${target} failed: ${e.message}. Check DOCKER_CERT_PATH and DOCKER_TLS_VERIFY.`, { cause: e });
  }
  if (e.statusCode !== undefined) {
    const message = engineMessage(e);
    if (e.statusCode === 404) return new NexusError('not_found', `Docker: ${message}`, { cause: e });
    if (e.statusCode === 409) return new NexusError('conflict', `Docker: ${message}`, { cause: e });
    return new NexusError('internal', `Docker refused the request: ${message}`, { cause: e });
  }
  return new NexusError('internal', `Docker call failed: ${e.message}`, { cause: e });
}

/** The engine's own sentence, without docker-modem's "(HTTP code 409) conflict - " wrapper. */
export function engineMessage(err: unknown): string {
  const e = err as DockerErr;
  const fromJson = e.json && typeof e.json === 'object' ? e.json.message : undefined;
  return (fromJson ?? e.message.replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '')).trim();
}

/** The engine's HTTP status behind an error (also through a mapped NexusError's cause). */
export function dockerStatus(err: unknown): number | undefined {
  const e = err as (DockerErr & { cause?: unknown }) | null;
  return e?.statusCode ?? (e?.cause as DockerErr | undefined)?.statusCode;
}

/**
 * Runs one Docker call with a time limit (and the caller's abort), mapping every failure through
 * `dockerError`. The call gets the combined signal; the race makes sure the wait ends even when
 * a call ignores it.
 */
export async function dockerCall<T>(
  what: string,
  call: (signal: AbortSignal) => Promise<T>,
  options: { timeoutMs?: number; signal?: AbortSignal; target?: string } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const controller = new AbortController();
  const timeout = new NexusError('timeout', `Docker did not answer within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`} (${what}). Check that Docker is healthy (docker info).`);
  const cancelled = new NexusError('cancelled', `Cancelled (${what}).`);
  const onAbort = () => controller.abort(cancelled);
  if (options.signal?.aborted) throw cancelled;
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(timeout), timeoutMs);
  try {
    const result = call(controller.signal).catch((err: unknown) => {
      throw controller.signal.aborted ? controller.signal.reason : dockerError(err, options.target);
    });
    // The controller's reason is always one of the NexusErrors above, so abortable() rejects with it.
    return await abortable(result, controller.signal);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
