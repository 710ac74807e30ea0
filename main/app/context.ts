import type { Logger } from '../log/logger.js';
import type { EventHub } from '../rpc/event-hub.js';

/** What every handler group may use: the runtime, the log, the event hub. */
export interface AppContext {
  runtime: 'electron' | 'browser';
  log: Logger;
  hub: EventHub;
}
