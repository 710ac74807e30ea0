import { BrowserWindow, app, dialog, ipcMain, powerMonitor, safeStorage, shell } from 'electron';
import type { IpcMainEvent, IpcMainInvokeEvent } from 'electron';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventName, FocusRequest } from '../../shared/contract/events.js';
import { IPC_EVENT, IPC_INVOKE } from '../../shared/contract/wire.js';
import type { Reply } from '../../shared/contract/wire.js';
import type { Workspace } from '../../shared/domain/workspace.js';
import { createApp } from '../app/create-app.js';
import type { NexusApp } from '../app/create-app.js';
import { nexusHome, nexusPaths } from '../config/paths.js';
import { isAppUrl } from '../desktop/app-protocol.js';
import { safeStorageCipher } from '../desktop/credential-cipher.js';
import { DesktopController } from '../desktop/desktop-controller.js';
import { shutdown } from '../desktop/quit.js';
import { resumeHookOf, resumeWatcher } from '../desktop/resume.js';
import type { ResumeEvent } from '../desktop/resume.js';
import type { Coalescer } from '../desktop/debounce.js';
import { mergeShellEnv, resolveShellEnv } from '../desktop/shell-env.js';
import { createLogger, prepareLogFile } from '../log/logger.js';
import { OsNotifications } from './notifications.js';
import { lockDownSession, registerAppScheme, serveApp } from './protocol.js';
import { DesktopStore } from './store.js';
import { serveTerminalPorts } from './terminal-port.js';
import { installTestHooks } from './test-hooks.js';
import { NexusTray } from './tray.js';
import { createMainWindow, lockDownContents } from './window.js';

// dist/main/electron.js: the renderer and preload are built next to it.
const here = dirname(fileURLToPath(import.meta.url));
const rendererDir = join(here, '../renderer');
const preload = join(here, '../preload/index.cjs');
/** Icons: shipped as resources when packaged (electron-builder.yml), from build/ in development. */
const iconDir = app.isPackaged ? join(process.resourcesPath, 'icons') : join(here, '../../build/app-icons');
const appIcon = existsSync(join(iconDir, 'icon.png')) ? join(iconDir, 'icon.png') : undefined;
const trayIcon = join(iconDir, process.platform === 'darwin' ? 'trayTemplate.png' : 'tray.png');

const home = nexusHome();
// The same nexus.log the error messages point to (createApp gets this logger).
const log = createLogger('nexus', { file: prepareLogFile(nexusPaths(home).logFile) });
const hooks = installTestHooks();

// One NEXUS_HOME, one app: a second NEXUS_HOME (tests, a second profile) gets its own Chromium
// profile and its own single-instance lock instead of focusing the everyday window.
if (process.env.NEXUS_HOME) app.setPath('userData', join(home, 'electron'));
registerAppScheme();

let window: BrowserWindow | null = null;
let nexus: NexusApp | null = null;
let controller: DesktopController | null = null;
let tray: NexusTray | null = null;
let resume: Coalescer | null = null;
let store: DesktopStore | null = null;
let quitPhase: 'running' | 'shutting-down' | 'done' = 'running';

let markReady: (app: NexusApp) => void = () => undefined;
let markFailed: (err: unknown) => void = () => undefined;
const ready = new Promise<NexusApp>((resolve, reject) => {
  markReady = resolve;
  markFailed = reject;
});
ready.catch(() => undefined);

const openExternal = (url: string) => {
  if (hooks) hooks.external.push(url);
  else void shell.openExternal(url);
};

function makeWindow(): BrowserWindow {
  const win = createMainWindow({
    preload,
    ...(appIcon ? { icon: appIcon } : {}),
    saved: store?.savedWindow(),
    onSave: (w) => store?.saveWindow(w),
    log,
  });
  win.on('closed', () => {
    if (window === win) window = null;
  });
  return win;
}

/** Brings the window to the front (creating it if it was closed), then tells the page what to show. */
function focus(request: FocusRequest): void {
  hooks?.focus.push(request);
  if (!window || window.isDestroyed()) window = makeWindow();
  const win = window;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
  if (request.workspaceId === null && request.view === 'card') return;
  const send = () => win.webContents.send(IPC_EVENT, 'ui.focus' satisfies EventName, request);
  if (win.webContents.isLoading()) win.webContents.once('did-finish-load', send);
  else send();
}

/** Only our page, in our window's main frame, may call the contract. */
function fromOurWindow(event: IpcMainInvokeEvent | IpcMainEvent): boolean {
  const frame = event.senderFrame;
  return window !== null && !window.isDestroyed() && event.sender === window.webContents && frame !== null && frame === event.sender.mainFrame && isAppUrl(frame.url);
}

