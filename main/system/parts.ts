import type { PartName, PartStatus } from '../../shared/domain/about.js';
import { run } from '../process/run.js';

interface Probe {
  command: string;
  args: string[];
  /** Pulls the version out of the command's output. */
  version: (out: string) => string | null;
  missing: string;
}

const firstMatch = (re: RegExp) => (out: string) => re.exec(out)?.[1] ?? null;

const probes: Record<PartName, Probe> = {
  docker: {
    command: 'docker',
    args: ['version', '--format', '{{.Server.Version}}'],
    version: (out) => out.trim() || null,
    missing: 'Docker is not running — start Docker Desktop or dockerd.',
  },
  mutagen: {
    command: 'mutagen',
    args: ['version'],
    version: firstMatch(/(\d+\.\d+\.\d+\S*)/),
    missing: 'Mutagen was not found — install it (bash scripts/provision.sh builds it) or set sync.mutagen_path.',
  },
  git: {
    command: 'git',
    args: ['--version'],
    version: firstMatch(/git version (\S+)/),
    missing: 'git was not found — install git and make sure it is on PATH.',
  },
  openssh: {
    command: 'ssh',
    args: ['-V'],
    version: firstMatch(/OpenSSH_([^\s,]+)/),
    missing: 'OpenSSH client was not found — install openssh-client.',
  },
};

export async function probePart(name: PartName, commandOverride?: string): Promise<PartStatus> {
  const probe = probes[name];
  try {
    const result = await run(commandOverride ?? probe.command, probe.args, { timeoutMs: 5_000 });
    // ssh -V prints to stderr.
    const version = result.code === 0 ? probe.version(result.stdout + result.stderr) : null;
    if (version) return { name, found: true, version, detail: 'found' };
    const reason = (result.stderr || result.stdout).trim().split('\n')[0] ?? '';
    return { name, found: false, version: null, detail: reason ? `${probe.missing} (${reason.slice(0, 300)})` : probe.missing };
  } catch {
    return { name, found: false, version: null, detail: probe.missing };
  }
}

export function probeParts(overrides: Partial<Record<PartName, string>> = {}): Promise<PartStatus[]> {
  return Promise.all((Object.keys(probes) as PartName[]).map((name) => probePart(name, overrides[name])));
}
