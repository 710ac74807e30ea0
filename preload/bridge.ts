import { isEventName } from '../shared/contract/events.js';
import { isMethodName } from '../shared/contract/methods.js';
import type { RawBridge } from '../shared/contract/client.js';
import { IPC_EVENT, IPC_INVOKE } from '../shared/contract/wire.js';
import type { Reply } from '../shared/contract/wire.js';

/** The slice of Electron's ipcRenderer the bridge needs (a seam so it can be tested under Node). */
export interface IpcLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): void;
}

/**
 * Builds `window.nexus`: invoke and subscribe for names the contract declares, nothing else.
 * Everything is validated again in the main process; this only keeps stray channels out.
 */
export function createBridge(ipc: IpcLike): RawBridge {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  ipc.on(IPC_EVENT, (_event, name, payload) => {
    if (typeof name !== 'string') return;
    for (const listener of listeners.get(name) ?? []) listener(payload);
  });
  return {
    invoke(method: string, params: unknown): Promise<Reply> {
      if (!isMethodName(method)) {
        return Promise.resolve({ ok: false, error: { code: 'unknown_method', message: `Unknown method "${String(method).slice(0, 100)}".` } });
      }
      return ipc.invoke(IPC_INVOKE, method, params) as Promise<Reply>;
    },
    on(event: string, listener: (payload: unknown) => void): () => void {
      if (!isEventName(event)) throw new Error(`Unknown event "${String(event).slice(0, 100)}".`);
      if (typeof listener !== 'function') throw new Error('A listener function is required.');
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
  };
}
