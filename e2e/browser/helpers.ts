import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { MethodName, Params, Result } from '../../shared/contract/methods.js';
import type { Reply } from '../../shared/contract/wire.js';
import { launchChromium } from '../../testing/browser.js';
import type { CdpPage } from '../../testing/cdp-page.js';
import { startServe } from '../../testing/serve-process.js';
import type { ServeProcess } from '../../testing/serve-process.js';

export interface OpenApp {
  serve: ServeProcess;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** `npm run serve` with its own NEXUS_HOME, and a Chromium page on it (1360×860, like a laptop window). */
export async function openApp(env: NodeJS.ProcessEnv): Promise<OpenApp> {
  const serve = await startServe(env);
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, deviceScaleFactor: 1 });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: serve.origin });
  const page = await context.newPage();
  return {
    serve,
    browser,
    context,
    page,
    async close() {
      await browser.close().catch(() => undefined);
      await serve.stop();
    },
  };
}

/**
 * One contract call from inside the page: its own WebSocket with the page's session token.
 * Self-contained, so any driver can run it in the page (Playwright, bare CDP).
 */
export async function callInPage([m, p]: readonly [string, unknown]): Promise<unknown> {
  // Runs in the page (the e2e tsconfig has no DOM lib, hence the narrow view of globalThis).
  const g = globalThis as unknown as { sessionStorage: { getItem(k: string): string | null }; location: { host: string } };
  const token = g.sessionStorage.getItem('nexus.token') ?? '';
  const ws = new WebSocket(`ws://${g.location.host}/rpc?token=${encodeURIComponent(token)}`);
  await new Promise((ok, fail) => {
    ws.onopen = ok;
    ws.onerror = () => fail(new Error('WebSocket failed'));
  });
  const answer = await new Promise((ok) => {
    ws.onmessage = (msg) => {
      const frame = JSON.parse(String(msg.data)) as { t: string; reply?: unknown };
      if (frame.t === 'res') ok(frame.reply);
    };
    ws.send(JSON.stringify({ t: 'req', id: 1, method: m, params: p }));
  });
  ws.close();
  return answer;
}

/**
 * A second, independent look at the service from inside the page: its own WebSocket with the
 * page's session token, one contract call. Used to check what the service holds, not what the
 * UI shows.
 */
export async function callThroughPage<M extends MethodName>(page: Pick<CdpPage, 'evaluate'>, method: M, params: Params<M>): Promise<Result<M>> {
  const reply = await page.evaluate(callInPage, [method, params] as const);
  const r = reply as Reply;
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code} ${r.error.message}`);
  return r.result as Result<M>;
}
