/**
 * Sync benchmark: Mutagen (through SyncService, as the app runs it) against `rsync -a` over the
 * same ssh alias, into a real workspace container.
 *
 *  - initial sync of a generated git repo of 10,000 files / 100 MB (median of 3, each into an
 *    emptied /workspace, the first including the agent install), next to rsync in the same run;
 *  - edit propagation latency host → container and container → host (median of 20), each edit
 *    in a folder not touched for a while (no inotify shortcut: the 1 s rescan is what is timed);
 *  - the CPU the 1 s rescans cost while idle (daemon on the host, agent in the container).
 *
 * Needs Docker, the nexus-workspace image, Mutagen and OpenSSH (as the sync specs do).
 */
import { randomBytes } from 'node:crypto';
import { median, report } from './lib.js';
import { mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { nexusPaths } from '../main/config/paths.js';
import { createLogger } from '../main/log/logger.js';
import { run as runCommand, runOk } from '../main/process/run.js';
import { remote, remoteWatch, remoteWrite, removeTestContainers, startTestWorkspace, until } from '../main/sync/spec-support.js';
import { SyncService } from '../main/sync/sync-service.js';
import { gitIn } from '../testing/fixtures/git-repo.js';
import { tempHome } from '../testing/fixtures/temp-home.js';

const FILES = 10_000;
const TOTAL_BYTES = 100 * 1024 * 1024;
const DIRS = 100;
const RUNS = 3;
const EDITS = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number) => Math.round(n);

async function generateRepo(parent: string): Promise<string> {
  const dir = join(parent, 'bench-repo');
  const size = Math.floor(TOTAL_BYTES / FILES);
  for (let i = 0; i < FILES; i++) {
    const sub = join(dir, `pkg${i % DIRS}`, 'src');
    if (i < DIRS) mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `file${i}.dat`), randomBytes(size)); // incompressible: no flattering
  }
  await gitIn(dir, 'init', '-q', '-b', 'main');
  await gitIn(dir, 'add', '-A');
  await gitIn(dir, 'commit', '-q', '-m', 'bench');
  return dir;
}

/** utime+stime of a process, in seconds (Linux /proc). */
function cpuSeconds(statLine: string): number {
  const fields = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
}

