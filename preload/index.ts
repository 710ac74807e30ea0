import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge.js';

// The page gets the contract and nothing else: no ipcRenderer, no require, no process.
const bridge = createBridge(ipcRenderer);
contextBridge.exposeInMainWorld('nexus', {
  invoke: (method: string, params: unknown) => bridge.invoke(method, params),
  on: (event: string, listener: (payload: unknown) => void) => bridge.on(event, listener),
});
