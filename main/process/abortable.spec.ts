import { describe, expect, it } from 'vitest';
import { NexusError } from '../../shared/errors.js';
import { abortError, abortable, sleep } from './abortable.js';

describe('abortError', () => {
  it("keeps the signal's NexusError reason, else a cancelled error with the given message", () => {
    const timeout = new NexusError('timeout', 'Too slow.');
    expect(abortError(AbortSignal.abort(timeout))).toBe(timeout);
    const plain = abortError(AbortSignal.abort());
    expect(plain).toBeInstanceOf(NexusError);
    expect((plain as NexusError).code).toBe('cancelled');
    expect(plain.message).toBe('Cancelled.');
    expect(abortError(AbortSignal.abort(), 'The command was cancelled.').message).toBe('The command was cancelled.');
  });
});

describe('abortable', () => {
  it('rejects when the signal aborts, before the work ends', async () => {
    const controller = new AbortController();
    const pending = abortable(new Promise(() => undefined), controller.signal);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'cancelled', message: 'Cancelled.' });
  });
});

describe('sleep', () => {
  it('resolves after the time without a signal', async () => {
    const started = Date.now();
    await sleep(20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });

  it('rejects at once with a cancelled error, whatever the reason, when already aborted or aborted while waiting', async () => {
    await expect(sleep(10_000, AbortSignal.abort(new NexusError('timeout', 'x')), 'Waiting was cancelled.')).rejects.toMatchObject({
      code: 'cancelled',
      message: 'Waiting was cancelled.',
    });
    const controller = new AbortController();
    const pending = sleep(10_000, controller.signal);
    setTimeout(() => controller.abort(), 5);
    await expect(pending).rejects.toMatchObject({ code: 'cancelled', message: 'Cancelled.' });
  });
});
