import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { methods } from '../../shared/contract/methods.js';
import { LABELS } from '../backends/backend.js';
import { ConfigStore } from '../config/config-store.js';
import { nexusHome, nexusPaths } from '../config/paths.js';
import { DockerBackend } from '../docker/docker-backend.js';
import { createLogger } from '../log/logger.js';
import type { Logger } from '../log/logger.js';
import { RepoService } from '../repos/repo-service.js';
import { EventHub } from '../rpc/event-hub.js';
import { Router } from '../rpc/router.js';
import type { CallTarget, Handlers } from '../rpc/router.js';
import { ensureIdentity } from '../ssh/keys.js';
import { KnownHosts } from '../ssh/known-hosts.js';
import { SshPool } from '../ssh/pool.js';
import { SshConfigFile } from '../ssh/ssh-config.js';
import { StateStore } from '../workspaces/state-store.js';
import { WorkspaceService } from '../workspaces/workspace-service.js';
import { workspaceSsh } from '../workspaces/workspace-ssh.js';
import type { AppContext } from './context.js';
import { appHandlers } from './handlers/app.js';
import { configHandlers } from './handlers/config.js';
import { repoHandlers } from './handlers/repos.js';
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
}

export interface NexusApp {
  router: CallTarget;
  hub: EventHub;
  log: Logger;
  dispose(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The composition root: builds the services once; both transports share the result. */
export async function createApp(options: AppOptions): Promise<NexusApp> {
  const log = options.log ?? createLogger();
  const hub = new EventHub(log.child('events'));
  const ctx: AppContext = { runtime: options.runtime, log, hub };
  const paths = nexusPaths(options.home ?? nexusHome());

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
  const workspaces = new WorkspaceService({
    state,
    config,
    backends: [docker],
    ssh: workspaceSsh({ paths, identity, knownHosts, sshConfig, pool }),
    hub,
    log: log.child('workspaces'),
  });
  await workspaces.init();
  const repos = new RepoService(state);

  const handlers: Handlers = {
    ...appHandlers(ctx),
    ...configHandlers(config, paths),
    ...repoHandlers(repos),
    ...workspaceHandlers(workspaces),
  };
  return {
    router: new Router(methods, handlers, log.child('rpc')),
    hub,
    log,
    async dispose() {
      await workspaces.dispose();
    },
  };
}
