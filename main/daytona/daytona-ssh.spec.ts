import { describe, expect, it } from 'vitest';
import type { BackendInstance, SshEndpoint } from '../backends/backend.js';
import { createLogger } from '../log/logger.js';
import { SshConnectError } from '../ssh/pool.js';
import type { WorkspaceSsh } from '../workspaces/ports.js';
import type { WorkspaceRecord } from '../workspaces/state-store.js';
import type { DaytonaBackend } from './daytona-backend.js';
import { DaytonaSsh } from './daytona-ssh.js';

const log = createLogger('spec', { level: 'warn', sink: () => undefined });
const ep = (user: string): SshEndpoint => ({ host: '127.0.0.1', port: 2222, user, hostKey: { kind: 'tofu' } });
const record = (over: Partial<WorkspaceRecord> = {}): WorkspaceRecord => ({
  id: 'aaaaaaaaaaaa',
  name: 'cloud',
  backend: 'daytona',
  repo: '/r',
  branch: 'nexus/cloud',
  base: 'main',
  baseCommit: 'c',
  worktree: '/w',
  sshAlias: 'nexus-cloud',
  instanceId: 'sb-1',
  createdAt: '',
  phase: 'ready',
  adopted: false,
  ...over,
});

/** A fake gateway: logins with an accepted user succeed; the rest are closed before the handshake. */
function rig() {
  const accepted = new Set<string>(['t1']);
  const log: string[] = [];
  let held = ep('t1');
  let state: BackendInstance['status'] = 'running';
  let minted = 1;
  const inner: WorkspaceSsh = {
    publicKey: async () => 'ssh-ed25519 AAAA',
    register: async (_r, e) => void log.push(`register ${e.user}`),
    unregister: async () => undefined,
    exec: async (_r, e, argv) => {
      log.push(`exec ${e.user} ${argv.join(' ')}`);
      return { exitCode: 0, signal: null };
    },
    waitReady: async (_r, e) => {
      log.push(`connect ${e.user}`);
      if (!accepted.has(e.user) || state !== 'running') throw new SshConnectError('unreachable', 'the connection closed before the SSH handshake');
    },
    drop: (id) => void log.push(`drop ${id}`),
    closeAll: async () => undefined,
  };
  const backend = {
    access: { current: () => null },
    endpoint: async () => held,
    refreshEndpoint: async () => {
      held = ep(`t${++minted}`);
      accepted.clear(); // a new token revokes the earlier ones
      accepted.add(held.user);
      log.push(`mint ${held.user}`);
      // As wired in index.ts: a new token is announced and the alias rewritten.
      ssh.tokenChanged(record(), held);
      return held;
    },
    inspect: async (): Promise<BackendInstance> => {
      log.push('inspect');
      return { instanceId: 'sb-1', status: state, detail: null, labels: {} };
    },
  } as unknown as DaytonaBackend;
  const ssh: DaytonaSsh = new DaytonaSsh(inner, backend, createLogger('spec', { level: 'warn', sink: () => undefined }));
  ssh.hooks = {
    wake: async () => {
      log.push('wake');
      state = 'running';
    },
    observe: (_id, i) => void log.push(`observe ${i?.status}`),
    predictedAsleep: () => false,
    refreshStatus: async () => null,
    activity: () => void log.push('activity'),
  };
  return {
    ssh,
    log,
    accepted,
    setHeld: (user: string) => (held = ep(user)),
    setState: (s: BackendInstance['status']) => (state = s),
    proactiveRefresh: async () => {
      await backend.refreshEndpoint('sb-1');
      await ssh.settled();
    },
  };
}

describe('DaytonaSsh', () => {
  it('passes Docker workspaces straight through', async () => {
    const r = rig();
    await r.ssh.exec(record({ backend: 'docker' }), ep('nexus'), ['true']);
    expect(r.log).toEqual(['exec nexus true']);
  });

  it('keeps using the live pooled connection after a refresh, without dropping it, and rewrites the alias', async () => {
    const r = rig();
    await r.ssh.exec(record(), ep('stale-cached-by-the-service'), ['true']);
    expect(r.log).toEqual(['connect t1', 'exec t1 true', 'activity']);
    r.log.length = 0;
    await r.proactiveRefresh();
    r.accepted.add('t1'); // the gateway keeps an authenticated connection after its token is replaced
    await r.ssh.exec(record(), ep('t1'), ['true']);
    expect(r.log).toEqual(['mint t2', 'register t2', 'connect t1', 'exec t1 true', 'activity']);
    expect(r.log.some((l) => l.startsWith('drop'))).toBe(false);
    // The pooled connection is gone and its token revoked: the held (new) token logs in.
    r.accepted.delete('t1');
    r.log.length = 0;
    await r.ssh.exec(record(), ep('t1'), ['true']);
    expect(r.log).toEqual(['connect t1', 'connect t2', 'exec t2 true', 'activity']);
  });

  it('makes a new token when the gateway refuses a running sandbox’s token', async () => {
    const r = rig();
    r.accepted.clear();
    await r.ssh.exec(record(), ep('t1'), ['echo', 'hi']);
    expect(r.log).toEqual(['connect t1', 'inspect', 'observe running', 'mint t2', 'register t2', 'connect t2', 'exec t2 echo hi', 'activity']);
  });

  it('wakes a sandbox found asleep when a command needs it, and runs the command', async () => {
    const r = rig();
    r.setState('sleeping');
    await r.ssh.exec(record(), ep('t1'), ['echo', 'hi']);
    expect(r.log).toEqual(['connect t1', 'inspect', 'observe sleeping', 'wake', 'connect t1', 'exec t1 echo hi', 'activity']);
  });

  it('does not wake a workspace that is still being created, and says why', async () => {
    const r = rig();
    r.setState('error');
    await expect(r.ssh.exec(record({ phase: 'creating' }), ep('t1'), ['true'])).rejects.toThrow('Workspace cloud is error; start it and try again.');
    expect(r.log).not.toContain('wake');
    expect(log).toBeDefined();
  });
});
