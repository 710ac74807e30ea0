import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { run } from '../process/run.js';
import { envCommand, mergeShellEnv, parseEnvOutput, resolveShellEnv, shellArgs } from './shell-env.js';

const BASH = ['/usr/bin/bash', '/bin/bash'].find((p) => existsSync(p)) ?? 'bash';

/** A HOME whose login profile is `profile` (bash reads ~/.bash_profile for a login shell). */
function fakeHome(profile: string): string {
  const home = mkdtempSync(join(tmpdir(), 'nx-shellenv-'));
  writeFileSync(join(home, '.bash_profile'), profile);
  return home;
}

/** What a dock launch gets: a bare environment. */
function dockEnv(home: string): NodeJS.ProcessEnv {
  return { HOME: home, PATH: '/usr/bin:/bin', SHELL: BASH, LANG: 'C.UTF-8', USER: process.env.USER ?? 'nexus' };
}

/** Dead, or a zombie (killed; in a container without an init nobody may reap it). */
function isDead(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  const stat = `/proc/${pid}/stat`;
  return existsSync(stat) && readFileSync(stat, 'utf8').split(') ')[1]?.startsWith('Z') === true;
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (isDead(pid)) return true;
    await sleep(20);
  }
  return false;
}

describe('resolving the login shell environment (real bash)', () => {
  it('finds tools the profile puts on PATH, keeping multi-line values and ignoring profile noise', async () => {
    const home = fakeHome(
      [
        'echo "Welcome! This banner must not end up in the environment."',
        'export PATH="$HOME/profile-bin:$PATH"',
        "export NEXUS_MULTI=$'line one\\nline two'",
        "export NEXUS_EQUALS='a=b=c'",
        '',
      ].join('\n'),
    );
    mkdirSync(join(home, 'profile-bin'));
    writeFileSync(join(home, 'profile-bin', 'mutagen-lookalike'), '#!/bin/sh\necho found-by-path\n');
    chmodSync(join(home, 'profile-bin', 'mutagen-lookalike'), 0o755);
    const before = dockEnv(home);

    const result = await resolveShellEnv({ platform: 'linux', env: before, fromTerminal: false, timeoutMs: 10_000 });
    expect(result.status, JSON.stringify(result)).toBe('resolved');
    if (result.status !== 'resolved') return;
    expect(result.shell).toBe(BASH);
    expect(result.env.PATH?.split(':')[0]).toBe(join(home, 'profile-bin'));
    expect(result.env.NEXUS_MULTI).toBe('line one\nline two');
    expect(result.env.NEXUS_EQUALS).toBe('a=b=c');
    expect(Object.values(result.env).join('\n')).not.toContain('Welcome!');

    // The point of it all: a program on the profile's PATH is found with the merged env only.
    const merged = mergeShellEnv(before, result.env);
    await expect(run('mutagen-lookalike', [], { env: before })).rejects.toThrow(/ENOENT/);
    expect((await run('mutagen-lookalike', [], { env: merged })).stdout.trim()).toBe('found-by-path');
    expect(merged.SHLVL).toBeUndefined();
    expect(merged.NEXUS_RESOLVING_ENVIRONMENT).toBeUndefined();
  });

  it('tells the profile it is being resolved', async () => {
    const home = fakeHome('export SEEN_RESOLVING="${NEXUS_RESOLVING_ENVIRONMENT:-no}"\n');
    const result = await resolveShellEnv({ platform: 'linux', env: dockEnv(home), fromTerminal: false });
    expect(result.status === 'resolved' && result.env.SEEN_RESOLVING).toBe('1');
  });

  it('gives up on a hanging profile within the timeout and kills what it started', async () => {
    const home = fakeHome('sleep 30 & echo $! > "$HOME/sleep.pid"\nwait\n');
    const started = Date.now();
    const result = await resolveShellEnv({ platform: 'linux', env: dockEnv(home), fromTerminal: false, timeoutMs: 700 });
    expect(result).toMatchObject({ status: 'failed', reason: expect.stringContaining('within 700 ms') });
    expect(Date.now() - started).toBeLessThan(3_000);
    const pid = Number(readFileSync(join(home, 'sleep.pid'), 'utf8'));
    expect(await gone(pid)).toBe(true);
  });

  it('does not wait for a background job the profile left holding the output', async () => {
    const home = fakeHome('sleep 30 & echo $! > "$HOME/agent.pid"\nexport FROM_PROFILE=yes\n');
    const started = Date.now();
    const result = await resolveShellEnv({ platform: 'linux', env: dockEnv(home), fromTerminal: false, timeoutMs: 10_000 });
    expect(result.status === 'resolved' && result.env.FROM_PROFILE).toBe('yes');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await gone(Number(readFileSync(join(home, 'agent.pid'), 'utf8')))).toBe(true);
  });

  it('reports a shell that prints nothing, or does not exist', async () => {
    const home = fakeHome('exit 3\n');
    const silent = await resolveShellEnv({ platform: 'linux', env: dockEnv(home), fromTerminal: false });
    expect(silent).toMatchObject({ status: 'failed', reason: expect.stringContaining('without printing its environment') });
    const missing = await resolveShellEnv({ platform: 'linux', env: dockEnv(home), shell: '/nonexistent/zsh', fromTerminal: false });
    expect(missing).toMatchObject({ status: 'failed', reason: expect.stringContaining('could not start /nonexistent/zsh') });
  });

  it('is skipped on Windows, when started from a terminal, and on request', async () => {
    const env = dockEnv(tmpdir());
    expect(await resolveShellEnv({ platform: 'win32', env, fromTerminal: false })).toMatchObject({ status: 'skipped' });
    expect(await resolveShellEnv({ platform: 'darwin', env, fromTerminal: true })).toMatchObject({ status: 'skipped', reason: expect.stringContaining('terminal') });
    expect(await resolveShellEnv({ platform: 'linux', env: { ...env, NEXUS_SKIP_SHELL_ENV: '1' }, fromTerminal: false })).toMatchObject({ status: 'skipped' });
    expect(await resolveShellEnv({ platform: 'linux', env, shell: '/usr/bin/nu', fromTerminal: false })).toMatchObject({ status: 'skipped' });
  });
});

