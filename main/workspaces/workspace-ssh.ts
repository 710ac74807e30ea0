import type { SshEndpoint } from '../backends/backend.js';
import type { Identity } from '../ssh/keys.js';
import type { KnownHosts } from '../ssh/known-hosts.js';
import type { SshPool } from '../ssh/pool.js';
import type { SshConfigFile } from '../ssh/ssh-config.js';
import { waitForSsh } from '../ssh/wait.js';
import type { ExecOptions, WorkspaceSsh } from './ports.js';
import type { WorkspaceRecord } from './state-store.js';

/** The SSH layer as the workspace service sees it: one alias, one pinned key, one pooled connection per workspace. */
export function workspaceSsh(parts: { identity: Identity; knownHosts: KnownHosts; sshConfig: SshConfigFile; pool: SshPool }): WorkspaceSsh {
  const { identity, knownHosts, sshConfig, pool } = parts;
  return {
    publicKey: async () => identity.publicKey,
    async register(record: WorkspaceRecord, endpoint: SshEndpoint) {
      if (endpoint.hostKey.kind === 'pinned') await knownHosts.pin(record.sshAlias, endpoint.hostKey.publicKey);
      await sshConfig.upsert({
        alias: record.sshAlias,
        hostName: endpoint.host,
        port: endpoint.port,
        user: endpoint.user,
        identityFile: identity.privateKeyPath,
        strictHostKeyChecking: endpoint.hostKey.kind === 'pinned' ? 'yes' : 'accept-new',
      });
    },
    async unregister(record: WorkspaceRecord) {
      await sshConfig.remove(record.sshAlias);
      await knownHosts.remove(record.sshAlias);
    },
    exec(record: WorkspaceRecord, endpoint: SshEndpoint, argv: string[], options: ExecOptions = {}) {
      return pool.exec(record.id, endpoint, argv, { ...options, alias: record.sshAlias });
    },
    waitReady: (record, endpoint, signal, onRetry) =>
      waitForSsh(pool, record.id, endpoint, { signal, alias: record.sshAlias, ...(onRetry ? { onRetry: (attempt: number) => onRetry(attempt) } : {}) }),
    drop: (id) => pool.drop(id),
    closeAll: () => pool.closeAll(),
  };
}
