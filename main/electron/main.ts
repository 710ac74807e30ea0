import { BrowserWindow, app, ipcMain, shell } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { IPC_EVENT, IPC_INVOKE } from '../../shared/contract/wire.js';
import { createApp } from '../app/create-app.js';
import type { NexusApp } from '../app/create-app.js';

const here = dirname(fileURLToPath(import.meta.url));
const rendererIndex = join(here, '../renderer/index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;

let window: BrowserWindow | null = null;
let nexus: NexusApp | null = null;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    title: 'Nexus Desktop',
    show: false,
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadFile(rendererIndex);
  return win;
}

/** Only our own page, in our own window, may call the contract. */
function fromOurPage(frameUrl: string | undefined): boolean {
  return frameUrl !== undefined && frameUrl.split(/[?#]/)[0] === rendererUrl;
}

async function boot(): Promise<void> {
  nexus = await createApp({ runtime: 'electron' });
  const current = nexus;
  ipcMain.handle(IPC_INVOKE, (event, method: unknown, params: unknown) => {
    if (!fromOurPage(event.senderFrame?.url)) {
      return { ok: false, error: { code: 'invalid_request', message: 'Calls are accepted from the Nexus window only.' } };
    }
    return current.router.call(method, params);
  });
  current.hub.subscribe((event, payload) => {
    if (window && !window.isDestroyed()) window.webContents.send(IPC_EVENT, event, payload);
  });
  window = createWindow();
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('web-contents-created', (_event, contents) => {
    // The window never navigates away from the app; links open in the OS browser.
    contents.on('will-navigate', (event, url) => {
      if (url !== contents.getURL()) event.preventDefault();
    });
    contents.setWindowOpenHandler(({ url }) => {
      if (/^https?:\/\//.test(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
  app.whenReady().then(boot, (err: unknown) => {
    console.error('Nexus could not start:', err);
    app.exit(1);
  });
  app.on('activate', () => {
    if (nexus && BrowserWindow.getAllWindows().length === 0) window = createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => {
    void nexus?.dispose();
  });
}
