import { rmSync } from 'node:fs';
import { createApp } from '../main/app/create-app.js';
import { createLogger } from '../main/log/logger.js';
import { call } from '../testing/app-client.js';
import { startEmulator } from '../testing/daytona-emulator/index.js';
import { makeRepo } from '../testing/fixtures/git-repo.js';
import { tempHome } from '../testing/fixtures/temp-home.js';
import { median, report } from './lib.js';

const IDLE_WINDOW_MS = Number(process.env.BENCH_DAYTONA_IDLE_MS ?? 180_000);
const IDLE_WORKSPACES = 3;

/**
 * Daytona workspaces against the emulator (real SDK, real OpenSSH, Docker-backed sandboxes):
 * create → ready, sleeping → exec done (an exec right after an auto-stop: refused login →
 * Daytona asked → woken → command run), and API calls per idle workspace per minute with the
 * app's real poll timings, counted by the emulator.
 */
export async function bench(): Promise<void> {
  const emu = await startEmulator();
  const home = tempHome();
  const app = await createApp({
    runtime: 'browser',
    home,
    log: createLogger('bench', { level: 'warn' }),
    daytona: { apiUrl: emu.apiUrl, env: {} },
  });
  try {
    await call(app, 'daytona.signIn', { apiKey: emu.apiKey });
    const repo = await makeRepo({ files: 1000 });
    const sandboxOf = async (id: string) => (await emu.admin.state()).sandboxes.find((s) => s.name.endsWith(id.slice(0, 6)))!;

    const warm = await call(app, 'workspaces.create', { repo, name: 'bench-warm', backend: 'daytona' });
    await call(app, 'workspaces.delete', { id: warm.id, force: true });

    const create: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < IDLE_WORKSPACES; i++) {
      const t = performance.now();
      const ws = await call(app, 'workspaces.create', { repo, name: `bench-d-${i}`, backend: 'daytona' });
      create.push(performance.now() - t);
      ids.push(ws.id);
    }

    const wake: number[] = [];
    for (let i = 0; i < 3; i++) {
      const id = ids[0]!;
      await emu.admin.autoStopNow((await sandboxOf(id)).id);
      const t = performance.now();
      const out = await call(app, 'workspaces.exec', { id, command: ['echo', 'awake'] });
      wake.push(performance.now() - t);
      if (out.stdout !== 'awake\n') throw new Error(`unexpected output ${JSON.stringify(out)}`);
    }
    const exec: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = performance.now();
      await call(app, 'workspaces.exec', { id: ids[0]!, command: ['true'] });
      exec.push(performance.now() - t);
    }

    // Idle: nothing runs; count every API request the app makes (a pass-through rule counts them).
    await new Promise((r) => setTimeout(r, 5_000));
    await emu.admin.clearFaults();
    const counter = await emu.admin.injectFault({ delayMs: 0, times: -1 });
    await new Promise((r) => setTimeout(r, IDLE_WINDOW_MS));
    const idleCalls = (await emu.admin.faults()).find((f) => f.id === counter.id)?.hits ?? 0;
    await emu.admin.clearFaults();
    const perWorkspaceMinute = idleCalls / IDLE_WORKSPACES / (IDLE_WINDOW_MS / 60_000);

    for (const id of ids) await call(app, 'workspaces.delete', { id, force: true });

    const m = { create: median(create), wake: median(wake), exec: median(exec) };
    report(
      'daytona',
      [
        { name: 'create → ready (1,000-file repo, emulator)', value: m.create, unit: 'ms', target: '≤ 60000 ms (cold start)', met: m.create <= 60_000 },
        { name: 'sleeping → exec done (auto-stopped, stale card)', value: m.wake, unit: 'ms', target: '≤ 15000 ms (warm restart)', met: m.wake <= 15_000 },
        { name: 'exec round trip through the gateway, pooled', value: m.exec, unit: 'ms' },
        { name: `API calls per idle workspace per minute (${IDLE_WORKSPACES} idle)`, value: perWorkspaceMinute, unit: 'calls', target: '≤ 1', met: perWorkspaceMinute <= 1 },
      ],
      { samples: { create, wake, exec }, idle: { windowMs: IDLE_WINDOW_MS, workspaces: IDLE_WORKSPACES, calls: idleCalls } },
    );
  } finally {
    await app.dispose();
    await emu.removeAllSandboxes();
    await emu.stop();
    rmSync(home, { recursive: true, force: true });
  }
}
