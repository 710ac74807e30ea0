import { Workspace } from '../../shared/domain/workspace.js';
import type { WorkspaceStatus } from '../../shared/domain/workspace.js';

/** A contract-valid workspace for the desktop specs (parsed, so a drifted shape fails loudly). */
export function workspace(name: string, status: WorkspaceStatus, extra: Partial<Workspace> = {}): Workspace {
  const id = `${name.replace(/[^a-z0-9]/g, '')}000000000000`.slice(0, 12);
  return Workspace.parse({
    id,
    name,
    backend: 'daytona',
    repo: '/home/me/project',
    branch: `nexus/${name}`,
    base: 'main',
    worktree: `/home/me/.nexus/worktrees/project/${name}`,
    sshAlias: `nexus-${name}`,
    status,
    statusDetail: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    sync: null,
    ttl: null,
    ...extra,
  });
}

/** A Daytona TTL that stops `inMs` after `now`. */
export function ttlIn(now: number, inMs: number, autoStopMinutes = 15): NonNullable<Workspace['ttl']> {
  return { stopsAt: new Date(now + inMs).toISOString(), autoStopMinutes, keptAwakeBy: [] };
}
