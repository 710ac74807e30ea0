import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shellCommand, shellQuote } from './quote.js';

const nasty = [
  "'",
  "it's",
  "'\\''",
  '"double"',
  '$(id)',
  '`id`',
  '$HOME',
  '${HOME}',
  'a b  c',
  'line1\nline2',
  '\ttab',
  'trailing\n',
  '*',
  '~',
  '!',
  '#comment',
  'a;rm -rf /tmp/nexus-never',
  'x && y || z | w > v < u &',
  '\\',
  '\\n',
  'ünïcødé 😀 日本語',
  '',
  '-n',
  '%s %d',
  '=',
  '\x1b[31mred\x1b[0m',
];

/** What a real POSIX shell makes of the command string: the argv printf receives. */
function throughShell(shell: string, argv: string[], cwd?: string): { args: string[]; status: number | null } {
  const command = shellCommand(['printf', '%s\\0', ...argv], cwd === undefined ? {} : { cwd });
  const result = spawnSync(shell, ['-c', command], { encoding: 'utf8' });
  return { args: result.stdout.split('\0').slice(0, -1), status: result.status };
}

const shells = ['/bin/sh', '/bin/bash', '/bin/dash'].filter((s) => spawnSync(s, ['-c', 'true']).status === 0);

describe('shellQuote', () => {
  it('leaves plainly safe words alone and quotes everything else', () => {
    expect(shellQuote('git')).toBe('git');
    expect(shellQuote('/workspace/a-b_c.txt')).toBe('/workspace/a-b_c.txt');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('$(id)')).toBe("'$(id)'");
  });

  it('refuses a NUL byte (no argv can carry one)', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });
});

describe.each(shells)('shellCommand through %s', (shell) => {
  const dir = mkdtempSync(join(tmpdir(), "nexus quote 'dir' $(x) "));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('delivers every nasty argument unchanged, and nothing runs that was not asked for', () => {
    const { args, status } = throughShell(shell, nasty);
    expect(status).toBe(0);
    expect(args).toEqual(nasty);
  });

  it('each argument alone survives too', () => {
    for (const arg of nasty) expect(throughShell(shell, [arg]).args).toEqual([arg]);
  });

  it('runs in the given directory, however it is named', () => {
    const result = spawnSync(shell, ['-c', shellCommand(['pwd'], { cwd: dir })], { encoding: 'utf8' });
    expect(result.stdout).toBe(`${dir}\n`);
  });

  it('a missing cwd fails instead of running elsewhere', () => {
    const result = spawnSync(shell, ['-c', shellCommand(['pwd'], { cwd: join(dir, 'missing') })], { encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe('');
  });
});

describe('shellCommand', () => {
  it('refuses an empty argv or a program name that looks like an option', () => {
    expect(() => shellCommand([])).toThrow();
    expect(() => shellCommand([''])).toThrow();
    expect(() => shellCommand(['-rf'])).toThrow();
  });

  it('execs the program so signals and the exit status reach it directly', () => {
    expect(shellCommand(['id', '-un'])).toBe('exec id -un');
    expect(shellCommand(['ls'], { cwd: '/a b' })).toBe("cd -- '/a b' && exec ls");
  });
});
