import type { SyncState, Ttl, Workspace, WorkspaceStatus } from '../../shared/domain/workspace.js';
import type { z } from 'zod';
import type { WorkspaceRecord } from './state-store.js';

export interface Live {
  status: WorkspaceStatus;
  detail: string | null;
  sync: SyncState | null;
  ttl: z.infer<typeof Ttl> | null;
}

/** What the card shows: the remembered record plus what the backend and sync say now. */
export function toView(record: WorkspaceRecord, live: Live | undefined): Workspace {
  return {
    id: record.id,
    name: record.name,
    backend: record.backend,
    repo: record.repo,
    branch: record.branch,
    base: record.base,
    worktree: record.worktree,
    sshAlias: record.sshAlias,
    status: live?.status ?? 'unknown',
    statusDetail: live?.detail ?? null,
    createdAt: record.createdAt,
    sync: live?.sync ?? null,
    ttl: live?.ttl ?? null,
  };
}
