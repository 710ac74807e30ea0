import { contextBridge, ipcRenderer } from 'electron';
import { IPC_TERMINAL_PORT, TERMINAL_PORT_MESSAGE } from '../shared/contract/wire.js';
import { createBridge } from './bridge.js';

// The page gets the contract and nothing else: no ipcRenderer, no require, no process.
const bridge = createBridge(ipcRenderer);
contextBridge.exposeInMainWorld('nexus', {
  invoke: (method: string, params: unknown) => bridge.invoke(method, params),
  on: (event: string, listener: (payload: unknown) => void) => bridge.on(event, listener),
});

// Terminal bytes travel on a MessagePort, not through invoke. A port cannot cross the context
// bridge, so the preload hands it to the page the way Electron documents for isolated worlds:
// window.postMessage with the port transferred. The page only ever gets this one port.
const page = globalThis as unknown as { postMessage(message: unknown, targetOrigin: string, transfer: unknown[]): void };
ipcRenderer.on(IPC_TERMINAL_PORT, (event) => {
  const port = event.ports[0];
  if (port) page.postMessage({ type: TERMINAL_PORT_MESSAGE }, '*', [port]);
});
contextBridge.exposeInMainWorld('nexusTerminals', {
  requestPort: () => ipcRenderer.send(IPC_TERMINAL_PORT),
});
