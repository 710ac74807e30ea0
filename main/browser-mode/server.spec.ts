import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { appMethods } from '../../shared/contract/methods/app.js';
import type { ServerFrame } from '../../shared/contract/wire.js';
import { MAX_MESSAGE_BYTES } from '../../shared/contract/wire.js';
import { createLogger } from '../log/logger.js';
import { EventHub } from '../rpc/event-hub.js';
import { Router } from '../rpc/router.js';
import { startBrowserServer } from './server.js';
import type { BrowserServer } from './server.js';

const log = createLogger('test', { sink: () => undefined });
const hub = new EventHub(log);
const router = new Router(appMethods, {
  'app.about': () => ({ name: 'Nexus Desktop', version: '9.9.9', platform: 'linux', arch: 'x64', runtime: 'browser' as const, parts: [] }),
}, log);

let server: BrowserServer;
let staticDir: string;

beforeAll(async () => {
  staticDir = mkdtempSync(join(tmpdir(), 'nexus-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Nexus</title>');
  server = await startBrowserServer({ app: { router, hub, log, onResume: async () => {}, dispose: async () => {} }, staticDir });
});
afterAll(() => server.close());

function open(url: string, origin?: string): Promise<{ ws: WebSocket; frames: ServerFrame[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    const frames: ServerFrame[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as ServerFrame));
    ws.once('open', () => resolve({ ws, frames }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

const wsUrl = (token: string) => `ws://127.0.0.1:${server.port}/rpc?token=${token}`;
const waitFor = async <T>(fn: () => T | undefined, ms = 3000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('browser mode server', () => {
  it('listens on 127.0.0.1 with a random token and prints a URL carrying it', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
  });

  it('round-trips a contract call over the WebSocket', async () => {
    const { ws, frames } = await open(wsUrl(server.token), server.origin);
    ws.send(JSON.stringify({ t: 'req', id: 7, method: 'app.about', params: {} }));
    const res = await waitFor(() => frames.find((f) => f.t === 'res'));
    expect(res).toMatchObject({ t: 'res', id: 7, reply: { ok: true, result: { version: '9.9.9' } } });
    ws.send(JSON.stringify({ t: 'req', id: 8, method: 'app.about', params: { bad: 1 } }));
    const bad = await waitFor(() => frames.find((f) => f.t === 'res' && f.id === 8));
    expect(bad).toMatchObject({ reply: { ok: false, error: { code: 'invalid_request', field: 'bad' } } });
    ws.close();
  });

  it('refuses a wrong or missing token', async () => {
    await expect(open(wsUrl('0'.repeat(48)), server.origin)).rejects.toThrow('HTTP 403');
    await expect(open(`ws://127.0.0.1:${server.port}/rpc`, server.origin)).rejects.toThrow('HTTP 403');
  });

  it('refuses a foreign Origin even with the right token', async () => {
    await expect(open(wsUrl(server.token), 'http://evil.example')).rejects.toThrow('HTTP 403');
    await expect(open(wsUrl(server.token), `http://127.0.0.1:${server.port + 1}`)).rejects.toThrow('HTTP 403');
  });

  it('refuses an oversized message by closing the connection', async () => {
    const { ws } = await open(wsUrl(server.token), server.origin);
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.send(JSON.stringify({ t: 'req', id: 1, method: 'app.about', params: { x: 'y'.repeat(MAX_MESSAGE_BYTES) } }));
    expect(await closed).toBe(1009);
  });

  it('delivers events to a subscriber, and only subscribed ones', async () => {
    const { ws, frames } = await open(wsUrl(server.token), server.origin);
    ws.send(JSON.stringify({ t: 'sub', event: 'notice' }));
    await new Promise((r) => setTimeout(r, 50));
    hub.emit('workspace.removed', { id: 'abcdefabcdef' });
    hub.emit('notice', { level: 'info', title: 'Workspace started.', message: 'demo is running', workspaceId: null, key: 'k' });
    const evt = await waitFor(() => frames.find((f) => f.t === 'evt'));
    expect(evt).toEqual({ t: 'evt', event: 'notice', payload: expect.objectContaining({ title: 'Workspace started.' }) });
    expect(frames.filter((f) => f.t === 'evt')).toHaveLength(1);
    ws.close();
  });

  it('serves the renderer with a strict CSP and never a file outside it', async () => {
    const page = await fetch(`${server.origin}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const escape = await fetch(`${server.origin}/..%2f..%2f..%2fetc%2fpasswd`);
    expect(escape.status).toBe(404);
  });
});