describe('the pieces', () => {
  const marker = '__NEXUS_ENV_test__';

  it('parses NUL-separated output between the markers only', () => {
    const out = `motd line\nPATH=/evil\n${marker}PATH=/a:/b\0MULTI=x\ny\0EMPTY=\0=nokey\0${marker}trailing`;
    expect(parseEnvOutput(out, marker)).toEqual({ PATH: '/a:/b', MULTI: 'x\ny', EMPTY: '' });
  });

  it('accepts line-separated output from an env without -0', () => {
    expect(parseEnvOutput(`${marker}A=1\nB=2=3\n${marker}`, marker)).toEqual({ A: '1', B: '2=3' });
  });

  it('returns nothing when the markers are missing', () => {
    expect(parseEnvOutput('PATH=/usr/bin', marker)).toBeNull();
    expect(parseEnvOutput(`${marker}PATH=/usr/bin`, marker)).toBeNull();
    expect(parseEnvOutput(`${marker}${marker}`, marker)).toBeNull();
  });

  it('starts shells as interactive login shells, with csh-family and non-POSIX exceptions', () => {
    const cmd = envCommand(marker);
    expect(cmd).toBe(`printf '%s' '${marker}'; env -0; printf '%s' '${marker}'`);
    expect(shellArgs('/bin/zsh', cmd)).toEqual(['-i', '-l', '-c', cmd]);
    expect(shellArgs('/opt/homebrew/bin/fish', cmd)).toEqual(['-i', '-l', '-c', cmd]);
    expect(shellArgs('/bin/tcsh', cmd)).toEqual(['-i', '-c', cmd]);
    expect(shellArgs('/usr/local/bin/nu', cmd)).toBeNull();
  });

  it('lets the shell override values but not describe itself', () => {
    const merged = mergeShellEnv({ PATH: '/usr/bin', KEEP: 'me' }, { PATH: '/opt/bin:/usr/bin', SHLVL: '2', PWD: '/home', _: '/usr/bin/env', GOPATH: '/go' });
    expect(merged).toEqual({ PATH: '/opt/bin:/usr/bin', KEEP: 'me', GOPATH: '/go' });
  });
});
