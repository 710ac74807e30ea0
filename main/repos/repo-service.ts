import { basename } from 'node:path';
import type { Repo } from '../../shared/domain/workspace.js';
import { branches, currentBranch, repoRoot } from '../git/git.js';
import type { StateStore } from '../workspaces/state-store.js';

/** The repositories the user has added (most recent first). */
export class RepoService {
  constructor(private readonly state: StateStore) {}

  list(): Repo[] {
    return this.state.repos();
  }

  async add(path: string): Promise<Repo> {
    const root = await repoRoot(path);
    const repo: Repo = { path: root, name: basename(root), currentBranch: await currentBranch(root), addedAt: new Date().toISOString() };
    await this.state.putRepo(repo);
    return repo;
  }

  remove(path: string): Promise<boolean> {
    return this.state.removeRepo(path);
  }

  async branches(path: string): Promise<{ branches: string[]; current: string | null }> {
    const root = await repoRoot(path);
    return { branches: await branches(root), current: await currentBranch(root) };
  }
}
