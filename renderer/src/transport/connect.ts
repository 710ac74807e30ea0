import { typedApi } from '../../../shared/contract/client.js';
import type { NexusApi, RawBridge } from '../../../shared/contract/client.js';
import { messagePortTerminals } from './terminal-data.js';
import type { TerminalData } from './terminal-data.js';
import { WsBridge } from './ws-bridge.js';
import type { ConnectionState } from './ws-bridge.js';

declare global {
  interface Window {
    /** Present in the Electron window (the preload's bridge); absent in browser mode. */
    nexus?: RawBridge;
  }
}

export interface Connection {
  api: NexusApi;
  runtime: 'electron' | 'browser';
  state(): ConnectionState;
  onState(listener: (state: ConnectionState) => void): () => void;
  /** Terminal bytes: binary frames, beside the contract (never a call per chunk). */
  terminals: TerminalData;
}

const TOKEN_KEY = 'nexus.token';

/** Reads the session token from the URL once, then keeps it out of the address bar. */
function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function connect(): Connection {
  if (window.nexus) {
    return { api: typedApi(window.nexus), runtime: 'electron', state: () => 'connected', onState: () => () => undefined, terminals: messagePortTerminals() };
  }
  const token = takeToken() ?? '';
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  const bridge = new WsBridge(`${scheme}://${window.location.host}/rpc?token=${encodeURIComponent(token)}`);
  return { api: typedApi(bridge), runtime: 'browser', state: () => bridge.state, onState: (l) => bridge.onState(l), terminals: bridge.terminals };
}
