import { describe, expect, it } from 'vitest';
import { typedApi } from '../shared/contract/client.js';
import { appMethods } from '../shared/contract/methods/app.js';
import { IPC_EVENT, IPC_INVOKE } from '../shared/contract/wire.js';
import { NexusError } from '../shared/errors.js';
import { createLogger } from '../main/log/logger.js';
import { Router } from '../main/rpc/router.js';
import type { CallTarget } from '../main/rpc/router.js';
import { createBridge } from './bridge.js';
import type { IpcLike } from './bridge.js';

// Electron's ipcRenderer cannot exist under Node: this thin stand-in routes to the real Router.
function fakeIpc(router: CallTarget) {
  const sent: string[] = [];
  let onEvent: ((e: unknown, ...args: unknown[]) => void) | null = null;
  const ipc: IpcLike = {
    invoke: (channel, method, params) => {
      sent.push(channel);
      return router.call(method, params);
    },
    on: (channel, listener) => {
      if (channel === IPC_EVENT) onEvent = listener;
    },
  };
  return { ipc, sent, push: (event: string, payload: unknown) => onEvent?.({}, event, payload) };
}

const router = new Router(appMethods, {
  'app.about': () => ({ name: 'Nexus Desktop', version: '1.0.0', platform: 'linux', arch: 'x64', runtime: 'electron' as const, parts: [] }),
}, createLogger('test', { sink: () => undefined }));

describe('preload bridge', () => {
  it('invokes contract methods over the one invoke channel', async () => {
    const { ipc, sent } = fakeIpc(router);
    const api = typedApi(createBridge(ipc));
    const about = await api.invoke('app.about', {});
    expect(about.runtime).toBe('electron');
    expect(sent).toEqual([IPC_INVOKE]);
  });

  it('refuses names outside the contract without touching IPC', async () => {
    const { ipc, sent } = fakeIpc(router);
    const bridge = createBridge(ipc);
    await expect(bridge.invoke('fs.readFile', {})).resolves.toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(() => bridge.on('anything', () => undefined)).toThrow('Unknown event');
    expect(sent).toEqual([]);
  });

  it('turns an error reply into a NexusError with its code', async () => {
    const api = typedApi(createBridge(fakeIpc(router).ipc));
    const err = await api.invoke('app.about', { extra: 1 } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NexusError);
    expect((err as NexusError).code).toBe('invalid_request');
  });

  it('delivers events to listeners until they unsubscribe', () => {
    const { ipc, push } = fakeIpc(router);
    const api = typedApi(createBridge(ipc));
    const seen: string[] = [];
    const off = api.on('notice', (n) => seen.push(n.title));
    push('notice', { title: 'Workspace started.' });
    push('workspace.removed', { id: 'x' });
    off();
    push('notice', { title: 'after' });
    expect(seen).toEqual(['Workspace started.']);
  });
});
