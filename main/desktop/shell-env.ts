import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * An app started from a dock, Finder or a desktop menu inherits the session's minimal
 * environment, not the one the user's shell profile builds, so `git`, `docker`, `ssh` and
 * `mutagen` installed under Homebrew, ~/.local/bin or asdf are "not found". At startup the app
 * asks the login shell once for its environment (as VS Code does) and adopts it.
 *
 * The shell runs detached (its own session, so it can neither grab a terminal nor prompt on
 * one), with stdin closed, from an argument array; the only text it evaluates is a constant
 * with a random marker. Output is bounded, and the whole thing is killed (process group) after
 * `timeoutMs`: a slow or hanging profile costs at most that, never a hung app.
 */

export interface ShellEnvOptions {
  platform?: NodeJS.Platform;
  /** The environment to start from (and pass to the shell); process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** The login shell; $SHELL, then the passwd entry, then /bin/sh. */
  shell?: string;
  /** Launched from a terminal: the environment already is the shell's. Detected when omitted. */
  fromTerminal?: boolean;
  timeoutMs?: number;
}

export type ShellEnvResult =
  | { status: 'resolved'; env: Record<string, string>; shell: string; ms: number }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; reason: string; shell: string; ms: number };

export const SHELL_ENV_TIMEOUT_MS = 10_000;
const MAX_OUTPUT = 4 * 1024 * 1024;

/** Set while the profile runs, so a slow profile can skip work for Nexus (like VSCODE_RESOLVING_ENVIRONMENT). */
export const RESOLVING_VAR = 'NEXUS_RESOLVING_ENVIRONMENT';

/** A TTY on stdin or stdout means a terminal started us, with its shell's environment. */
export function launchedFromTerminal(): boolean {
  return Boolean(process.stdin.isTTY || process.stdout.isTTY);
}

export function loginShell(env: NodeJS.ProcessEnv): string {
  if (env.SHELL) return env.SHELL;
  try {
    return userInfo().shell || '/bin/sh';
  } catch {
    return '/bin/sh';
  }
}

/** The command the shell runs: the environment, NUL-separated, between two markers. */
export function envCommand(marker: string): string {
  return `printf '%s' '${marker}'; env -0; printf '%s' '${marker}'`;
}

/**
 * Arguments for an interactive login shell running `command`. csh and tcsh accept `-l` only on
 * its own, so they get an interactive shell (which still reads their rc files).
 */
export function shellArgs(shell: string, command: string): string[] | null {
  const name = basename(shell).replace(/^-/, '');
  if (name === 'nu' || name === 'nushell' || name === 'xonsh' || name === 'pwsh' || name === 'powershell') return null;
  if (name === 'csh' || name === 'tcsh') return ['-i', '-c', command];
  return ['-i', '-l', '-c', command];
}

/**
 * Reads what `envCommand` printed, ignoring anything the profile itself printed around it
 * (banners, `echo` in .bashrc). NUL-separated entries keep multi-line values whole; an `env`
 * without `-0` prints lines, which are accepted too (multi-line values are then cut).
 */
export function parseEnvOutput(output: string, marker: string): Record<string, string> | null {
  const start = output.indexOf(marker);
  const end = output.lastIndexOf(marker);
  if (start < 0 || end <= start) return null;
  const body = output.slice(start + marker.length, end);
  const entries = body.includes('\0') ? body.split('\0') : body.split('\n');
  const env: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const key = entry.slice(0, eq);
    if (key.includes('\n')) continue;
    env[key] = entry.slice(eq + 1);
  }
  return Object.keys(env).length > 0 ? env : null;
}

/** Variables that describe the probe shell itself, not the user's environment. */
const NOT_ADOPTED = new Set(['SHLVL', 'PWD', 'OLDPWD', '_', RESOLVING_VAR, 'ELECTRON_RUN_AS_NODE', 'ELECTRON_NO_ATTACH_CONSOLE']);

/** The environment to run with: the current one, with the shell's values on top. */
export function mergeShellEnv(current: NodeJS.ProcessEnv, shell: Record<string, string>): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...current };
  for (const [key, value] of Object.entries(shell)) {
    if (!NOT_ADOPTED.has(key)) merged[key] = value;
  }
  return merged;
}

export async function resolveShellEnv(options: ShellEnvOptions = {}): Promise<ShellEnvResult> {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  if (platform === 'win32') return { status: 'skipped', reason: 'Windows apps get the user environment from the system' };
  if (env.NEXUS_SKIP_SHELL_ENV === '1') return { status: 'skipped', reason: 'NEXUS_SKIP_SHELL_ENV=1' };
  if (options.fromTerminal ?? launchedFromTerminal()) return { status: 'skipped', reason: 'started from a terminal: the environment already is the shell’s' };
  const shell = options.shell ?? loginShell(env);
  const marker = `__NEXUS_ENV_${randomBytes(8).toString('hex')}__`;
  const args = shellArgs(shell, envCommand(marker));
  if (!args) return { status: 'skipped', reason: `${basename(shell)} is not a POSIX-style shell; keeping the launch environment` };

  const childEnv: NodeJS.ProcessEnv = { ...env, [RESOLVING_VAR]: '1', ELECTRON_NO_ATTACH_CONSOLE: '1' };
  delete childEnv.ELECTRON_RUN_AS_NODE;
  const started = Date.now();
  const outcome = await runBounded(shell, args, childEnv, marker, options.timeoutMs ?? SHELL_ENV_TIMEOUT_MS);
  const ms = Date.now() - started;
  if ('error' in outcome) return { status: 'failed', reason: outcome.error, shell, ms };
  const parsed = parseEnvOutput(outcome.stdout, marker);
  if (!parsed) {
    const hint = outcome.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 300);
    return { status: 'failed', reason: `${shell} exited with ${outcome.code ?? 'a signal'} without printing its environment${hint ? `: ${hint}` : ''}`, shell, ms };
  }
  return { status: 'resolved', env: parsed, shell, ms };
}

function runBounded(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  marker: string,
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string; code: number | null } | { error: string }> {
  return new Promise((resolve) => {
    let child: ChildProcessByStdio<null, Readable, Readable>;
    try {
      child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: env.HOME });
    } catch (err) {
      resolve({ error: `could not start ${command}: ${(err as Error).message}` });
      return;
    }
    const out: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let done = false;
    const stdout = () => Buffer.concat(out).toString('utf8');
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
    };
    const finish = (result: { stdout: string; stderr: string; code: number | null } | { error: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // Anything the profile left behind in its group (a background agent, a `sleep`) goes too.
      killGroup();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ error: `${command} did not print its environment within ${timeoutMs} ms (a slow shell profile?)` }), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT) return finish({ error: `${command} printed more than ${MAX_OUTPUT} bytes` });
      out.push(chunk);
      // Both markers seen: done, even if something the profile started still holds stdout open.
      const text = stdout();
      const first = text.indexOf(marker);
      if (first >= 0 && text.indexOf(marker, first + marker.length) >= 0) finish({ stdout: text, stderr, code: null });
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 16_384) stderr += d;
    });
    child.on('error', (err) => finish({ error: `could not start ${command}: ${err.message}` }));
    // `close` waits for every holder of the pipes; after `exit`, give the pipes a moment, no more.
    child.on('exit', (code) => setTimeout(() => finish({ stdout: stdout(), stderr, code }), 200).unref());
    child.on('close', (code) => finish({ stdout: stdout(), stderr, code }));
  });
}
