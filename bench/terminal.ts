import { rmSync } from 'node:fs';
import { callThroughPage } from '../e2e/browser/helpers.js';
import { run } from '../main/process/run.js';
import { openCdpPage } from '../testing/cdp-page.js';
import type { CdpPage } from '../testing/cdp-page.js';
import { makeRepo } from '../testing/fixtures/git-repo.js';
import { stopMutagenDaemon } from '../testing/fixtures/docker.js';
import { tempHome } from '../testing/fixtures/temp-home.js';
import { startServe } from '../testing/serve-process.js';
import { median, report, sample } from './lib.js';

const RUNS = 3;

/**
 * Waits until one of the rows under `selector` reads `line`. The check runs inside the page
 * every 100 ms, so the harness adds no round trip per check to the machine being measured.
 */
function waitForLine(page: CdpPage, selector: string, line: string, timeoutMs: number): Promise<void> {
  return page.evaluate(
    ([sel, want, ms]) =>
      new Promise<void>((ok, fail) => {
        type Rows = { children: ArrayLike<{ textContent: string | null }> };
        const doc = (globalThis as unknown as { document: { querySelector(s: string): Rows | null } }).document;
        const until = Date.now() + ms;
        const check = () => {
          const rows = doc.querySelector(sel);
          if (rows && Array.from(rows.children).some((row) => (row.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd() === want)) return ok();
          if (Date.now() > until) return fail(new Error(`"${want}" did not appear within ${ms / 1000} s`));
          setTimeout(check, 100);
        };
        check();
      }),
    [selector, line, timeoutMs] as const,
  );
}

/**
 * Terminal throughput: a 100 MB file (base64 of random bytes, ~135 MB of text) printed through
 * the whole pipeline — `npm run serve`, headless Chromium, xterm.js rendering, binary WebSocket
 * frames with ack flow control — timed from the command to the marker after it; next to the
 * raw ssh2 channel (`cat` over the pool's exec, output discarded) in the same run.
 *
 * The page is driven over bare CDP, not Playwright: Playwright turns on DevTools network
 * recording, which copies every WebSocket frame to the driver on the page's own thread and
 * costs a third of the throughput. A user's window records nothing.
 */
export async function bench(): Promise<void> {
  const home = tempHome();
  const serve = await startServe({ NEXUS_HOME: home });
  let page: CdpPage | null = null;
  try {
    const cdp = await openCdpPage(serve.url);
    page = cdp;
    const ws = await callThroughPage(cdp, 'workspaces.create', { repo: await makeRepo(), name: 'bench-tty', backend: 'docker' });
    await callThroughPage(cdp, 'workspaces.exec', { id: ws.id, command: ['sh', '-c', 'head -c 100M /dev/urandom | base64 > /tmp/big'] });
    const size = Number((await callThroughPage(cdp, 'workspaces.exec', { id: ws.id, command: ['stat', '-c', '%s', '/tmp/big'] })).stdout.trim());
    const mb = size / 1024 / 1024;

    // The raw channel: ssh2 through the service's pool, output discarded (the exec keeps 1 MB).
    const raw = (await sample(RUNS, () => callThroughPage(cdp, 'workspaces.exec', { id: ws.id, command: ['cat', '/tmp/big'] }))).map((ms) => ms / 1000);

    // The card's own button opens the terminal, as a user would.
    await cdp.click('[aria-label="Open a terminal in bench-tty"]');
    const term = '[role="group"][aria-label="Terminal in bench-tty"]';
    const rows = `${term} .xterm-rows`;
    await waitForLine(cdp, rows, '', 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    await cdp.click(`${term} .xterm-screen`);
    const pipeline: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await cdp.typeLine('clear');
      const t = performance.now();
      await cdp.typeLine(`cat /tmp/big; echo DONE-${i}-$((6*7))`);
      await waitForLine(cdp, rows, `DONE-${i}-${6 * 7}`, 300_000);
      pipeline.push((performance.now() - t) / 1000);
    }

    const rawMbs = mb / median(raw);
    const e2eMbs = mb / median(pipeline);
    report(
      'terminal',
      [
        { name: `end to end: cat ${mb.toFixed(0)} MB → xterm.js (browser mode)`, value: e2eMbs, unit: 'MB/s', target: '≥ 20 MB/s', met: e2eMbs >= 20 },
        { name: 'anchor: raw ssh2 channel (`cat` over pooled exec)', value: rawMbs, unit: 'MB/s' },
        { name: 'end to end as a share of the raw channel', value: (100 * e2eMbs) / rawMbs, unit: '%' },
      ],
      { bytes: size, seconds: { pipeline, raw } },
    );
    await callThroughPage(cdp, 'workspaces.delete', { id: ws.id, force: true });
  } finally {
    await page?.close();
    await serve.stop();
    const left = (await run('docker', ['ps', '-aq', '--filter', `label=nexus.home=${home}`])).stdout.split('\n').filter(Boolean);
    if (left.length) await run('docker', ['rm', '-f', ...left]);
    await stopMutagenDaemon(home);
    rmSync(home, { recursive: true, force: true });
  }
}
