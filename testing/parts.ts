import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { run } from '../main/process/run.js';

/** Real parts a test may need. Each check returns null when present, else what is missing. */
const checks = {
  docker: async () => {
    const r = await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 10_000 }).catch(() => null);
    return r?.code === 0 ? null : 'a running Docker engine (bash scripts/provision.sh starts dockerd)';
  },
  'workspace-image': async () => {
    const r = await run('docker', ['image', 'inspect', 'nexus-workspace:latest'], { timeoutMs: 10_000 }).catch(() => null);
    return r?.code === 0 ? null : 'the nexus-workspace:latest image (bash scripts/provision.sh builds it)';
  },
  mutagen: async () => {
    const r = await run('mutagen', ['version'], { timeoutMs: 10_000 }).catch(() => null);
    return r?.code === 0 ? null : 'the mutagen CLI on PATH (bash scripts/provision.sh builds it)';
  },
  ssh: async () => {
    const r = await run('ssh', ['-V'], { timeoutMs: 5_000 }).catch(() => null);
    return r?.code === 0 ? null : 'the OpenSSH client (apt-get install openssh-client)';
  },
  chromium: async () => (existsSync(chromiumPath()) ? null : `Chromium at ${chromiumPath()} (apt-get install chromium)`),
  electron: async () => (electronBinary() ? null : 'an Electron binary (none can be downloaded here; set ELECTRON_OVERRIDE_DIST_PATH)'),
} satisfies Record<string, () => Promise<string | null>>;

export type Part = keyof typeof checks;

export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/**
 * Where the Electron binary is, without `require('electron')`: the package's index.js tries to
 * download a missing binary (noise and a network attempt on every run here). Same lookup as
 * that file: `path.txt` names the executable inside `dist/` or ELECTRON_OVERRIDE_DIST_PATH.
 */
export function electronBinary(): string | null {
  try {
    const pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const pathFile = join(pkgDir, 'path.txt');
    const executable = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
    const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
    const binary = override ? join(override, executable ?? 'electron') : executable ? join(pkgDir, 'dist', executable) : null;
    return binary && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

export const inCI = () => process.env.CI === 'true' || process.env.CI === '1';

/**
 * Checks the parts a spec needs. Outside CI a missing part skips the spec with one line naming
 * it; under CI it fails the run, because a green run that tested nothing is worse than red.
 * `optionalInCI` is only for the Electron runtime, which cannot exist on these machines.
 */
export async function requireParts(parts: Part[], options: { optionalInCI?: boolean } = {}): Promise<{ ok: boolean; missing: string[] }> {
  const results = await Promise.all(parts.map(async (p) => [p, await checks[p]()] as const));
  const missing = results.filter(([, why]) => why !== null).map(([p, why]) => `${p}: ${why}`);
  if (missing.length === 0) return { ok: true, missing };
  if (inCI() && !options.optionalInCI) {
    throw new Error(`CI=true and a required part is missing — ${missing.join('; ')}`);
  }
  process.stdout.write(`skipped: needs ${missing.join('; ')}\n`);
  return { ok: false, missing };
}
