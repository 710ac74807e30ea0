import { constants } from 'node:fs';
import { access, mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { NexusError } from '../../shared/errors.js';
import { run } from '../process/run.js';

/** The Mutagen minor version Nexus drives (flags and JSON fields were verified on 0.18.1). */
export const SUPPORTED_MUTAGEN = '0.18';

export const INSTALL_HINT =
  `Install Mutagen ${SUPPORTED_MUTAGEN}.x with its agent bundle (bash scripts/provision.sh builds both) or set sync.mutagen_path in ~/.nexus/config.yaml.`;

export interface MutagenBinary {
  /** Absolute path of the CLI (the same binary runs the daemon). */
  path: string;
  version: string;
  /** The agent bundle the CLI will copy to workspaces. */
  agentBundle: string;
}

/** Finds an executable on PATH (absolute path), skipping `skipDirs` (e.g. our own wrapper folder). */
export async function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env, skipDirs: readonly string[] = []): Promise<string | null> {
  const names = process.platform === 'win32' ? [`${name}.exe`, name] : [name];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir) || skipDirs.includes(dir)) continue;
    for (const n of names) {
      const candidate = join(dir, n);
      if (await isExecutableFile(candidate)) return candidate;
    }
  }
  return null;
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Mutagen CLI to use: `configured` (sync.mutagen_path) when set, else `mutagen` on PATH.
 * Checks that it runs, and that its agent bundle exists and (where the host can run it) is the
 * same version: CLI, daemon and agent must match exactly, or every connect fails obscurely.
 */
export async function resolveMutagen(configured: string | null | undefined, env: NodeJS.ProcessEnv = process.env): Promise<MutagenBinary> {
  let path: string | null;
  if (configured) {
    if (!isAbsolute(configured)) {
      throw new NexusError('config_invalid', `sync.mutagen_path must be an absolute path (it is "${configured}").`, { field: 'sync.mutagen_path' });
    }
    if (!(await isExecutableFile(configured))) {
      throw new NexusError('part_missing', `Mutagen was not found at ${configured} (sync.mutagen_path). ${INSTALL_HINT}`);
    }
    path = configured;
  } else {
    path = await findOnPath('mutagen', env);
    if (!path) throw new NexusError('part_missing', `Mutagen was not found on PATH. ${INSTALL_HINT}`);
  }

  const result = await run(path, ['version'], { timeoutMs: 10_000, env }).catch((err: Error) => ({ code: -1, stdout: '', stderr: err.message }));
  const version = /^(\d+\.\d+\.\d+\S*)/.exec(result.stdout.trim())?.[1];
  if (result.code !== 0 || !version) {
    const why = (result.stderr || result.stdout).trim().split('\n').slice(-2).join(' ');
    throw new NexusError('part_missing', `${path} is not a working Mutagen CLI (\`mutagen version\` failed${why ? `: ${why.slice(0, 300)}` : ''}). ${INSTALL_HINT}`);
  }
  if (!version.startsWith(`${SUPPORTED_MUTAGEN}.`)) {
    throw new NexusError('part_missing', `Mutagen ${version} at ${path} is not supported: Nexus needs ${SUPPORTED_MUTAGEN}.x. ${INSTALL_HINT}`);
  }

  const agentBundle = await findAgentBundle(path);
  if (!agentBundle) {
    throw new NexusError(
      'part_missing',
      `Mutagen's agent bundle (mutagen-agents.tar.gz) was not found beside ${path}: Mutagen ${version} cannot install its agent in workspaces without it. ${INSTALL_HINT}`,
    );
  }
  await checkAgentBundle(agentBundle, version, env);
  return { path, version, agentBundle };
}

/** Where the CLI itself looks: beside its (symlink-resolved) executable, or ../libexec/. */
async function findAgentBundle(cli: string): Promise<string | null> {
  const real = await realpath(cli).catch(() => cli);
  for (const dir of [dirname(real), join(dirname(real), '..', 'libexec')]) {
    const candidate = join(dir, 'mutagen-agents.tar.gz');
    if (await stat(candidate).then((s) => s.isFile()).catch(() => false)) return candidate;
  }
  return null;
}

function goArch(arch: string = process.arch): string {
  return arch === 'x64' ? 'amd64' : arch === 'ia32' ? '386' : arch;
}

/**
 * The bundle must hold a Linux agent (workspaces are Linux). On a Linux host the agent for the
 * host's architecture is run once (`<agent> version`) to compare with the CLI's version.
 */
export async function checkAgentBundle(bundle: string, cliVersion: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const listing = await run('tar', ['-tzf', bundle], { timeoutMs: 15_000, env }).catch((err: Error) => ({ code: -1, stdout: '', stderr: err.message }));
  if (listing.code !== 0) {
    throw new NexusError('part_missing', `Mutagen's agent bundle ${bundle} cannot be read (${listing.stderr.trim().slice(0, 200)}). ${INSTALL_HINT}`);
  }
  const entries = listing.stdout.split('\n').map((l) => l.trim().replace(/^\.\//, '')).filter(Boolean);
  const linux = entries.filter((e) => e.startsWith('linux_'));
  if (linux.length === 0) {
    throw new NexusError('part_missing', `Mutagen's agent bundle ${bundle} holds no Linux agent (entries: ${entries.slice(0, 8).join(', ') || 'none'}). ${INSTALL_HINT}`);
  }
  const own = `linux_${goArch()}`;
  if (process.platform !== 'linux' || !entries.includes(own)) return;

  const dir = await mkdtemp(join(tmpdir(), 'nx-agent-'));
  try {
    const extract = await run('tar', ['-xzf', bundle, '-C', dir, own], { timeoutMs: 30_000, env });
    if (extract.code !== 0) throw new NexusError('part_missing', `Mutagen's agent bundle ${bundle} cannot be unpacked (${extract.stderr.trim().slice(0, 200)}). ${INSTALL_HINT}`);
    const result = await run(join(dir, own), ['version'], { timeoutMs: 10_000, env }).catch((err: Error) => ({ code: -1, stdout: '', stderr: err.message }));
    const agentVersion = result.stdout.trim().split('\n')[0]?.trim() ?? '';
    if (result.code !== 0 || agentVersion !== cliVersion) {
      throw new NexusError(
        'part_missing',
        `Mutagen's CLI is ${cliVersion} but its agent bundle (${bundle}) is ${agentVersion || 'unreadable'}: they must be the same version. ${INSTALL_HINT}`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
