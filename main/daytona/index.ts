import { join } from 'node:path';
import type { Workspace } from '../../shared/domain/workspace.js';
import { NexusError } from '../../shared/errors.js';
import type { NexusPaths } from '../config/paths.js';
import type { ConfigStore } from '../config/config-store.js';
import type { CredentialCipher } from '../credentials/cipher.js';
import { CredentialStore } from '../credentials/credential-store.js';
import { DaytonaCredentials } from '../credentials/daytona-credentials.js';
import { FileCipher } from '../credentials/file-cipher.js';
import type { KeyValidator } from '../credentials/validate-key.js';
import type { Logger } from '../log/logger.js';
import type { EventHub } from '../rpc/event-hub.js';
import type { SshEndpoint } from '../backends/backend.js';
import type { WorkspaceSsh } from '../workspaces/ports.js';
import type { StateStore, WorkspaceRecord } from '../workspaces/state-store.js';
import type { WorkspaceService } from '../workspaces/workspace-service.js';
import { DaytonaClients } from './client.js';
import { DaytonaBackend } from './daytona-backend.js';
import { DaytonaSsh } from './daytona-ssh.js';
import { DaytonaProfiles } from './profiles.js';
import { StatusPoller } from './status-poller.js';
import type { PollTiming } from './status-poller.js';

export { DaytonaBackend } from './daytona-backend.js';
export { StatusPoller, UNREACHABLE_DETAIL } from './status-poller.js';
export { MISSING_KEY_MESSAGE } from '../credentials/daytona-credentials.js';

/** `createApp({ daytona })`: where Daytona is and how eagerly to watch it. */
export interface DaytonaOptions {
  /** Replaces the default profile's API URL (`backends.daytona.api_url`), e.g. the emulator's. */
  apiUrl?: string;
  /** Where DAYTONA_API_KEY is read; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Status polling timings (specs shorten them). */
  poll?: Partial<PollTiming>;
  /** Seconds that create / start / stop may take. */
  timeouts?: { createS?: number; startS?: number; stopS?: number };
  /** Checks a key at sign-in (one API call by default). */
  validateKey?: KeyValidator;
  /** SSH access token life in minutes (default 60; specs use a fraction to see refreshes). */
  tokenMinutes?: number;
}

export interface DaytonaWiring {
  paths: NexusPaths;
  config: ConfigStore;
  state: StateStore;
  /** The plain SSH layer; `DaytonaParts.ssh` wraps it. */
  ssh: WorkspaceSsh;
  hub: EventHub;
  log: Logger;
  /** Electron passes safeStorage's; otherwise a 0600 key file under NEXUS_HOME. */
  cipher?: CredentialCipher | undefined;
  options?: DaytonaOptions | undefined;
}

export interface DaytonaParts {
  backend: DaytonaBackend;
  credentials: DaytonaCredentials;
  clients: DaytonaClients;
  profiles: DaytonaProfiles;
  /** The SSH layer to give the workspace service (Docker workspaces pass through). */
  ssh: DaytonaSsh;
  poller: StatusPoller;
  /** Connects to the workspace service (auto-wake, status, sleep notices) and starts polling. */
  attach(workspaces: WorkspaceService): void;
  /** Adds a source of reasons ("open terminal", "file sync"): each service registers its own. Returns the removal. */
  addKeptAwakeBy(fn: (id: string) => string[]): () => void;
  /**
   * `WorkspaceService.ensureRunning` for services that open their own channels on the pool
   * (terminals): also wakes a workspace Daytona stopped since its card was updated, and returns
   * the endpoint to use now (the service caches one whose token may have been replaced).
   */
  ensureRunning(id: string): Promise<{ record: WorkspaceRecord; endpoint: SshEndpoint }>;
  keepAwake(id: string): Promise<Workspace>;
  dispose(): Promise<void>;
}

