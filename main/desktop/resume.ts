import type { Logger } from '../log/logger.js';
import { coalesce } from './debounce.js';
import type { Coalescer } from './debounce.js';

/**
 * What the app does after the laptop wakes: drop SSH connections that died during the sleep,
 * reconnect terminals and sync, refresh every status. Proposed as `NexusApp.onResume()` (see the
 * desktop README section of the report); until the app has it, resume only logs.
 */
export interface ResumeCapable {
  onResume(): Promise<void>;
}

export function resumeHookOf(app: object): (() => Promise<void>) | null {
  const hook = (app as Partial<ResumeCapable>).onResume;
  return typeof hook === 'function' ? () => hook.call(app) : null;
}

/** Power events that mean "the machine was away": each burst of them gives one reconnect. */
export const RESUME_EVENTS = ['resume', 'unlock-screen'] as const;
export type ResumeEvent = (typeof RESUME_EVENTS)[number];

/** Wait after the last wake event: the network usually needs a moment to come back. */
export const RESUME_QUIET_MS = 2_000;

export function resumeWatcher(reconnect: (() => Promise<void>) | null, log: Logger, waitMs = RESUME_QUIET_MS): Coalescer {
  return coalesce(
    async (reasons) => {
      if (!reconnect) {
        log.warn(`woke up (${reasons.join(', ')}); this build has no reconnect hook (NexusApp.onResume), so statuses refresh on their next poll`);
        return;
      }
      const started = Date.now();
      log.info(`woke up (${reasons.join(', ')}): reconnecting`);
      await reconnect();
      log.info(`reconnected after wake in ${Date.now() - started} ms`);
    },
    { waitMs, onError: (err) => log.warn('reconnect after wake failed', err) },
  );
}
