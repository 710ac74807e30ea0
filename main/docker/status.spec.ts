import { describe, expect, it } from 'vitest';
import { exitCodeFromStatusText, workspaceStatus } from './status.js';

describe('workspaceStatus', () => {
  const cases: Array<[Parameters<typeof workspaceStatus>[0], string, RegExp | null]> = [
    [{ status: 'running' }, 'running', null],
    [{ status: 'restarting' }, 'starting', /restarting/],
    [{ status: 'paused' }, 'sleeping', /paused/],
    [{ status: 'removing' }, 'deleting', null],
    [{ status: 'created' }, 'sleeping', /not been started/],
    [{ status: 'exited', exitCode: 0 }, 'sleeping', null],
    [{ status: 'exited', exitCode: 137 }, 'sleeping', null],
    [{ status: 'exited', exitCode: 143 }, 'sleeping', null],
    [{ status: 'exited', exitCode: 255 }, 'sleeping', null],
    [{ status: 'exited', exitCode: 1 }, 'error', /exited with code 1.*docker logs nexus-w-1/],
    [{ status: 'exited', exitCode: 137, oomKilled: true }, 'error', /out of memory/],
    [{ status: 'exited', exitCode: 128, error: 'driver failed: Bind for 127.0.0.1:32801 failed: port is already allocated' }, 'error', /SSH port is in use/],
    [{ status: 'created', error: 'no such file' }, 'error', /could not start: no such file/],
    [{ status: 'dead' }, 'error', /Delete the workspace/],
    [{ status: 'weird' }, 'unknown', /weird/],
  ];
  it.each(cases)('%o → %s', (state, status, detail) => {
    const result = workspaceStatus(state, 'nexus-w-1');
    expect(result.status).toBe(status);
    if (detail === null) expect(result.detail).toBeNull();
    else expect(result.detail).toMatch(detail);
  });
});

describe('exitCodeFromStatusText', () => {
  it('reads the code from a list row', () => {
    expect(exitCodeFromStatusText('Exited (137) 2 minutes ago')).toBe(137);
    expect(exitCodeFromStatusText('Up 3 seconds')).toBeNull();
  });
});