export async function run(): Promise<object> {
  const home = tempHome();
  const owner = basename(home);
  const paths = nexusPaths(home);
  const alias = 'nexus-bench';
  const id = 'b0b0b0b0b0b0';
  const log = createLogger('bench-sync', { level: 'warn' });
  const say = (line: string) => process.stdout.write(`[sync bench] ${line}\n`);
  const service = new SyncService({ paths, excludes: () => [], log, onState: () => undefined });
  try {
    say(`generating ${FILES} files / ${TOTAL_BYTES / 1024 / 1024} MB`);
    const repo = await generateRepo(home);
    const ws = await startTestWorkspace(paths, alias, owner);
    await service.start();
    const mutagenVersion = service.mutagen?.version ?? '?';

    // rsync must exist on both ends; the workspace image does not ship it, so add it here.
    let rsyncNote = 'installed in the bench container with apt-get';
    if ((await remote(paths, alias, 'command -v rsync || true')).trim() === '') {
      const install = await runCommand('docker', ['exec', '-u', 'root', ws.container, 'sh', '-c', 'apt-get update -qq && apt-get install -y -qq --no-install-recommends rsync'], { timeoutMs: 180_000 });
      if (install.code !== 0) rsyncNote = `could not be installed: ${install.stderr.trim().split('\n').pop() ?? ''}`;
    } else rsyncNote = 'present in the image';
    const rsyncAvailable = (await remote(paths, alias, 'command -v rsync || true')).trim() !== '';

    const clean = (dir: string) => remote(paths, alias, `mkdir -p ${dir} && find ${dir} -mindepth 1 -delete`);
    const mutagenRuns: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await service.terminate(id);
      await clean('/workspace');
      const t0 = performance.now();
      await service.create({ id, name: 'bench', worktree: repo, sshAlias: alias }, () => undefined, new AbortController().signal);
      mutagenRuns.push(performance.now() - t0);
      say(`mutagen initial sync ${i + 1}: ${round(mutagenRuns[i]!)} ms`);
    }
    const remoteCount = Number((await remote(paths, alias, 'find /workspace -type f | wc -l')).trim());

    const rsyncRuns: number[] = [];
    if (rsyncAvailable) {
      // Mutagen's 1 s rescans would otherwise compete with rsync for the same disk and cores.
      await service.pause(id);
      for (let i = 0; i < RUNS; i++) {
        await clean('/tmp/rsync-target');
        const t0 = performance.now();
        await runOk('rsync', ['-a', '--exclude', '.git', '-e', `ssh -F ${paths.sshConfig}`, `${repo}/`, `${alias}:/tmp/rsync-target/`], { timeoutMs: 600_000 });
        rsyncRuns.push(performance.now() - t0);
        say(`rsync -a ${i + 1}: ${round(rsyncRuns[i]!)} ms`);
      }
      await clean('/tmp/rsync-target');
      await service.resume(id);
    }

    // Latency, on the watching 10k-file session. Each edit goes to a different package that
    // was not touched in this phase, then a pause so no two edits share a cycle.
    await service.flush(id);
    await sleep(3_000);
    const localToRemote: number[] = [];
    for (let i = 0; i < EDITS; i++) {
      const rel = `pkg${(i * 7) % DIRS}/src/edit-l${i}.txt`;
      const content = `host edit ${i} ${Date.now()}\n`;
      const watch = remoteWatch(paths, alias, `/workspace/${rel}`, content);
      await watch.ready;
      const t0 = Date.now();
      writeFileSync(join(repo, rel), content);
      localToRemote.push((await watch.seenAt) - t0);
      await sleep(1_200);
    }
    say(`local → remote: median ${median(localToRemote)} ms ${JSON.stringify(localToRemote)}`);
    const remoteToLocal: number[] = [];
    for (let i = 0; i < EDITS; i++) {
      const rel = `pkg${(i * 7 + 3) % DIRS}/src/edit-r${i}.txt`;
      const content = `container edit ${i} ${Date.now()}\n`;
      const written = await remoteWrite(paths, alias, `/workspace/${rel}`, content);
      const local = join(repo, rel);
      await until(() => existsSync(local) && readFileSync(local, 'utf8') === content, 30_000, `${rel} on the host`, 5);
      remoteToLocal.push(Date.now() - written);
      await sleep(1_200);
    }
    say(`remote → local: median ${median(remoteToLocal)} ms ${JSON.stringify(remoteToLocal)}`);

    // Idle cost of the 1 s rescans over 10 s.
    const daemonPid = service.daemonState().pid;
    const agentStat = () => remote(paths, alias, 'cat /proc/$(pgrep -o -f "mutagen-agent synchronizer")/stat');
    const daemonStat = () => (daemonPid ? readFileSync(`/proc/${daemonPid}/stat`, 'utf8') : '');
    const [a0, d0] = [await agentStat().catch(() => ''), daemonStat()];
    await sleep(10_000);
    const [a1, d1] = [await agentStat().catch(() => ''), daemonStat()];
    const idleCpu = {
      agentPercent: a0 && a1 ? Math.round(((cpuSeconds(a1) - cpuSeconds(a0)) / 10) * 1000) / 10 : null,
      daemonPercent: d0 && d1 ? Math.round(((cpuSeconds(d1) - cpuSeconds(d0)) / 10) * 1000) / 10 : null,
    };
    say(`idle CPU over 10 s: agent ${idleCpu.agentPercent}% daemon ${idleCpu.daemonPercent}%`);

    const result = {
      mutagen: mutagenVersion,
      tree: { files: FILES, bytes: TOTAL_BYTES, directories: DIRS, syncedFiles: remoteCount },
      initialSyncMs: {
        mutagen: { median: round(median(mutagenRuns)), runs: mutagenRuns.map(round), note: 'run 1 includes copying the Mutagen agent' },
        rsync: rsyncAvailable ? { median: round(median(rsyncRuns)), runs: rsyncRuns.map(round), note: `rsync -a --exclude .git; rsync ${rsyncNote}` } : { note: `rsync ${rsyncNote}` },
      },
      latencyMs: {
        localToRemote: { median: median(localToRemote), samples: localToRemote },
        remoteToLocal: { median: median(remoteToLocal), samples: remoteToLocal },
      },
      idleCpuPercent: idleCpu,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await service.dispose();
    await removeTestContainers(owner);
  }
}

/** `npm run bench -- sync`: the figures next to rsync's, written to bench/results/sync.json. */
export async function bench(): Promise<void> {
  const r = (await run()) as {
    initialSyncMs: { mutagen: { median: number }; rsync: { median?: number } };
    latencyMs: { localToRemote: { median: number }; remoteToLocal: { median: number } };
  };
  const mutagen = r.initialSyncMs.mutagen.median;
  const rsync = r.initialSyncMs.rsync.median;
  report('sync', [
    { name: 'initial sync, 10,000 files / 100 MB (Mutagen)', value: mutagen, unit: 'ms' },
    ...(rsync ? [
      { name: 'anchor: rsync -a over the same ssh alias', value: rsync, unit: 'ms' },
      { name: 'Mutagen / rsync', value: mutagen / rsync, unit: '×', target: '≤ 2×', met: mutagen / rsync <= 2 },
    ] : []),
    { name: 'edit latency local → remote (median of 20)', value: r.latencyMs.localToRemote.median, unit: 'ms', target: '≤ 1000 ms', met: r.latencyMs.localToRemote.median <= 1000 },
    { name: 'edit latency remote → local (median of 20)', value: r.latencyMs.remoteToLocal.median, unit: 'ms', target: '≤ 2000 ms', met: r.latencyMs.remoteToLocal.median <= 2000 },
  ], r);
}
