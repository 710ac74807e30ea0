/**
 * Runs `task` once after a burst of triggers has been quiet for `waitMs`, never two at a time:
 * triggers that arrive while it runs make exactly one more run after it. Used for the laptop's
 * wake-up, where `resume` and `unlock-screen` (and sometimes several of each) arrive together
 * and one reconnect is what is wanted.
 */
export interface Coalescer {
  /** Asks for a run; `reason` is passed on (e.g. the power event's name). */
  trigger(reason: string): void;
  /** Resolves when nothing is pending or running. */
  idle(): Promise<void>;
  /** Cancels what is pending; a run in progress finishes, nothing starts after it. */
  dispose(): void;
}

export interface CoalesceOptions {
  waitMs: number;
  onError?: (err: unknown) => void;
}

export function coalesce(task: (reasons: string[]) => Promise<void>, options: CoalesceOptions): Coalescer {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<void> | null = null;
  let pending: string[] = [];
  let disposed = false;
  let idleWaiters: (() => void)[] = [];

  const settleIdle = () => {
    if (timer || running || pending.length > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const fire = () => {
    timer = null;
    if (disposed) return settleIdle();
    // Still running the previous one: `pending` keeps the reasons; it runs again when done.
    if (running) return;
    const reasons = pending;
    pending = [];
    running = task(reasons)
      .catch((err: unknown) => options.onError?.(err))
      .finally(() => {
        running = null;
        if (pending.length > 0 && !disposed && !timer) fire();
        else settleIdle();
      });
  };

  return {
    trigger(reason) {
      if (disposed) return;
      pending.push(reason);
      if (timer) clearTimeout(timer);
      timer = setTimeout(fire, options.waitMs);
    },
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      });
    },
    dispose() {
      disposed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      pending = [];
      settleIdle();
    },
  };
}
