import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NexusError } from '../../shared/errors.js';
import { text } from '../../shared/contract/fields.js';
import { appMethods } from '../../shared/contract/methods/app.js';
import { createLogger } from '../log/logger.js';
import { Router } from './router.js';

const lines: string[] = [];
const log = createLogger('test', { sink: (l) => lines.push(l) });

// A small contract of the same form as the app's, so every kind of payload can be exercised.
const table = {
  'demo.greet': {
    params: z.strictObject({ name: text(100), times: z.number().int().min(1).max(5), tags: z.array(text(20)).optional() }),
    result: z.strictObject({ greeting: z.string(), count: z.number() }),
  },
  'demo.fail': { params: z.strictObject({}), result: z.strictObject({}) },
  'demo.crash': { params: z.strictObject({}), result: z.strictObject({}) },
  'demo.leak': { params: z.strictObject({}), result: z.strictObject({ visible: z.string() }) },
} as const;

const router = new Router(table, {
  'demo.greet': ({ name, times }) => ({ greeting: `hi ${name}`.repeat(times), count: times }),
  'demo.fail': () => {
    throw new NexusError('conflict', 'Workspace "a" is busy; try again when it finishes.');
  },
  'demo.crash': () => {
    throw new Error('connect ECONNREFUSED /var/run/secret.sock token=abc123secret');
  },
  // A handler that returns more than the contract names: the extra field must not cross.
  'demo.leak': () => ({ visible: 'ok', apiKey: 'dtn_supersecret' }) as unknown as { visible: string },
}, log);

describe('Router', () => {
  it('round-trips a valid call with its types intact', async () => {
    const reply = await router.call('demo.greet', { name: 'ada', times: 2 });
    expect(reply).toEqual({ ok: true, result: { greeting: 'hi adahi ada', count: 2 } });
  });

  it.each([
    ['wrong type', { name: 42, times: 1 }, 'name'],
    ['missing field', { name: 'ada' }, 'times'],
    ['extra field', { name: 'ada', times: 1, admin: true }, 'admin'],
    ['huge string', { name: 'x'.repeat(100_000), times: 1 }, 'name'],
    ['nested wrong type', { name: 'ada', times: 1, tags: ['ok', 7] }, 'tags.1'],
    ['not an object', 'hello', '(params)'],
  ])('refuses a bad payload (%s) and names the field', async (_kind, params, field) => {
    const reply = await router.call('demo.greet', params);
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe('invalid_request');
    expect(reply.error.field).toBe(field);
    expect(reply.error.message).toContain(field === '(params)' ? 'params' : field);
    expect(reply.error.message.length).toBeLessThan(300);
  });

  it('refuses an unknown method', async () => {
    const reply = await router.call('demo.nope', {});
    expect(reply).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(await router.call({ evil: true }, {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(await router.call('__proto__', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
  });

  it('passes a user-facing error through with its code', async () => {
    const reply = await router.call('demo.fail', {});
    expect(reply).toEqual({ ok: false, error: { code: 'conflict', message: 'Workspace "a" is busy; try again when it finishes.' } });
  });

  it('reports a throwing handler without its stack or message', async () => {
    const reply = await router.call('demo.crash', {});
    expect(reply.ok).toBe(false);
    const text = JSON.stringify(reply);
    expect(text).toContain('"code":"internal"');
    expect(text).not.toContain('ECONNREFUSED');
    expect(text).not.toContain('abc123secret');
    expect(text).not.toMatch(/at .*\.ts:\d+/);
    // The detail is in the log instead, for whoever debugs it.
    expect(lines.join('')).toContain('demo.crash failed');
  });

  it('never sends a result carrying fields the contract does not name', async () => {
    const reply = await router.call('demo.leak', {});
    expect(reply).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(reply)).not.toContain('dtn_supersecret');
  });

  it('serves the real contract', async () => {
    const app = new Router(appMethods, { 'app.about': () => ({ name: 'n', version: '1', platform: 'linux', arch: 'x64', runtime: 'browser' as const, parts: [] }) }, log);
    expect(await app.call('app.about', {})).toMatchObject({ ok: true, result: { name: 'n' } });
    expect(await app.call('app.about', { x: 1 })).toMatchObject({ ok: false, error: { code: 'invalid_request', field: 'x' } });
  });
});
