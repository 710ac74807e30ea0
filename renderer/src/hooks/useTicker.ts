import { useSyncExternalStore } from 'react';

/**
 * One shared 1-second clock for every countdown in the window: a single timer, running only
 * while something shows a countdown. Components that read it re-render once a second; nothing
 * else does.
 */
const subscribers = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setTimeout> | null = null;

function tick(): void {
  now = Date.now();
  for (const notify of subscribers) notify();
  // Aligned to whole seconds so every countdown changes together.
  timer = setTimeout(tick, 1000 - (now % 1000) + 5);
}

function subscribe(notify: () => void): () => void {
  subscribers.add(notify);
  if (timer === null) {
    now = Date.now();
    timer = setTimeout(tick, 1000 - (now % 1000) + 5);
  }
  return () => {
    subscribers.delete(notify);
    if (subscribers.size === 0 && timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
  };
}

const snapshot = () => now;

/** The current time in ms, updated every second while any component uses it. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, snapshot);
}
