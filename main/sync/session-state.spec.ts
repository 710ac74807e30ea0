import { describe, expect, it } from 'vitest';
import { SyncState } from '../../shared/domain/workspace.js';
import { mutagenError } from './cli.js';
import { describeChange, mapStatus, parseSessions, toSyncState } from './session-state.js';
import { createArgs, ignoresDigest } from './sync-service.js';

// Lines as Mutagen 0.18.1 printed them (`sync monitor --template '{{json .}}'`), trimmed.
const STAGING =
  '[{"identifier":"sync_x","version":1,"alpha":{"protocol":"local","path":"/tmp/w","connected":true,"scanned":true,"directories":31,"files":3000,"totalFileSize":90000000},' +
  '"beta":{"protocol":"ssh","host":"nexus-exp","path":"/workspace","watch":{"pollingInterval":1},"connected":true,"scanned":true,"directories":1,' +
  '"stagingProgress":{"path":"d11/f1175.bin","receivedSize":30000,"expectedSize":30000,"receivedFiles":75,"expectedFiles":3000,"totalReceivedSize":2280000}},' +
  '"mode":"two-way-safe","name":"nexus-abc","labels":{"nexus-workspace":"abc"},"paused":false,"status":"staging-beta"}]';
const CONFLICTED =
  '[{"identifier":"sync_x","name":"nexus-abc","labels":{"nexus-workspace":"abc"},"paused":false,"status":"watching","successfulCycles":2,' +
  '"conflicts":[{"root":"d5/f","alphaChanges":[{"path":"d5/f","old":{"kind":"file","digest":"6fcf9dfbd479ed82697fee719b9f8c610a11ff2a"},"new":{"kind":"file","digest":"d25988f2c161bab54be6831ea7e83c77fa1aac5a"}}],' +
  '"betaChanges":[{"path":"d5/f","old":{"kind":"file","digest":"6fcf9dfbd479ed82697fee719b9f8c610a11ff2a"},"new":{"kind":"file","digest":"0d9410463cac3fc93aa52b0642212bcdb88d028e"}}]},' +
  '{"root":"d6/new.txt","alphaChanges":[{"path":"d6/new.txt","old":null,"new":{"kind":"file","digest":"857edc81fe994acc0d896ef401b18cd2b9609075"}}],' +
  '"betaChanges":[{"path":"d6/new.txt","old":null,"new":{"kind":"file","digest":"bc9b50aa367eef2dbf6272df95fe86bf251208e6"}}]}],' +
  '"beta":{"scanProblems":[{"path":"unreadable","error":"unable to open file: permission denied"}],' +
  '"transitionProblems":[{"path":"ro/b","error":"unable to create file: unable to relocate staged file: permission denied"}],"excludedScanProblems":3}}]';

