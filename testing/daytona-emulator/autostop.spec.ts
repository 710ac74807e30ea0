import { Daytona } from '@daytonaio/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireParts } from '../parts.js';
import { startEmulator } from './emulator.js';
import type { RunningEmulator } from './emulator.js';
import { connectGateway, shell, waitFor } from './spec-helpers.js';

const parts = await requireParts(['docker', 'workspace-image']);

// Time scale 30: one emulated minute per 2 real seconds, so autoStopInterval: 1 is ~2 s idle.
// (The gateway's 45-s keep-alive leaves 15 emulated seconds of slack = 0.5 s real, enough for a
// busy test machine; at 60 it would be 0.25 s.)
describe.skipIf(!parts.ok)('Daytona emulator auto-stop', () => {
  let emu: RunningEmulator;
  let daytona: Daytona;

  beforeAll(async () => {
    emu = await startEmulator({ timeScale: 30 });
    daytona = new Daytona({ apiKey: emu.apiKey, apiUrl: emu.apiUrl });
  });

  afterAll(async () => {
    await daytona?.[Symbol.asyncDispose]();
    if (emu) {
      await emu.removeAllSandboxes();
      await emu.stop();
    }
  });

  it('stops an idle sandbox after its interval but not one with an open shell; never one with interval 0', async () => {
    const [idle, busy, forever] = await Promise.all([
      daytona.create({ labels: { suite: 'autostop', role: 'idle' }, autoStopInterval: 1 }),
      // Interval set once its shell is open, or it might fall asleep before we connect.
      daytona.create({ labels: { suite: 'autostop', role: 'busy' }, autoStopInterval: 0 }),
      daytona.create({ labels: { suite: 'autostop', role: 'forever' }, autoStopInterval: 0 }),
    ]);
    // Keep a shell open on `busy`: the gateway bumps its activity every 45 emulated seconds.
    const { token } = await busy.createSshAccess(600);
    const client = await connectGateway(emu.gateway.port, token);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const term = await shell(client, { rows: 24, cols: 80 });
    term.stream.write('echo awake\n');
    await term.expect(/awake/);
    await busy.setAutostopInterval(1);

    const t0 = Date.now();
    await waitFor('the idle sandbox to auto-stop', async () => (await daytona.get(idle.id)).state === 'stopped', 10_000);
    // 1 emulated minute idle + up to 10 emulated seconds until the next check + the stop itself.
    expect(Date.now() - t0).toBeLessThan(6_000);

    // Three emulated minutes later the busy one is still up, its activity recent.
    await new Promise((r) => setTimeout(r, 6_000));
    const stillBusy = await daytona.get(busy.id);
    expect(stillBusy.state).toBe('started');
    const { now } = await emu.admin.clock();
    expect(new Date(now).getTime() - new Date(stillBusy.lastActivityAt ?? 0).getTime()).toBeLessThanOrEqual(60_000);
    expect((await daytona.get(forever.id)).state).toBe('started');

    // Close the shell: now it goes to sleep too.
    term.stream.end('exit\n');
    client.end();
    await closed;
    await waitFor('the busy sandbox to auto-stop once idle', async () => (await daytona.get(busy.id)).state === 'stopped', 10_000);

    // Interval 0 never stops, even a day later.
    await emu.admin.advanceTime(24 * 3600);
    await emu.admin.runAutoStop();
    expect((await daytona.get(forever.id)).state).toBe('started');
  });

  it('stops a sandbox now "as auto-stop would", dropping its gateway connections', async () => {
    const sandbox = await daytona.create({ labels: { suite: 'autostop', role: 'forced' }, autoStopInterval: 0 });
    const { token } = await sandbox.createSshAccess(600);
    const client = await connectGateway(emu.gateway.port, token);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const term = await shell(client, { rows: 24, cols: 80 });
    term.stream.write('echo connected\n');
    await term.expect(/connected/);
    await emu.admin.autoStopNow(sandbox.id);
    await closed;
    await sandbox.refreshData();
    expect(sandbox.state).toBe('stopped');
    // The SDK wakes it up again.
    await sandbox.start();
    expect(sandbox.state).toBe('started');
  });
});
