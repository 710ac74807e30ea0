import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.js';
import { shutdown } from './quit.js';
import { workspace } from './spec-workspace.js';

const log = createLogger('test', { sink: () => undefined });
const list = async () => [workspace('api', 'running'), workspace('web', 'sleeping'), workspace('docs', 'starting')];

describe('quitting', () => {
  it('leaves workspaces running by default and disposes the services', async () => {
    const calls: string[] = [];
    const report = await shutdown({ stopWorkspaces: false, list, stop: async (id) => void calls.push(`stop ${id}`), dispose: async () => void calls.push('dispose'), log });
    expect(calls).toEqual(['dispose']);
    expect(report).toEqual({ stopped: [], failed: [], timedOut: false });
  });

  it('stops the running ones first when asked to, then disposes', async () => {
    const calls: string[] = [];
    const report = await shutdown({
      stopWorkspaces: true,
      list,
      stop: async (id) => {
        if (id.startsWith('docs')) throw new Error('busy');
        calls.push(`stop ${id}`);
      },
      dispose: async () => void calls.push('dispose'),
      log,
    });
    expect(calls).toEqual([`stop ${workspace('api', 'running').id}`, 'dispose']);
    expect(report).toEqual({ stopped: ['api'], failed: ['docs'], timedOut: false });
  });

  it('never hangs on a backend that does not answer', async () => {
    const started = Date.now();
    let disposed = false;
    const report = await shutdown({
      stopWorkspaces: true,
      list,
      stop: () => new Promise(() => undefined),
      dispose: async () => {
        await sleep(10);
        disposed = true;
      },
      log,
      stopTimeoutMs: 100,
    });
    expect(report.timedOut).toBe(true);
    expect(disposed).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
    const hung = await shutdown({ stopWorkspaces: false, list, stop: async () => undefined, dispose: () => new Promise(() => undefined), log, disposeTimeoutMs: 100 });
    expect(hung.timedOut).toBe(true);
  });
});
