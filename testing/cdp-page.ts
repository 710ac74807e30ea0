import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { CHROMIUM_ARGS } from './browser.js';
import { chromiumPath } from './parts.js';

/**
 * A headless Chromium page driven over bare CDP, for measurements. Playwright enables the
 * Network domain on every page, and then Chromium copies each WebSocket frame, base64-encoded,
 * to the driver: on the page's own main thread, for every byte a terminal receives. This page
 * enables nothing, so what is measured is the app and the browser alone.
 */
export interface CdpPage {
  /** Runs `fn(arg)` in the page and returns its (JSON) result; promises are awaited. */
  evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /** Clicks the middle of the first element matching `selector`, with a real mouse event. */
  click(selector: string): Promise<void>;
  /** Types `text` into whatever has focus, then presses Enter. */
  typeLine(text: string): Promise<void>;
  close(): Promise<void>;
}

export async function openCdpPage(url: string, size = { width: 1360, height: 860 }): Promise<CdpPage> {
  const profile = mkdtempSync(join(tmpdir(), 'nexus-cdp-'));
  const child = spawn(
    chromiumPath(),
    [
      '--headless',
      ...CHROMIUM_ARGS,
      `--user-data-dir=${profile}`,
      `--window-size=${size.width},${size.height}`,
      '--remote-debugging-port=0',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const close = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      child.kill('SIGKILL');
    }
    // Chromium's helpers may still be writing for a moment after it exits.
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  };
  try {
    const endpoint = await new Promise<string>((ok, fail) => {
      let err = '';
      const timer = setTimeout(() => fail(new Error(`Chromium printed no DevTools address within 20 s:\n${err}`)), 20_000);
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
        if (m?.[1]) {
          clearTimeout(timer);
          ok(m[1]);
        }
      });
      child.once('exit', (code) => fail(new Error(`Chromium exited with ${code}:\n${err}`)));
    });
    const socket = new WebSocket(endpoint, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
    await new Promise((ok, fail) => socket.once('open', ok).once('error', fail));
    let nextId = 1;
    const waiting = new Map<number, { ok: (v: Record<string, unknown>) => void; fail: (e: Error) => void }>();
    socket.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
      const w = msg.id === undefined ? undefined : waiting.get(msg.id);
      if (!w) return;
      waiting.delete(msg.id!);
      if (msg.error) w.fail(new Error(`CDP: ${msg.error.message}`));
      else w.ok(msg.result ?? {});
    });
    const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string) =>
      new Promise<Record<string, unknown>>((ok, fail) => {
        const id = nextId++;
        waiting.set(id, { ok, fail });
        socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
      });

    const { targetInfos } = (await send('Target.getTargets')) as { targetInfos: Array<{ targetId: string; type: string }> };
    const target = targetInfos.find((t) => t.type === 'page');
    if (!target) throw new Error('Chromium opened no page');
    const { sessionId } = (await send('Target.attachToTarget', { targetId: target.targetId, flatten: true })) as { sessionId: string };
    const on = (method: string, params: Record<string, unknown> = {}) => send(method, params, sessionId);
    await on('Emulation.setDeviceMetricsOverride', { ...size, deviceScaleFactor: 1, mobile: false });
    await on('Page.navigate', { url });

    const evaluate = async <A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> => {
      const reply = (await on('Runtime.evaluate', {
        // tsx (esbuild's keepNames) may wrap functions in __name(…) calls: give the page one.
        expression: `(() => { const __name = (f) => f; return (${fn.toString()})(${JSON.stringify(arg)}); })()`,
        awaitPromise: true,
        returnByValue: true,
      })) as { result: { value?: R }; exceptionDetails?: { exception?: { description?: string }; text: string } };
      if (reply.exceptionDetails) throw new Error(`in the page: ${reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text}`);
      return reply.result.value as R;
    };
    // The document is there once navigation has committed and parsed.
    for (let i = 0; ; i++) {
      const ready = await evaluate(() => {
        const g = globalThis as unknown as { document: { readyState: string }; location: { href: string } };
        return g.document.readyState === 'complete' && g.location.href !== 'about:blank';
      }, null).catch(() => false);
      if (ready) break;
      if (i > 200) throw new Error(`${url} did not load within 20 s`);
      await new Promise((r) => setTimeout(r, 100));
    }

    return {
      evaluate,
      async click(selector) {
        const at = await evaluate((sel: string) => {
          type Box = { left: number; top: number; width: number; height: number };
          const g = globalThis as unknown as { document: { querySelector(s: string): { getBoundingClientRect(): Box } | null } };
          const el = g.document.querySelector(sel);
          if (!el) return null;
          const r = el.getBoundingClientRect();
          return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
        }, selector);
        if (!at) throw new Error(`nothing matches ${selector}`);
        for (const type of ['mousePressed', 'mouseReleased']) await on('Input.dispatchMouseEvent', { type, ...at, button: 'left', clickCount: 1 });
      },
      async typeLine(text) {
        await on('Input.insertText', { text });
        for (const type of ['keyDown', 'keyUp']) {
          await on('Input.dispatchKeyEvent', { type, key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13, ...(type === 'keyDown' ? { text: '\r' } : {}) });
        }
      },
      async close() {
        socket.close();
        await close();
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}
