import { z } from 'zod';

export const WORKSPACE_NAME_RULE =
  "Use 1–40 characters: lowercase letters, digits and '-', starting and ending with a letter or digit.";

/** Workspace names become branch names, container names and ssh aliases: keep them boring. */
export const WorkspaceName = z
  .string()
  .max(40, { message: `Workspace name is too long. ${WORKSPACE_NAME_RULE}` })
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, { message: `Workspace name is not allowed. ${WORKSPACE_NAME_RULE}` });

export const WorkspaceId = z.string().regex(/^[a-z0-9]{12}$/, { message: 'Not a workspace id.' });
export const BackendKind = z.enum(['docker', 'daytona']);
export type BackendKind = z.infer<typeof BackendKind>;

/** `sleeping` is a stopped workspace: Docker stopped or Daytona auto-stopped; its files are kept. */
export const WorkspaceStatus = z.enum([
  'creating',
  'starting',
  'running',
  'stopping',
  'sleeping',
  'archived',
  'deleting',
  'missing',
  'error',
  'unknown',
]);
export type WorkspaceStatus = z.infer<typeof WorkspaceStatus>;

export const SyncStatus = z.enum([
  'off',
  'connecting',
  'watching',
  'scanning',
  'staging',
  'reconciling',
  'saving',
  'disconnected',
  'halted',
  'paused',
]);
export type SyncStatus = z.infer<typeof SyncStatus>;

export const SyncConflict = z.strictObject({
  path: z.string(),
  alpha: z.array(z.string()),
  beta: z.array(z.string()),
});

export const SyncState = z.strictObject({
  status: SyncStatus,
  /** Mutagen's own status word, for the detail line. */
  raw: z.string(),
  lastError: z.string().nullable(),
  staging: z.strictObject({ received: z.number(), expected: z.number() }).nullable(),
  conflicts: z.array(SyncConflict),
  problems: z.array(z.string()),
});
export type SyncState = z.infer<typeof SyncState>;

export const Ttl = z.strictObject({
  /** When the backend will stop the workspace unless something is active (ISO time). */
  stopsAt: z.string(),
  autoStopMinutes: z.number(),
  keptAwakeBy: z.array(z.string()),
});

export const Workspace = z.strictObject({
  id: WorkspaceId,
  name: WorkspaceName,
  backend: BackendKind,
  repo: z.string(),
  branch: z.string(),
  base: z.string(),
  worktree: z.string(),
  sshAlias: z.string(),
  status: WorkspaceStatus,
  /** Why the status is what it is, in words (e.g. the error, or "container was removed"). */
  statusDetail: z.string().nullable(),
  createdAt: z.string(),
  sync: SyncState.nullable(),
  ttl: Ttl.nullable(),
});
export type Workspace = z.infer<typeof Workspace>;

export const CreateStep = z.enum(['validate', 'worktree', 'image', 'container', 'ssh', 'files', 'sync', 'ready']);
export type CreateStep = z.infer<typeof CreateStep>;

export const Progress = z.strictObject({
  workspaceId: WorkspaceId,
  name: WorkspaceName,
  step: CreateStep,
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  detail: z.string().max(2000),
  /** 0..1 when the step can measure itself. */
  fraction: z.number().min(0).max(1).nullable(),
});
export type Progress = z.infer<typeof Progress>;

export const Repo = z.strictObject({
  path: z.string(),
  name: z.string(),
  currentBranch: z.string().nullable(),
  addedAt: z.string(),
});
export type Repo = z.infer<typeof Repo>;

export const DeleteRisk = z.strictObject({
  /** Files with uncommitted changes in the worktree (git status paths). */
  uncommitted: z.array(z.string()),
  /** Commits on the workspace branch that are not in its base (one line each). */
  unmerged: z.array(z.string()),
});
export type DeleteRisk = z.infer<typeof DeleteRisk>;
