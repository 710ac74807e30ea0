import { createLogger } from '../log/logger.js';
import type { Logger } from '../log/logger.js';
import { methods } from '../../shared/contract/methods.js';
import { EventHub } from '../rpc/event-hub.js';
import { Router } from '../rpc/router.js';
import type { Handlers } from '../rpc/router.js';
import type { AppContext } from './context.js';
import { appHandlers } from './handlers/app.js';

export interface AppOptions {
  runtime: 'electron' | 'browser';
  log?: Logger;
}

export interface NexusApp {
  router: Router;
  hub: EventHub;
  log: Logger;
  dispose(): Promise<void>;
}

/** The composition root: builds the services once; both transports share the result. */
export async function createApp(options: AppOptions): Promise<NexusApp> {
  const log = options.log ?? createLogger();
  const hub = new EventHub(log.child('events'));
  const ctx: AppContext = { runtime: options.runtime, log, hub };
  const handlers: Handlers = {
    ...appHandlers(ctx),
  };
  return {
    router: new Router(methods, handlers, log.child('rpc')),
    hub,
    log,
    async dispose() {},
  };
}
