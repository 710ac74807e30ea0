import { NexusError } from '../../shared/errors.js';
import { run } from '../process/run.js';
import type { RunOptions } from '../process/run.js';

/** Runs git with an argument array; a failure becomes a git_failed error carrying git's words. */
export async function git(args: string[], options: RunOptions & { what?: string } = {}): Promise<string> {
  let result;
  try {
    result = await run('git', args, { timeoutMs: 60_000, ...options, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...options.env } });
  } catch (err) {
    throw new NexusError('part_missing', 'git was not found — install git and make sure it is on PATH.', { cause: err });
  }
  if (result.code !== 0) {
    const said = (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' ');
    throw new NexusError('git_failed', `${options.what ?? `git ${args[0] ?? ''}`} failed: ${said}`);
  }
  return result.stdout;
}

/** The repository's top folder, or a clear error when `path` is not inside a git work tree. */
export async function repoRoot(path: string): Promise<string> {
  const out = await run('git', ['-C', path, 'rev-parse', '--show-toplevel'], { timeoutMs: 10_000 }).catch(() => null);
  if (!out || out.code !== 0) {
    throw new NexusError('invalid_request', `${path} is not a git repository. Pick the folder of a repository you have cloned (it contains a .git folder).`, { field: 'path' });
  }
  return out.stdout.trim();
}

export async function branches(repo: string): Promise<string[]> {
  const out = await git(['-C', repo, 'for-each-ref', '--format=%(refname:short)', 'refs/heads'], { what: 'Listing branches' });
  return out.split('\n').filter(Boolean);
}

export async function currentBranch(repo: string): Promise<string | null> {
  const out = await run('git', ['-C', repo, 'symbolic-ref', '--quiet', '--short', 'HEAD'], { timeoutMs: 10_000 });
  return out.code === 0 ? out.stdout.trim() || null : null;
}

/** Resolves a branch, tag or commit to a commit id. Names that look like options are refused. */
export async function resolveCommit(repo: string, ref: string): Promise<string> {
  if (!ref || ref.startsWith('-') || /[\0\n]/.test(ref)) {
    throw new NexusError('invalid_request', `"${ref.slice(0, 80)}" is not a branch, tag or commit.`, { field: 'base' });
  }
  const out = await run('git', ['-C', repo, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { timeoutMs: 10_000 });
  if (out.code !== 0) {
    throw new NexusError('invalid_request', `The base "${ref}" does not exist in ${repo}. Pick one of its branches.`, { field: 'base' });
  }
  return out.stdout.trim();
}

export async function branchExists(repo: string, branch: string): Promise<boolean> {
  const out = await run('git', ['-C', repo, 'show-ref', '--verify', '--quiet', `refs/heads/${branch}`], { timeoutMs: 10_000 });
  return out.code === 0;
}

export async function addWorktree(repo: string, dir: string, branch: string, baseCommit: string, signal?: AbortSignal): Promise<void> {
  await git(['-C', repo, 'worktree', 'add', '-b', branch, '--', dir, baseCommit], { what: 'Creating the worktree', ...(signal ? { signal } : {}) });
}

/** Removes the worktree folder and git's record of it (even when dirty: the caller decided). */
export async function removeWorktree(repo: string, dir: string): Promise<void> {
  const out = await run('git', ['-C', repo, 'worktree', 'remove', '--force', '--force', '--', dir], { timeoutMs: 60_000 });
  if (out.code !== 0) await pruneWorktrees(repo);
}

/** Makes git forget worktrees whose folders are gone. */
export async function pruneWorktrees(repo: string): Promise<void> {
  await run('git', ['-C', repo, 'worktree', 'prune'], { timeoutMs: 30_000 });
}

export async function deleteBranch(repo: string, branch: string): Promise<void> {
  await git(['-C', repo, 'branch', '-D', '--', branch], { what: `Deleting branch ${branch}` });
}

/** Paths with uncommitted changes (staged, unstaged or untracked), as `git status` shows them. */
export async function uncommitted(worktree: string): Promise<string[]> {
  const out = await git(['-C', worktree, 'status', '--porcelain=v1', '--untracked-files=all'], { what: 'Checking for uncommitted work' });
  return out.split('\n').filter(Boolean).map((line) => line.slice(3));
}

/** Commits on `branch` that are not in `base` (one "sha subject" line each). */
export async function unmergedCommits(repo: string, branch: string, base: string): Promise<string[]> {
  const out = await git(['-C', repo, 'log', '--format=%h %s', `${base}..${branch}`, '--'], { what: 'Checking for unmerged commits' });
  return out.split('\n').filter(Boolean);
}