async function boot(): Promise<void> {
  lockDownSession();
  serveApp(rendererDir, log);
  if (process.platform === 'win32') app.setAppUserModelId('dev.nexus.desktop');
  store = new DesktopStore(home);

  ipcMain.handle(IPC_INVOKE, async (event, method: unknown, params: unknown): Promise<Reply> => {
    if (!fromOurWindow(event)) {
      return { ok: false, error: { code: 'invalid_request', message: 'Calls are accepted from the Nexus window only.' } };
    }
    let app: NexusApp;
    try {
      app = await ready;
    } catch {
      return { ok: false, error: { code: 'internal', message: 'Nexus could not start its services. The details are in the log.' } };
    }
    controller?.observeCall(method, params);
    return app.router.call(method, params);
  });
  serveTerminalPorts({ allowed: fromOurWindow, terminals: async () => (await ready).terminals, log: log.child('terminals') });
  // The window shows while the services come up; its calls wait for them.
  window = makeWindow();

  // Found from a dock or menu, the app has the session's bare PATH; the login shell knows better.
  const shellEnv = await resolveShellEnv();
  if (shellEnv.status === 'resolved') {
    Object.assign(process.env, mergeShellEnv(process.env, shellEnv.env));
    log.info(`adopted the login shell's environment (${shellEnv.shell}, ${shellEnv.ms} ms)`);
  } else if (shellEnv.status === 'failed') {
    log.warn(`kept the launch environment: ${shellEnv.reason}`);
  } else {
    log.debug(`login shell environment not needed: ${shellEnv.reason}`);
  }

  // The Daytona key is encrypted by the OS keychain through safeStorage; where safeStorage cannot
  // encrypt at all, the app's key-file cipher is used and reports `file` (never "keychain").
  const cipher = safeStorageCipher(safeStorage);
  const protection = cipher?.protection() ?? 'file';
  if (hooks) hooks.protection = protection;
  log.info(`saved credentials are protected by: ${protection}`);

  nexus = await createApp({
    runtime: 'electron',
    log,
    home,
    ...(cipher ? { credentialCipher: cipher } : {}),
    ...(app.isPackaged ? { imageContext: join(process.resourcesPath, 'images', 'workspace') } : {}),
  });
  markReady(nexus);
  nexus.hub.subscribe((event, payload) => {
    if (window && !window.isDestroyed()) window.webContents.send(IPC_EVENT, event, payload);
  });

  const desktop = store;
  const notifications = new OsNotifications(appIcon, (n) => controller?.clicked(n), log);
  tray = new NexusTray(trayIcon, (action) => void controller?.act(action));
  controller = new DesktopController({
    router: nexus.router,
    events: nexus.hub,
    settings: () => desktop.settings(),
    windowFocused: () => window !== null && !window.isDestroyed() && window.isFocused(),
    showNotification: (n) => {
      hooks?.notifications.push(n);
      notifications.show(n);
    },
    renderTray: (model) => {
      if (hooks) hooks.tray = model;
      tray?.render(model);
    },
    focus,
    quit: () => app.quit(),
    log: log.child('desktop'),
  });
  if (hooks) {
    const c = controller;
    hooks.trayAction = (action) => c.act(action);
    hooks.clickNotification = (index) => {
      const n = hooks.notifications[index];
      if (n) c.clicked(n);
    };
  }
  await controller.start();

  // After the laptop sleeps: one reconnect per burst of resume / unlock-screen.
  const hook = resumeHookOf(nexus);
  if (hooks) hooks.resumeHook = hook !== null;
  const reconnect = hook && (async () => {
    if (hooks) hooks.reconnects++;
    await hook();
  });
  resume = resumeWatcher(reconnect, log.child('resume'));
  const onWake = (name: ResumeEvent) => () => {
    if (hooks) hooks.resumes++;
    resume?.trigger(name);
  };
  powerMonitor.on('resume', onWake('resume'));
  powerMonitor.on('unlock-screen', onWake('unlock-screen'));
}

async function shutdownAll(): Promise<void> {
  resume?.dispose();
  controller?.dispose();
  tray?.destroy();
  tray = null;
  if (!nexus) return;
  const app = nexus;
  const report = await shutdown({
    stopWorkspaces: store?.settings().quit.stopWorkspaces ?? false,
    list: async () => {
      const reply = await app.router.call('workspaces.list', {});
      return reply.ok ? (reply.result as Workspace[]) : [];
    },
    stop: async (id) => {
      const reply = await app.router.call('workspaces.stop', { id });
      if (!reply.ok) throw new Error(reply.error.message);
    },
    dispose: () => app.dispose(),
    log,
  });
  if (report.stopped.length > 0) log.info(`stopped on quit: ${report.stopped.join(', ')}`);
}

if (!app.requestSingleInstanceLock()) {
  // The first instance gets `second-instance` and comes to the front; this one leaves quietly.
  app.quit();
} else {
  app.on('second-instance', () => focus({ workspaceId: null, view: 'card' }));
  app.on('web-contents-created', (_event, contents) => lockDownContents(contents, openExternal, log));
  app.whenReady().then(boot).catch((err: unknown) => {
    markFailed(err);
    log.error('Nexus could not start', err);
    dialog.showErrorBox('Nexus could not start', err instanceof Error ? err.message : String(err));
    app.exit(1);
  });
  app.on('activate', () => {
    // macOS: a click on the dock icon with no window open.
    if (BrowserWindow.getAllWindows().length === 0) focus({ workspaceId: null, view: 'card' });
  });
  app.on('window-all-closed', () => {
    // macOS apps stay in the dock (and the tray) without windows; elsewhere closing the window quits.
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', (event) => {
    if (quitPhase === 'done') return;
    event.preventDefault();
    if (quitPhase === 'shutting-down') return;
    quitPhase = 'shutting-down';
    void shutdownAll()
      .catch((err: unknown) => log.warn('shutdown failed', err))
      .finally(() => {
        quitPhase = 'done';
        app.quit();
      });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
}
