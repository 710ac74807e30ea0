import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daytona } from '@daytonaio/sdk';
import type { Sandbox } from '@daytonaio/sdk';
import type { ClientChannel } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireParts } from '../parts.js';
import { startEmulator } from './emulator.js';
import type { RunningEmulator } from './emulator.js';
import { connectGateway, exec, scp, shell, ssh, waitFor } from './spec-helpers.js';

const parts = await requireParts(['docker', 'workspace-image', 'ssh']);

describe.skipIf(!parts.ok)('Daytona emulator SSH gateway', () => {
  let emu: RunningEmulator;
  let daytona: Daytona;
  let sandbox: Sandbox;
  let token: string;
  const tmp = mkdtempSync(join(tmpdir(), 'emu-gateway-spec-'));

  beforeAll(async () => {
    emu = await startEmulator({ timeScale: 60 });
    daytona = new Daytona({ apiKey: emu.apiKey, apiUrl: emu.apiUrl });
    sandbox = await daytona.create({ labels: { suite: 'gateway' }, autoStopInterval: 0 });
    token = (await sandbox.createSshAccess(600)).token;
  });

  afterAll(async () => {
    await daytona?.[Symbol.asyncDispose]();
    if (emu) {
      await emu.removeAllSandboxes();
      await emu.stop();
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  it('runs a command with OpenSSH: output, stderr and exit status come through', async () => {
    const ok = await ssh(emu.gateway.port, token, tmp, 'echo hi; id -un');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('hi\nnexus\n');
    const failing = await ssh(emu.gateway.port, token, tmp, 'echo out; echo err >&2; exit 7');
    expect(failing.code).toBe(7);
    expect(failing.stdout).toBe('out\n');
    expect(failing.stderr).toContain('err');
  });

  it('copies files in and out with scp (SFTP mode)', async () => {
    const local = join(tmp, 'in.bin');
    const content = randomBytes(3 * 1024 * 1024);
    writeFileSync(local, content);
    const up = await scp(emu.gateway.port, token, tmp, local, ':/workspace/in.bin');
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    const sum = await ssh(emu.gateway.port, token, tmp, 'sha256sum /workspace/in.bin');
    expect(sum.stdout.split(' ')[0]).toBe(createHash('sha256').update(content).digest('hex'));
    const back = join(tmp, 'out.bin');
    const down = await scp(emu.gateway.port, token, tmp, ':/workspace/in.bin', back);
    expect(down.code).toBe(0);
    expect(readFileSync(back).equals(content)).toBe(true);
  });

  it('forwards PTY, window changes, env, signals, exit signals and direct-tcpip; refuses -R', async () => {
    const client = await connectGateway(emu.gateway.port, token);
    try {
      const term = await shell(client, { rows: 30, cols: 100, term: 'xterm' });
      term.stream.write('stty size\n');
      await term.expect(/30 100/);
      term.stream.setWindow(40, 120, 0, 0);
      await new Promise((r) => setTimeout(r, 200));
      term.stream.write('stty size\n');
      await term.expect(/40 120/);
      term.stream.end('exit\n');

      expect(await exec(client, 'echo "$NEXUS_FOO"', { env: { NEXUS_FOO: 'bar' } })).toMatchObject({ stdout: 'bar\n', code: 0 });
      expect(await exec(client, 'kill -TERM $$')).toMatchObject({ code: null, signal: 'SIGTERM' });
      const signalled = await exec(client, 'sleep 30', {
        onStream: (s: ClientChannel) => setTimeout(() => s.signal('INT'), 300),
      });
      expect(signalled).toMatchObject({ code: null, signal: 'SIGINT' });
      // stdin is forwarded, EOF included.
      const cat = await exec(client, 'wc -c', { onStream: (s) => s.end('x'.repeat(100_000)) });
      expect(cat.stdout.trim()).toBe('100000');

      // direct-tcpip (ssh -L): reaches the container's own sshd on its localhost.
      const banner = await new Promise<string>((resolve, reject) =>
        client.forwardOut('127.0.0.1', 40000, '127.0.0.1', 22, (err, stream) => {
          if (err) return reject(err);
          stream.once('data', (d: Buffer) => {
            resolve(d.toString());
            stream.close();
          });
        }),
      );
      expect(banner).toMatch(/^SSH-2\.0-OpenSSH/);

      // Global requests (ssh -R) are refused.
      const remote = await new Promise<Error | undefined>((resolve) => client.forwardIn('127.0.0.1', 0, (err) => resolve(err)));
      expect(remote).toBeInstanceOf(Error);
    } finally {
      client.end();
    }
  });

  it('keeps a slow reader bounded: a flood of output waits for the reader (backpressure)', async () => {
    const client = await connectGateway(emu.gateway.port, token);
    try {
      const size = 96 * 1024 * 1024;
      const { total, grown } = await new Promise<{ total: number; grown: number }>((resolve, reject) => {
        client.exec(`head -c ${size} /dev/zero`, (err, stream) => {
          if (err) return reject(err);
          stream.pause();
          // This process hosts the emulator too: while the client does not read, the bytes in
          // flight stay within a few SSH windows instead of the whole flood.
          const before = process.memoryUsage().arrayBuffers;
          setTimeout(() => {
            const grownWhilePaused = process.memoryUsage().arrayBuffers - before;
            let n = 0;
            stream.on('data', (d: Buffer) => (n += d.length));
            stream.on('close', () => resolve({ total: n, grown: grownWhilePaused }));
            stream.resume();
          }, 2_000);
        });
      });
      expect(grown).toBeLessThan(32 * 1024 * 1024);
      expect(total).toBe(size);
    } finally {
      client.end();
    }
  });

  it('drops gateway connections on demand', async () => {
    const client = await connectGateway(emu.gateway.port, token);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const term = await shell(client, { rows: 24, cols: 80 });
    term.stream.write('echo ready\n');
    await term.expect(/ready/);
    await waitFor('the open channel to show', async () => (await emu.admin.state()).sandboxes[0]?.openChannels === 1);
    expect(await emu.admin.dropGatewayConnections(sandbox.id)).toBe(1);
    await closed;
    await waitFor('no gateway connections', async () => (await emu.admin.state()).sandboxes[0]?.gatewayConnections === 0);
  });

  it('refuses a revoked token, an expired token and a stopped sandbox', async () => {
    const refused = async (t: string) => {
      const r = await ssh(emu.gateway.port, t, tmp, 'echo should-not-run');
      expect(r.code).toBe(255);
      expect(r.stdout).toBe('');
      return r;
    };

    // Creating access revokes earlier tokens.
    const a = (await sandbox.createSshAccess(60)).token;
    const b = (await sandbox.createSshAccess(60)).token;
    await refused(a);
    expect((await ssh(emu.gateway.port, b, tmp, 'echo ok')).stdout).toBe('ok\n');
    await sandbox.revokeSshAccess(b);
    await refused(b);
    expect((await sandbox.validateSshAccess(b)).valid).toBe(false);

    // Expired now (admin), and expired by the emulated clock (1 min = 1 s at time scale 60).
    const c = (await sandbox.createSshAccess(60)).token;
    await emu.admin.expireToken(c);
    await refused(c);
    const d = (await sandbox.createSshAccess(1)).token;
    expect((await ssh(emu.gateway.port, d, tmp, 'echo ok')).stdout).toBe('ok\n');
    await new Promise((r) => setTimeout(r, 1_500));
    await refused(d);

    // A stopped sandbox: its open connections are dropped and new ones refused.
    const e = (await sandbox.createSshAccess(60)).token;
    const client = await connectGateway(emu.gateway.port, e);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const term = await shell(client, { rows: 24, cols: 80 });
    term.stream.write('echo connected\n');
    await term.expect(/connected/);
    await sandbox.stop();
    await closed;
    await refused(e);
    await sandbox.start();
    expect((await ssh(emu.gateway.port, e, tmp, 'echo back')).stdout).toBe('back\n');
  });
});
