import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nexusPaths } from '../config/paths.js';
import { createLogger } from '../log/logger.js';
import { run, runOk } from '../process/run.js';
import { tempHome } from '../../testing/fixtures/temp-home.js';
import { MutagenCli, mutagenEnv } from './cli.js';
import { MutagenDaemon } from './daemon.js';
import type { DaemonState } from './daemon.js';
import { resolveMutagen } from './mutagen-binary.js';
import { writeSshWrappers } from './ssh-wrappers.js';
import { SyncService } from './sync-service.js';

const log = createLogger('sync-spec', { level: 'error' });
const hasTar = (await run('tar', ['--version']).catch(() => null))?.code === 0;

function script(path: string, body: string): string {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** A stand-in `mutagen` (and optionally its agent bundle) in a fresh folder. */
async function fakeMutagen(options: { version?: string; agentVersion?: string | null; daemon?: string } = {}): Promise<string> {
  const dir = join(tempHome(), 'bin');
  mkdirSync(dir, { recursive: true });
  const bin = script(
    join(dir, 'mutagen'),
    [
      'case "$1" in',
      `  version) echo ${options.version ?? '0.18.1'} ;;`,
      `  daemon) ${options.daemon ?? 'exec sleep 30'} ;;`,
      "  sync) echo '[]' ;;",
      'esac',
    ].join('\n'),
  );
  if (options.agentVersion !== null) {
    const stage = join(dir, 'stage');
    mkdirSync(stage);
    const arch = process.arch === 'x64' ? 'amd64' : process.arch;
    script(join(stage, `linux_${arch}`), `echo ${options.agentVersion ?? '0.18.1'}`);
    await runOk('tar', ['-czf', join(dir, 'mutagen-agents.tar.gz'), '-C', stage, `linux_${arch}`]);
  }
  return bin;
}

describe('finding and checking Mutagen', () => {
  it('a missing binary is a part_missing error that says what to install', async () => {
    const home = tempHome();
    const service = new SyncService({ paths: nexusPaths(home), mutagenPath: join(home, 'no', 'mutagen'), excludes: () => [], log, onState: () => undefined });
    await expect(service.start()).rejects.toMatchObject({
      code: 'part_missing',
      message: expect.stringMatching(/Mutagen was not found at .*no\/mutagen \(sync\.mutagen_path\)\. Install Mutagen 0\.18\.x .*scripts\/provision\.sh.*sync\.mutagen_path/),
    });
    await service.dispose();
  });

  it('no mutagen on PATH says so; a relative sync.mutagen_path is a config error', async () => {
    await expect(resolveMutagen(null, { PATH: tempHome() })).rejects.toMatchObject({ code: 'part_missing', message: expect.stringContaining('Mutagen was not found on PATH') });
    await expect(resolveMutagen('bin/mutagen')).rejects.toMatchObject({ code: 'config_invalid' });
  });

  it.runIf(hasTar && process.platform === 'linux')('accepts a CLI and agent bundle of the same version', async () => {
    const bin = await fakeMutagen();
    expect(await resolveMutagen(bin)).toMatchObject({ path: bin, version: '0.18.1' });
  });

  it.runIf(hasTar && process.platform === 'linux')('refuses an agent bundle of another version than the CLI', async () => {
    await expect(resolveMutagen(await fakeMutagen({ agentVersion: '0.17.6' }))).rejects.toMatchObject({
      code: 'part_missing',
      message: expect.stringMatching(/CLI is 0\.18\.1 but its agent bundle .* is 0\.17\.6/),
    });
  });

  it('refuses a missing agent bundle, and an unsupported CLI version', async () => {
    await expect(resolveMutagen(await fakeMutagen({ agentVersion: null }))).rejects.toMatchObject({
      code: 'part_missing',
      message: expect.stringContaining('mutagen-agents.tar.gz) was not found'),
    });
    await expect(resolveMutagen(await fakeMutagen({ version: '0.16.0' }))).rejects.toMatchObject({
      code: 'part_missing',
      message: expect.stringContaining('Mutagen 0.16.0'),
    });
  });
});

describe('ssh wrappers for MUTAGEN_SSH_PATH', () => {
  it('run the real programs found on PATH with -F <nexus config>, passing arguments through intact', async () => {
    const home = join(tempHome(), "it's a home");
    const paths = nexusPaths(home);
    const fakeBin = join(tempHome(), 'real bin');
    mkdirSync(fakeBin);
    for (const name of ['ssh', 'scp']) script(join(fakeBin, name), `for a in "$@"; do printf '%s\\n' "$a"; done`);
    const dir = await writeSshWrappers(paths, { PATH: `${join(home, 'mutagen-ssh')}:${fakeBin}` });
    expect(dir).toBe(join(home, 'mutagen-ssh'));
    expect(readFileSync(join(dir, 'ssh'), 'utf8')).toContain(`'${fakeBin}/ssh'`);
    const out = await runOk(join(dir, 'ssh'), ['-oConnectTimeout=5', 'nexus-a', 'mutagen-agent synchronizer', '$HOME `x`']);
    expect(out.split('\n').filter(Boolean)).toEqual(['-F', paths.sshConfig, '-oConnectTimeout=5', 'nexus-a', 'mutagen-agent synchronizer', '$HOME `x`']);
    expect((await runOk(join(dir, 'scp'), ['a', 'b'])).split('\n').filter(Boolean)).toEqual(['-F', paths.sshConfig, 'a', 'b']);
  });

  it('without OpenSSH on PATH it is a part_missing error', async () => {
    await expect(writeSshWrappers(nexusPaths(tempHome()), { PATH: tempHome() })).rejects.toMatchObject({ code: 'part_missing', message: expect.stringContaining('openssh-client') });
  });
});

describe('the private daemon', () => {
  let daemon: MutagenDaemon | null = null;
  afterEach(async () => {
    await daemon?.stop();
    daemon = null;
  });

  it.runIf(process.platform !== 'win32')('restarts a daemon that keeps dying a bounded number of times, then reports failed', async () => {
    const bin = await fakeMutagen({ daemon: 'sleep 0.3; echo "fatal: broken" >&2; exit 3' });
    const home = tempHome();
    const states: DaemonState[] = [];
    daemon = new MutagenDaemon({ cli: new MutagenCli(bin, mutagenEnv(process.env, join(home, 'mg'), home)), log, maxRestarts: 3, restartDelayMs: 20, onState: (s) => states.push(s) });
    await daemon.start();
    const deadline = Date.now() + 15_000;
    while (daemon.state().status !== 'failed' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(daemon.state()).toMatchObject({ status: 'failed', pid: null, restarts: 4, lastError: expect.stringContaining('fatal: broken') });
    expect(states.filter((s) => s.status === 'restarting').map((s) => s.restarts)).toEqual([1, 2, 3]);
  });

  it.runIf(process.platform !== 'win32')('stop signals the daemon and waits for it', async () => {
    const bin = await fakeMutagen({ daemon: 'echo $$ > "$MUTAGEN_DATA_DIRECTORY.pid"; exec sleep 30' });
    const home = tempHome();
    daemon = new MutagenDaemon({ cli: new MutagenCli(bin, mutagenEnv(process.env, join(home, 'mg'), home)), log });
    await daemon.start();
    const pid = daemon.state().pid!;
    expect(pid).toBeGreaterThan(0);
    await daemon.stop();
    expect(daemon.state().status).toBe('stopped');
    expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(join(home, 'mg.pid'))).toBe(true);
  });
});
