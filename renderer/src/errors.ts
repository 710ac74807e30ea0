import type { ErrorCode } from '../../shared/errors.js';
import { isNexusError } from '../../shared/errors.js';

/** What a user can do about each kind of failure, when the message alone does not say. */
const nextStep: Partial<Record<ErrorCode, string>> = {
  docker_unavailable: 'Start the Docker engine (Docker Desktop, or `sudo systemctl start docker` on Linux), then try again.',
  daytona_auth: 'Sign in to Daytona again with a valid API key (Settings → Daytona).',
  credentials_missing: 'Sign in to Daytona (Settings → Daytona) or set DAYTONA_API_KEY, then try again.',
  daytona_unreachable: 'Check your network and the Daytona API URL, then try again.',
  rate_limited: 'Daytona is limiting requests: wait a minute, then try again.',
  ssh_failed: 'Make sure the workspace is running (Start it), then try again.',
  sync_failed: 'Check the sync line on the workspace card for the problem, then use Sync now or restart the workspace.',
  git_failed: 'Check the repository with `git status` in a terminal, fix what git reports, then try again.',
  config_invalid: 'Fix config.yaml where Settings points, then try again.',
  part_missing: 'Install the missing part (Settings → About lists what this machine has), then try again.',
  timeout: 'It took too long. Try again; if it keeps happening, look at nexus.log in the Nexus folder.',
  busy: 'Another operation on this workspace is still running. Wait for it to finish.',
  internal: 'If this keeps happening, the details are in nexus.log in the Nexus folder.',
};

export interface ShownError {
  code: ErrorCode | 'unexpected';
  message: string;
  /** What to do, when the code tells us more than the message. */
  hint: string | null;
  field: string | null;
}

/** Turns anything thrown by a call into what the window shows. */
export function describeError(err: unknown): ShownError {
  if (isNexusError(err)) {
    // Transport messages ("Not connected…", "Lost the connection…") already say what to do.
    const transport = err.code === 'internal' && /connect/i.test(err.message);
    return { code: err.code, message: err.message, hint: transport ? null : (nextStep[err.code] ?? null), field: err.field ?? null };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'unexpected', message, hint: nextStep.internal ?? null, field: null };
}
