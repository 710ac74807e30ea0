import { spawn } from 'node:child_process';
import { NexusError } from '../../shared/errors.js';
import { run } from '../process/run.js';
import type { SshEndpoint } from '../backends/backend.js';
import type { WorkspaceSsh } from './ports.js';
import type { WorkspaceRecord } from './state-store.js';

/**
 * Gives the workspace a git repository at /workspace holding the base commit (its tree only,
 * marked shallow), checked out on the workspace branch. Files then start identical on both
 * sides, so the first sync has little to move, and `git status`/`git diff` work inside.
 * History stays on the host, where the worktree's real `.git` lives.
 */
/**
 * Makes /workspace when the image has none (Daytona's default snapshot, a custom image), owned
 * by the login user, through passwordless sudo; says plainly what is missing otherwise.
 */
const PREPARE_SCRIPT = [
  'set -e',
  'if [ ! -d /workspace ] || [ ! -w /workspace ]; then',
  '  if sudo -n true 2>/dev/null; then',
  '    sudo -n install -d -o "$(id -u)" -g "$(id -g)" -m 0755 /workspace',
  '    sudo -n chown "$(id -u):$(id -g)" /workspace',
  '  else',
  '    echo "/workspace does not exist or is not writable by user $(id -un), and sudo needs a password there. Use an image with a /workspace folder that user owns (see images/workspace)." >&2',
  '    exit 3',
  '  fi',
  'fi',
].join('\n');

const REMOTE_SCRIPT = [
  PREPARE_SCRIPT,
  'command -v git >/dev/null || { echo "git is not installed in the workspace image. Use an image with git (see images/workspace)." >&2; exit 3; }',
  'cd /workspace',
  'git init -q',
  'git index-pack --stdin --fix-thin >/dev/null',
  'printf "%s\\n" "$1" > .git/shallow',
  'git update-ref "refs/heads/$2" "$1"',
  'git symbolic-ref HEAD "refs/heads/$2"',
  'if [ -n "$3" ]; then git config user.name "$3"; fi',
  'if [ -n "$4" ]; then git config user.email "$4"; fi',
  'git reset -q --hard',
].join('\n');

const MAX_PACK_BYTES = 256 * 1024 * 1024;

/** Every object of one commit (the commit, its tree, its blobs; no history) as one pack. */
function packCommit(repo: string, commit: string, signal: AbortSignal): Promise<Buffer | 'too-big' | null> {
  return new Promise((resolve) => {
    const list = spawn('git', ['-C', repo, 'rev-list', '--objects', '--no-walk', commit], { stdio: ['ignore', 'pipe', 'ignore'], signal });
    const pack = spawn('git', ['-C', repo, 'pack-objects', '--stdout', '-q'], { stdio: ['pipe', 'pipe', 'ignore'], signal });
    list.stdout.pipe(pack.stdin);
    // pack-objects may be gone (killed past the limit) while rev-list still writes to it.
    pack.stdin.on('error', () => undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    pack.stdout.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_PACK_BYTES) return void chunks.push(c);
      // Too big to hold: no need to pack the rest.
      list.kill();
      pack.kill();
    });
    let listCode: number | null = null;
    list.on('close', (code) => (listCode = code)).on('error', () => resolve(null));
    pack.on('error', () => resolve(null));
    pack.on('close', (code) => {
      if (size > MAX_PACK_BYTES) return resolve('too-big');
      if (code !== 0 || listCode !== 0) return resolve(null);
      resolve(Buffer.concat(chunks));
    });
  });
}

async function hostIdentity(repo: string, key: string): Promise<string> {
  const out = await run('git', ['-C', repo, 'config', '--get', key], { timeoutMs: 5_000 });
  return out.code === 0 ? out.stdout.trim() : '';
}

/** The remote scripts exit with this when the image lacks something (not worth a retry). */
const IMAGE_LACKS = 3;

export async function seedFiles(
  ssh: WorkspaceSsh,
  record: WorkspaceRecord,
  endpoint: SshEndpoint,
  signal: AbortSignal,
): Promise<void> {
  const [name, email] = await Promise.all([hostIdentity(record.repo, 'user.name'), hostIdentity(record.repo, 'user.email')]);
  const pack = await packCommit(record.repo, record.baseCommit, signal);
  if (pack === null) throw new NexusError('git_failed', `Could not pack commit ${record.baseCommit.slice(0, 12)} of ${record.repo}.`);
  // Past this size the first sync copies the files instead (the pack is held in memory); it
  // still needs the folder.
  const [argv, stdin] =
    pack === 'too-big'
      ? [['sh', '-c', PREPARE_SCRIPT], undefined]
      : [['sh', '-c', REMOTE_SCRIPT, 'nexus-seed', record.baseCommit, record.branch, name, email], pack];
  // The remote script can run again from the start, so a connection that drops mid-copy (a
  // cloud gateway, a busy machine) gets one more try on a fresh connection before create fails.
  try {
    await runRemote(ssh, record, endpoint, signal, argv, stdin);
  } catch (err) {
    if (signal.aborted || !(err instanceof NexusError) || err.code !== 'ssh_failed') throw err;
    ssh.drop(record.id);
    await runRemote(ssh, record, endpoint, signal, argv, stdin);
  }
}

async function runRemote(ssh: WorkspaceSsh, record: WorkspaceRecord, endpoint: SshEndpoint, signal: AbortSignal, argv: string[], stdin?: Buffer): Promise<void> {
  let stderr = '';
  const result = await ssh.exec(record, endpoint, argv, {
    ...(stdin ? { stdin } : {}),
    signal,
    onStderr: (c) => (stderr += c.toString()),
    timeoutMs: 10 * 60_000,
  });
  if (result.exitCode === 0) return;
  const why = stderr.trim().split('\n').slice(-2).join(' ') || `exit ${String(result.exitCode)}`;
  if (result.exitCode === IMAGE_LACKS) throw new NexusError('part_missing', why);
  throw new NexusError('ssh_failed', `Could not set up the files in the workspace: ${why}`);
}
