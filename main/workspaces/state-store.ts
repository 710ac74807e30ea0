import { existsSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { z } from 'zod';
import { Repo, Workspace } from '../../shared/domain/workspace.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { SerialQueue } from '../fs/serial-queue.js';
import type { Logger } from '../log/logger.js';

/**
 * What Nexus remembers about a workspace. The backend is the source of truth for its state;
 * this is the cache and the id mapping, plus `phase` so an interrupted create or delete can be
 * finished or rolled back at the next start.
 */
export const WorkspaceRecord = z.object(
  Workspace.pick({ id: true, name: true, backend: true, repo: true, branch: true, base: true, worktree: true, sshAlias: true, createdAt: true }).shape,
).extend({
  /** The commit the branch was made from (what "unmerged" is measured against). */
  baseCommit: z.string(),
  instanceId: z.string().nullable(),
  phase: z.enum(['creating', 'ready', 'deleting']),
  /** Set when the workspace was found on a backend without a record (adopted at startup). */
  adopted: z.boolean().default(false),
});
export type WorkspaceRecord = z.infer<typeof WorkspaceRecord>;

const StateFile = z.object({
  version: z.literal(1),
  repos: z.array(Repo).default([]),
  workspaces: z.array(WorkspaceRecord).default([]),
});
type StateFile = z.infer<typeof StateFile>;

/** The state file, written atomically after every change; writes are serialized. */
export class StateStore {
  private state: StateFile = { version: 1, repos: [], workspaces: [] };
  private readonly writes = new SerialQueue();

  constructor(
    private readonly path: string,
    private readonly log: Logger,
  ) {}

  async load(): Promise<void> {
    if (!existsSync(this.path)) return;
    try {
      this.state = StateFile.parse(JSON.parse(await readFile(this.path, 'utf8')));
    } catch (err) {
      // Never lose it silently: keep the unreadable file aside; reconcile rebuilds from labels.
      const aside = `${this.path}.unreadable-${Date.now()}`;
      await rename(this.path, aside).catch(() => undefined);
      this.log.error(`state file was unreadable; moved to ${aside} and rebuilding from the backends`, err);
    }
  }

  repos(): Repo[] {
    return [...this.state.repos];
  }

  workspaces(): WorkspaceRecord[] {
    return [...this.state.workspaces];
  }

  workspace(id: string): WorkspaceRecord | undefined {
    return this.state.workspaces.find((w) => w.id === id);
  }

  async putRepo(repo: Repo): Promise<void> {
    this.state.repos = [repo, ...this.state.repos.filter((r) => r.path !== repo.path)];
    await this.save();
  }

  async removeRepo(path: string): Promise<boolean> {
    const kept = this.state.repos.filter((r) => r.path !== path);
    if (kept.length === this.state.repos.length) return false;
    this.state.repos = kept;
    await this.save();
    return true;
  }

  async putWorkspace(record: WorkspaceRecord): Promise<void> {
    const others = this.state.workspaces.filter((w) => w.id !== record.id);
    this.state.workspaces = [...others, record];
    await this.save();
  }

  async patchWorkspace(id: string, patch: Partial<WorkspaceRecord>): Promise<WorkspaceRecord | undefined> {
    const current = this.workspace(id);
    if (!current) return undefined;
    const next = { ...current, ...patch };
    await this.putWorkspace(next);
    return next;
  }

  async removeWorkspace(id: string): Promise<void> {
    this.state.workspaces = this.state.workspaces.filter((w) => w.id !== id);
    await this.save();
  }

  private save(): Promise<void> {
    // Snapshot now, so the writes land in the order the changes were made.
    const snapshot = JSON.stringify(this.state, null, 2);
    return this.writes.run(() => writeFileAtomic(this.path, snapshot));
  }
}
