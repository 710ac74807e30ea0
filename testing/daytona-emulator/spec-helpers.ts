/** Helpers shared by the emulator's specs (not part of the emulator itself). */
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { ClientChannel, PseudoTtyOptions } from 'ssh2';
import { run } from '../../main/process/run.js';
import type { RunResult } from '../../main/process/run.js';

type SshClient = InstanceType<typeof ssh2.Client>;

export function opensshOptions(knownHostsDir: string): string[] {
  return [
    '-o', 'StrictHostKeyChecking=accept-new',
    '-o', `UserKnownHostsFile=${join(knownHostsDir, 'known_hosts')}`,
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=10',
    '-o', 'LogLevel=ERROR',
  ];
}

/** `ssh -p <gateway> <token>@127.0.0.1 <command>` with OpenSSH. */
export function ssh(gatewayPort: number, token: string, knownHostsDir: string, command: string): Promise<RunResult> {
  return run('ssh', [...opensshOptions(knownHostsDir), '-p', String(gatewayPort), `${token}@127.0.0.1`, command], { timeoutMs: 30_000 });
}

/** OpenSSH `scp` (SFTP mode, the default of OpenSSH ≥ 9). Remote paths are written `:path`. */
export function scp(gatewayPort: number, token: string, knownHostsDir: string, from: string, to: string): Promise<RunResult> {
  const remote = (p: string) => (p.startsWith(':') ? `${token}@127.0.0.1${p}` : p);
  return run('scp', [...opensshOptions(knownHostsDir), '-P', String(gatewayPort), remote(from), remote(to)], { timeoutMs: 60_000 });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

/** An ssh2 connection through the gateway (auth method `none`, username = token). */
export function connectGateway(port: number, token: string): Promise<SshClient> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    client.connect({ host: '127.0.0.1', port, username: token, readyTimeout: 15_000 });
  });
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal?: string;
}

export function exec(
  client: SshClient,
  command: string,
  options: { env?: Record<string, string>; pty?: PseudoTtyOptions; onStream?: (s: ClientChannel) => void } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, { env: options.env, ...(options.pty ? { pty: options.pty } : {}) }, (err, stream) => {
      if (err) return reject(err);
      const out: ExecResult = { stdout: '', stderr: '', code: null };
      stream.on('data', (d: Buffer) => (out.stdout += d.toString()));
      stream.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
      stream.on('exit', (code: number | null, signal?: string) => {
        out.code = code;
        if (signal) out.signal = signal;
      });
      stream.on('close', () => resolve(out));
      options.onStream?.(stream);
    });
  });
}

/** Opens a shell with a PTY; `expect` waits until the output so far matches. */
export function shell(client: SshClient, pty: PseudoTtyOptions): Promise<{ stream: ClientChannel; expect(re: RegExp, timeoutMs?: number): Promise<string> }> {
  return new Promise((resolve, reject) => {
    client.shell(pty, (err, stream) => {
      if (err) return reject(err);
      let output = '';
      stream.on('data', (d: Buffer) => (output += d.toString()));
      resolve({
        stream,
        expect: (re, timeoutMs = 10_000) => waitFor(`shell output matching ${re}`, () => (re.test(output) ? output : undefined), timeoutMs),
      });
    });
  });
}
