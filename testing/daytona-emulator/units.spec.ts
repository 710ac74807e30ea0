import { describe, expect, it } from 'vitest';
import { EmulatedClock } from './clock.js';
import { FaultInjector, apiRelativePath } from './faults.js';
import { newToken } from './store.js';

describe('EmulatedClock', () => {
  it('runs timeScale times faster than real time and stays continuous when the scale changes', async () => {
    const clock = new EmulatedClock(100);
    const a = clock.now();
    await new Promise((r) => setTimeout(r, 50));
    const b = clock.now();
    expect(b - a).toBeGreaterThanOrEqual(4_000);
    clock.setTimeScale(1);
    const c = clock.now();
    expect(c).toBeGreaterThanOrEqual(b);
    clock.advance(60_000);
    expect(clock.now() - c).toBeGreaterThanOrEqual(60_000);
    expect(() => clock.advance(-1)).toThrow();
    expect(() => new EmulatedClock(0)).toThrow();
  });

  it('never starts before notBefore (restarts keep time monotonic)', () => {
    const later = Date.now() + 3_600_000;
    expect(new EmulatedClock(1, later).now()).toBeGreaterThanOrEqual(later);
  });
});

describe('FaultInjector', () => {
  it('matches prefix, regex and method, counts down and forgets used-up rules', () => {
    const f = new FaultInjector();
    f.add({ path: '/api/sandbox/x', status: 429 });
    f.add({ pathRegex: '/start$', method: 'post', status: 503, times: 2 });
    expect(f.take('GET', '/api/sandbox/y')).toBeNull();
    expect(f.take('GET', '/api/sandbox/x/labels')?.status).toBe(429);
    expect(f.take('GET', '/api/sandbox/x')).toBeNull();
    expect(f.take('GET', '/api/sandbox/z/start')).toBeNull();
    expect(f.take('POST', '/api/sandbox/z/start')?.remaining).toBe(1);
    expect(f.take('POST', '/api/sandbox/z/start')?.remaining).toBe(0);
    expect(f.list()).toEqual([]);
    f.add({ status: 500, times: -1 });
    for (let i = 0; i < 5; i++) expect(f.take('DELETE', '/api/sandbox/q')?.status).toBe(500);
    expect(f.clear()).toBe(1);
  });

  it('rejects nonsense', () => {
    const f = new FaultInjector();
    expect(() => f.add({ path: '/x' })).toThrow(/status, delayMs or reset/);
    expect(() => f.add({ status: 42 })).toThrow();
    expect(() => f.add({ status: 500, times: 0 })).toThrow();
    expect(() => f.add({ status: 500, pathRegex: '(' })).toThrow();
    expect(apiRelativePath('/api/sandbox')).toBe('/sandbox');
    expect(apiRelativePath('/sandbox')).toBe('/sandbox');
  });
});

describe('helpers', () => {
  it('makes 32-character alphanumeric tokens', () => {
    const tokens = new Set(Array.from({ length: 200 }, () => newToken()));
    expect(tokens.size).toBe(200);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9]{32}$/);
  });
});
