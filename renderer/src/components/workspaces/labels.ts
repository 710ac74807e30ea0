import type { BackendKind, CreateStep, WorkspaceStatus } from '../../../../shared/domain/workspace.js';

export type Tone = 'ok' | 'busy' | 'idle' | 'bad' | 'muted';

/** The colour family of each status word. */
export const statusTone: Record<WorkspaceStatus, Tone> = {
  creating: 'busy',
  starting: 'busy',
  running: 'ok',
  stopping: 'busy',
  sleeping: 'idle',
  archived: 'muted',
  deleting: 'busy',
  missing: 'bad',
  error: 'bad',
  unknown: 'muted',
};

export const backendLabel: Record<BackendKind, string> = { docker: 'Docker', daytona: 'Daytona' };

export const stepLabel: Record<CreateStep, string> = {
  validate: 'Check the name and repository',
  worktree: 'Create the git worktree and branch',
  image: 'Prepare the workspace image',
  container: 'Create the container or sandbox',
  ssh: 'Connect over SSH',
  files: 'Copy the files in',
  sync: 'Start file sync',
  ready: 'Ready',
};

export const STEPS: readonly CreateStep[] = ['validate', 'worktree', 'image', 'container', 'ssh', 'files', 'sync', 'ready'];

/** "project" from "/home/me/code/project". */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}
