import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { methods } from '../../shared/contract/methods.js';
import { LABELS } from '../backends/backend.js';
import { ConfigStore } from '../config/config-store.js';
import { nexusHome, nexusPaths } from '../config/paths.js';
import type { CredentialCipher } from '../credentials/cipher.js';
import { createDaytona } from '../daytona/index.js';
import type { DaytonaOptions } from '../daytona/index.js';
import { DockerBackend } from '../docker/docker-backend.js';
import { SyncService } from '../sync/index.js';
import { createLogger, prepareLogFile } from '../log/logger.js';
import type { Logger } from '../log/logger.js';
import { RepoService } from '../repos/repo-service.js';
import { EventHub } from '../rpc/event-hub.js';
import { Router } from '../rpc/router.js';
import type { CallTarget, Handlers } from '../rpc/router.js';
import { ensureIdentity } from '../ssh/keys.js';
import { KnownHosts } from '../ssh/known-hosts.js';
import { SshPool } from '../ssh/pool.js';
import { SshConfigFile } from '../ssh/ssh-config.js';
import { TerminalService } from '../terminals/terminal-service.js';
import { StateStore } from '../workspaces/state-store.js';
import { WorkspaceService } from '../workspaces/workspace-service.js';
import { workspaceSsh } from '../workspaces/workspace-ssh.js';
import type { AppContext } from './context.js';
import { appHandlers } from './handlers/app.js';
import { configHandlers } from './handlers/config.js';
import { daytonaHandlers } from './handlers/daytona.js';
import { repoHandlers } from './handlers/repos.js';
import { syncHandlers } from './handlers/sync.js';
import { terminalHandlers } from './handlers/terminals.js';
import { ensureSessions, startSync, syncHooks } from './sync-wiring.js';
import { workspaceHandlers } from './handlers/workspaces.js';

export interface AppOptions {
  runtime: 'electron' | 'browser';
  log?: Logger;
  /** NEXUS_HOME; `~/.nexus` by default. */
  home?: string;
  /** Where the Docker engine is (a DOCKER_HOST value); the environment's by default. */
  dockerHost?: string;
  /** The workspace image's build folder (the packaged app passes its resources folder). */
  imageContext?: string;
  /** Where Daytona is (the emulator in tests) and how eagerly to poll it. */
  daytona?: DaytonaOptions;
  /** Encrypts the saved Daytona key: Electron passes safeStorage's; else a 0600 key file under NEXUS_HOME. */
  credentialCipher?: CredentialCipher;
}

export interface NexusApp {
  router: CallTarget;
  hub: EventHub;
  log: Logger;
  /** Terminal data path (binary frames): the WebSocket transport and Electron's MessagePort attach here. */
  terminals?: TerminalService;
  /**
   * After the laptop wakes (powerMonitor `resume` / `unlock-screen`, once per burst): drops SSH
   * connections that died in the sleep, asks every backend for its status now, and makes sync
   * reconnect at once instead of at Mutagen's next retry.
   */
  onResume(): Promise<void>;
  dispose(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The composition root: builds the services once; both transports share the result. */
export async function createApp(options: AppOptions): Promise<NexusApp> {
  const paths = nexusPaths(options.home ?? nexusHome());
  const log = options.log ?? createLogger('nexus', { file: prepareLogFile(paths.logFile) });
  const hub = new EventHub(log.child('events'));
  const ctx: AppContext = { runtime: options.runtime, log, hub };

  const config = new ConfigStore(paths, log.child('config'));
  await config.load();
  const state = new StateStore(paths.state, log.child('state'));
  const identity = await ensureIdentity(paths);
  const knownHosts = new KnownHosts(paths);
  const sshConfig = new SshConfigFile(paths);
  const pool = new SshPool({ privateKey: identity.privateKey, knownHosts, log: log.child('ssh') });
  const docker = new DockerBackend({
    image: config.current.backends.docker.image,
    imageContext: options.imageContext ?? resolve(here, '../../images/workspace'),
    log: log.child('docker'),
    env: options.dockerHost ? { ...process.env, DOCKER_HOST: options.dockerHost } : process.env,
    extraLabels: { [LABELS.home]: paths.home },
  });
  const daytona = createDaytona({
    paths,
    config,
    state,
    ssh: workspaceSsh({ identity, knownHosts, sshConfig, pool }),
    hub,
    log: log.child('daytona'),
    cipher: options.credentialCipher,
    options: options.daytona,
  });
  const workspaces = new WorkspaceService({
    state,
    config,
    backends: [docker, daytona.backend],
    ssh: daytona.ssh,
    hub,
    log: log.child('workspaces'),
  });
  const sync = new SyncService({
    paths,
    mutagenPath: config.current.sync.mutagen_path,
    excludes: () => config.current.sync.exclude,
    log: log.child('sync'),
    onState: (id, syncState) => workspaces.setLive(id, { sync: syncState }),
  });
  workspaces.hooks = syncHooks(sync);
  await workspaces.init();
  const syncProblem = (message: string) => {
    log.warn(message);
    hub.emit('notice', { level: 'error', title: 'File sync is not running', message, workspaceId: null, key: `sync:${message}` });
  };
  await startSync(sync, workspaces, syncProblem);
  daytona.attach(workspaces);
  // A live sync session keeps a Daytona sandbox awake (its gateway channel bumps activity).
  daytona.addKeptAwakeBy((id) => (['watching', 'scanning', 'staging', 'reconciling', 'saving'].includes(sync.state(id)?.status ?? 'off') ? ['file sync'] : []));
  const repos = new RepoService(state);
  // Daytona's ensureRunning also notices a sandbox stopped since its card was updated and hands
  // back the endpoint with the current access token.
  const terminals = new TerminalService({
    workspaces: { ensureRunning: (id) => daytona.ensureRunning(id), view: (id) => workspaces.view(id) },
    pool,
    hub,
    log: log.child('terminals'),
  });
  daytona.addKeptAwakeBy((id) => (terminals.list(id).some((t) => t.state === 'connected') ? ['open terminal'] : []));

  const handlers: Handlers = {
    ...appHandlers(ctx),
    ...configHandlers(config, paths, () => void ensureSessions(sync, workspaces, syncProblem)),
    ...daytonaHandlers(daytona),
    ...repoHandlers(repos),
    ...syncHandlers(sync, (id) => daytona.ensureRunning(id)),
    ...terminalHandlers(terminals),
    ...workspaceHandlers(workspaces),
  };
  return {
    router: new Router(methods, handlers, log.child('rpc')),
    hub,
    log,
    terminals,
    async onResume() {
      terminals.disconnectAll('the computer woke from sleep');
      await daytona.ssh.closeAll();
      daytona.poller.pollSoon();
      await Promise.allSettled(workspaces.list().map((w) => workspaces.refresh(w.id)));
      await Promise.allSettled(workspaces.list().filter((w) => w.status === 'running').map((w) => sync.resume(w.id)));
    },
    async dispose() {
      await terminals.dispose();
      await daytona.dispose();
      await workspaces.dispose();
      await sync.dispose();
    },
  };
}