/** Builds the Daytona side of the app: credentials, SDK clients, backend, SSH wrapper, poller. */
export function createDaytona(w: DaytonaWiring): DaytonaParts {
  const options = w.options ?? {};
  const cipher = w.cipher ?? new FileCipher(join(w.paths.home, 'credentials.key'));
  const store = new CredentialStore(join(w.paths.home, 'credentials.json'), cipher);
  const profiles = new DaytonaProfiles(w.config, w.paths.config, options.apiUrl);
  const credentials = new DaytonaCredentials({
    store,
    profiles,
    log: w.log.child('credentials'),
    ...(options.env ? { env: options.env } : {}),
    ...(options.validateKey ? { validate: options.validateKey } : {}),
  });
  const clients = new DaytonaClients({ credentials, log: w.log.child('api') });
  const backend = new DaytonaBackend({
    clients,
    credentials,
    profiles,
    home: w.paths.home,
    log: w.log.child('backend'),
    settings: () => ({ enabled: w.config.current.backends.daytona.enabled, autoStopMinutes: w.config.current.workspace.auto_stop_minutes }),
    knownInstances: () => w.state.workspaces().flatMap((r) => (r.backend === 'daytona' && r.instanceId ? [r.instanceId] : [])),
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    ...(options.tokenMinutes ? { tokenMinutes: options.tokenMinutes } : {}),
  });
  const ssh = new DaytonaSsh(w.ssh, backend, w.log.child('ssh'));
  let service: WorkspaceService | null = null;
  const view = (id: string): Workspace | null => {
    try {
      return service?.view(id) ?? null;
    } catch {
      return null;
    }
  };
  const reasonSources = new Set<(id: string) => string[]>();
  const poller = new StatusPoller({
    backend,
    records: () => w.state.workspaces(),
    view,
    setLive: (id, patch) => service?.setLive(id, patch),
    notify: (notice) => w.hub.emit('notice', notice),
    execs: (id) => ssh.running(id),
    keptAwakeBy: (id) => [...reasonSources].flatMap((fn) => {
      try {
        return fn(id);
      } catch {
        return [];
      }
    }),
    log: w.log.child('status'),
    ...(options.poll ? { timing: options.poll } : {}),
  });

  // A new token rewrites the workspace's alias; a live pooled connection is kept (see DaytonaSsh).
  const offToken = backend.onEndpointChange((instanceId, endpoint) => {
    const record = w.state.workspaces().find((r) => r.instanceId === instanceId && r.backend === 'daytona' && r.phase === 'ready');
    if (record) ssh.tokenChanged(record, endpoint);
  });
  const offCredentials = credentials.onChange(() => poller.pollSoon());

  // Mutagen (and any OpenSSH use of the alias) logs in with the token in the ssh config. When a
  // running workspace's sync cannot connect, check that token (one API call: when the trouble
  // starts, then at most once a minute while it lasts) and make a new one if the gateway would
  // refuse it: the alias is rewritten and Mutagen's next retry gets in.
  const trouble = new Map<string, { checkedAt: number }>();
  const offSync = w.hub.on('workspace.changed', (card) => {
    const failing = card.backend === 'daytona' && card.status === 'running' && !!card.sync?.lastError && (card.sync.status === 'connecting' || card.sync.status === 'disconnected');
    if (!failing) {
      trouble.delete(card.id);
      return;
    }
    const now = Date.now();
    const episode = trouble.get(card.id) ?? { checkedAt: 0 };
    trouble.set(card.id, episode);
    if (now - episode.checkedAt < 60_000) return;
    const record = w.state.workspace(card.id);
    if (!record?.instanceId || record.phase !== 'ready') return;
    episode.checkedAt = now;
    const instanceId = record.instanceId;
    void (async () => {
      if (await backend.accessValid(instanceId)) return;
      w.log.info(`the SSH token in ${record.sshAlias} is no longer accepted (sync could not connect); making a new one`);
      await backend.refreshEndpoint(instanceId);
    })().catch((err: unknown) => w.log.warn(`checking the SSH access of ${record.name} failed`, err instanceof Error ? err.message : err));
  });

  return {
    backend,
    credentials,
    clients,
    profiles,
    ssh,
    poller,
    attach(workspaces) {
      service = workspaces;
      ssh.hooks = {
        wake: async (id) => {
          const current = workspaces.view(id);
          if (current.status !== 'archived') {
            await workspaces.ensureRunning(id);
            return;
          }
          // ensureRunning wakes sleeping workspaces; an archived one is restored the same way, said so.
          w.hub.emit('notice', { level: 'info', title: `Workspace ${current.name} is archived. Restoring and starting…`, message: '', workspaceId: id, key: `waking:${id}` });
          await workspaces.start(id);
          w.hub.emit('notice', { level: 'success', title: 'Workspace started.', message: current.name, workspaceId: id, key: `woke:${id}` });
        },
        observe: (id, instance) => poller.observe(id, instance),
        predictedAsleep: (id) => poller.predictedAsleep(id),
        refreshStatus: (id) => poller.pollNow(id),
        activity: (id) => poller.activity(id),
      };
      poller.start();
    },
    addKeptAwakeBy(fn) {
      reasonSources.add(fn);
      return () => reasonSources.delete(fn);
    },
    async ensureRunning(id) {
      if (!service) throw new NexusError('busy', 'Nexus is still starting; try again in a moment.');
      const result = await service.ensureRunning(id);
      if (result.record.backend !== 'daytona') return result;
      return { record: result.record, endpoint: await ssh.connectFor(result.record) };
    },
    async keepAwake(id) {
      const record = w.state.workspace(id);
      if (!record) throw new NexusError('not_found', `No workspace with id ${id}. It may have been deleted; refresh the list.`);
      if (record.backend !== 'daytona' || !record.instanceId) {
        throw new NexusError('invalid_request', `Workspace ${record.name} is not a Daytona workspace; only those stop on their own.`, { field: 'id' });
      }
      const instance = await backend.keepAwake(record.instanceId);
      poller.observe(id, instance);
      const shown = view(id);
      if (!shown) throw new NexusError('not_found', `No workspace with id ${id}.`);
      return shown;
    },
    async dispose() {
      poller.stop();
      offToken();
      offCredentials();
      offSync();
      await ssh.settled();
      await backend.dispose();
      await clients.dispose();
    },
  };
}
