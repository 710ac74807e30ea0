import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.js';
import { coalesce } from './debounce.js';
import { resumeHookOf, resumeWatcher } from './resume.js';

// Real, short timers: the behaviour under test is timing, and fake timers would hide the
// interaction with promise resolution that a real wake-up has.
const WAIT = 40;

describe('coalesce', () => {
  it('turns a burst of triggers into one run with every reason', async () => {
    const runs: string[][] = [];
    const c = coalesce(async (reasons) => void runs.push(reasons), { waitMs: WAIT });
    c.trigger('resume');
    c.trigger('unlock-screen');
    await sleep(10);
    c.trigger('resume');
    await sleep(WAIT / 2);
    expect(runs).toEqual([]);
    await c.idle();
    expect(runs).toEqual([['resume', 'unlock-screen', 'resume']]);
  });

  it('never runs twice at once: a trigger during a run makes exactly one more run after it', async () => {
    let active = 0;
    let maxActive = 0;
    const runs: string[][] = [];
    const c = coalesce(
      async (reasons) => {
        active++;
        maxActive = Math.max(maxActive, active);
        runs.push(reasons);
        await sleep(WAIT * 3);
        active--;
      },
      { waitMs: WAIT },
    );
    c.trigger('resume');
    await sleep(WAIT + 20); // the first run is under way
    c.trigger('unlock-screen');
    c.trigger('resume');
    await c.idle();
    expect(runs).toEqual([['resume'], ['unlock-screen', 'resume']]);
    expect(maxActive).toBe(1);
  });

  it('keeps going after a failed run and reports the error', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const c = coalesce(
      async () => {
        calls++;
        if (calls === 1) throw new Error('ssh pool gone');
      },
      { waitMs: WAIT, onError: (e) => errors.push(e) },
    );
    c.trigger('resume');
    await c.idle();
    c.trigger('resume');
    await c.idle();
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
  });

  it('runs nothing after dispose', async () => {
    let calls = 0;
    const c = coalesce(async () => void calls++, { waitMs: WAIT });
    c.trigger('resume');
    c.dispose();
    c.trigger('resume');
    await c.idle();
    await sleep(WAIT * 2);
    expect(calls).toBe(0);
  });
});

describe('the resume watcher', () => {
  const lines: string[] = [];
  const log = createLogger('test', { sink: (l) => lines.push(l), level: 'debug' });

  it('finds the app hook when it exists and calls it bound to the app', async () => {
    const app = {
      resumed: 0,
      async onResume() {
        this.resumed++;
      },
    };
    const hook = resumeHookOf(app);
    expect(hook).not.toBeNull();
    const watcher = resumeWatcher(hook, log, WAIT);
    for (let i = 0; i < 5; i++) watcher.trigger(i % 2 ? 'unlock-screen' : 'resume');
    await watcher.idle();
    expect(app.resumed).toBe(1);
    expect(resumeHookOf({ router: {} })).toBeNull();
  });

  it('says so in the log when the app has no hook yet', async () => {
    const watcher = resumeWatcher(null, log, WAIT);
    watcher.trigger('resume');
    await watcher.idle();
    expect(lines.join('')).toContain('no reconnect hook');
  });
});