describe('Mutagen session JSON → SyncState', () => {
  it('maps staging with files received of expected', () => {
    const [session] = parseSessions(STAGING);
    const state = toSyncState(session!);
    expect(SyncState.parse(state)).toEqual(state);
    expect(state).toMatchObject({ status: 'staging', raw: 'staging-beta', staging: { received: 75, expected: 3000 }, lastError: null });
  });

  it('lists conflicts with both sides and the scan/transition problems', () => {
    const state = toSyncState(parseSessions(CONFLICTED)[0]!);
    expect(SyncState.parse(state)).toEqual(state);
    expect(state.status).toBe('watching');
    expect(state.conflicts).toEqual([
      { path: 'd5/f', alpha: ['modified d5/f (file 6fcf9dfbd4 → file d25988f2c1)'], beta: ['modified d5/f (file 6fcf9dfbd4 → file 0d9410463c)'] },
      { path: 'd6/new.txt', alpha: ['created d6/new.txt (file 857edc81fe)'], beta: ['created d6/new.txt (file bc9b50aa36)'] },
    ]);
    expect(state.problems).toEqual([
      'Could not read "unreadable" in the workspace: unable to open file: permission denied',
      '…and 3 more files that could not be read in the workspace.',
      'Could not write "ro/b" in the workspace: unable to create file: unable to relocate staged file: permission denied',
    ]);
  });

  it('describes deletions, type changes, folders and symlinks', () => {
    expect(describeChange({ path: 'a', old: { kind: 'file', digest: 'abc' }, new: null })).toBe('deleted a (was file abc)');
    expect(describeChange({ path: 'b', old: {}, new: { kind: 'file' } })).toBe('replaced b (folder → file)');
    expect(describeChange({ path: 'c', old: null, new: { kind: 'symlink', target: '../x' } })).toBe('created c (symlink → ../x)');
  });

  it('maps every 0.18.1 status word, paused first', () => {
    const expected: Record<string, string> = {
      disconnected: 'disconnected',
      'halted-on-root-emptied': 'halted',
      'halted-on-root-deletion': 'halted',
      'halted-on-root-type-change': 'halted',
      'connecting-alpha': 'connecting',
      'connecting-beta': 'connecting',
      watching: 'watching',
      scanning: 'scanning',
      'waiting-for-rescan': 'scanning',
      reconciling: 'reconciling',
      'staging-alpha': 'staging',
      'staging-beta': 'staging',
      transitioning: 'staging',
      saving: 'saving',
    };
    for (const [raw, status] of Object.entries(expected)) expect(mapStatus(raw, false)).toBe(status);
    expect(mapStatus('disconnected', true)).toBe('paused');
    const paused = toSyncState({ identifier: 's', paused: true, status: 'disconnected' });
    expect(paused).toMatchObject({ status: 'paused', raw: 'paused' });
  });

  it('explains a halt, and shows a Nexus note only while Mutagen has no error of its own', () => {
    const halted = toSyncState({ identifier: 's', status: 'halted-on-root-emptied' });
    expect(halted.status).toBe('halted');
    expect(halted.raw).toBe('halted-on-root-emptied');
    expect(halted.lastError).toMatch(/became empty.*Nothing was deleted.*Reset sync/);
    expect(toSyncState({ identifier: 's', status: 'connecting-beta' }, 'cannot reach').lastError).toBe('cannot reach');
    expect(toSyncState({ identifier: 's', status: 'connecting-beta', lastError: 'ssh said no' }, 'cannot reach').lastError).toBe('ssh said no');
    expect(toSyncState({ identifier: 's', status: 'watching' }, 'cannot reach').lastError).toBeNull();
  });

  it("reads Mutagen's error line out of \\r-progress noise", () => {
    const stderr = 'Resuming session sync_x...\r                \rConnecting to agent (POSIX)...\r   \nError: unable to resume session: unable to connect to beta: Connection refused\n';
    expect(mutagenError(stderr)).toBe('unable to resume session: unable to connect to beta: Connection refused');
  });
});

describe('mutagen sync create arguments', () => {
  const ws = { id: 'a1b2c3d4e5f6', name: 'demo', worktree: '/home/u/wt/demo', sshAlias: 'nexus-demo' };

  it('two-way-safe, labelled, default and configured ignores, 1 s polling on Linux', () => {
    expect(createArgs(ws, ['dist/', '*.tmp'], { platform: 'linux' })).toEqual([
      '/home/u/wt/demo',
      'nexus-demo:/workspace',
      '--name',
      'nexus-a1b2c3d4e5f6',
      '--label',
      'nexus-workspace=a1b2c3d4e5f6',
      '--label',
      `nexus-ignores=${ignoresDigest(['dist/', '*.tmp'])}`,
      '--mode',
      'two-way-safe',
      '--no-global-configuration',
      '--ignore',
      '.git',
      '--ignore',
      '.nexus/',
      '--ignore',
      'node_modules/',
      '--ignore',
      '*.log',
      '--ignore',
      'dist/',
      '--ignore',
      '*.tmp',
      '--watch-polling-interval-beta',
      '1',
      '--watch-polling-interval-alpha',
      '1',
    ]);
  });

  it('labels each session with a digest of its whole ignore list', () => {
    expect(ignoresDigest(['dist/'])).toMatch(/^[0-9a-f]{16}$/);
    expect(ignoresDigest(['dist/'])).toBe(ignoresDigest(['dist/']));
    expect(ignoresDigest(['dist/'])).not.toBe(ignoresDigest([]));
    expect(ignoresDigest(['a', 'b'])).not.toBe(ignoresDigest(['b', 'a'])); // order matters to Mutagen too
  });

  it('keeps native host watching on macOS, and can create paused', () => {
    const args = createArgs(ws, [], { platform: 'darwin', paused: true });
    expect(args).not.toContain('--watch-polling-interval-alpha');
    expect(args.slice(-3)).toEqual(['--watch-polling-interval-beta', '1', '--paused']);
  });
});
