import { BrowserWindow, screen, shell } from 'electron';
import type { WebContents } from 'electron';
import { APP_ENTRY_URL, linkPolicy } from '../desktop/app-protocol.js';
import { WINDOW_DEFAULTS, placeWindow } from '../desktop/window-bounds.js';
import type { SavedWindow } from '../desktop/window-bounds.js';
import type { Logger } from '../log/logger.js';

export interface WindowOptions {
  preload: string;
  icon?: string;
  saved: unknown;
  onSave(window: SavedWindow): void;
  log: Logger;
}

/**
 * The one window: isolated, sandboxed, no Node in the page, nothing but the preload's contract
 * bridge. Opens where it was left when that is still on a screen; remembers where it is.
 */
export function createMainWindow(options: WindowOptions): BrowserWindow {
  const displays = screen.getAllDisplays().map((d) => d.workArea);
  const placement = placeWindow(options.saved, displays, screen.getPrimaryDisplay().workArea, WINDOW_DEFAULTS);
  const win = new BrowserWindow({
    ...(placement.x !== undefined && placement.y !== undefined ? { x: placement.x, y: placement.y } : { center: true }),
    width: placement.width,
    height: placement.height,
    minWidth: WINDOW_DEFAULTS.minSize.width,
    minHeight: WINDOW_DEFAULTS.minSize.height,
    title: 'Nexus Desktop',
    show: false,
    ...(options.icon ? { icon: options.icon } : {}),
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => {
    if (placement.maximized) win.maximize();
    win.show();
  });

  // Remember the normal (un-maximized) bounds, a moment after moving stops, and on close.
  let timer: ReturnType<typeof setTimeout> | null = null;
  const save = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (win.isDestroyed() || win.isMinimized() || win.isFullScreen()) return;
    const b = win.getNormalBounds();
    options.onSave({ x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() });
  };
  const saveSoon = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 500);
  };
  win.on('resize', saveSoon);
  win.on('move', saveSoon);
  win.on('maximize', saveSoon);
  win.on('unmaximize', saveSoon);
  win.on('close', save);

  void win.loadURL(APP_ENTRY_URL).catch((err: unknown) => options.log.error('the window could not load the app', err));
  return win;
}

/**
 * Applies to every web contents the app creates: no navigation away from our page, no new
 * windows, no <webview>; http(s) links open in the OS browser, every other scheme is refused.
 */
export function lockDownContents(contents: WebContents, openExternal: (url: string) => void = (url) => void shell.openExternal(url), log?: Logger): void {
  const guard = (event: { preventDefault(): void }, url: string) => {
    // A reload of our own page stays; everything else is stopped here.
    if (linkPolicy(url) === 'app' && url.split('#')[0] === contents.getURL().split('#')[0]) return;
    event.preventDefault();
    if (linkPolicy(url) === 'external') openExternal(url);
    else log?.warn(`blocked navigation to ${url.slice(0, 200)}`);
  };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (linkPolicy(url) === 'external') openExternal(url);
    else log?.warn(`blocked window.open of ${url.slice(0, 200)}`);
    return { action: 'deny' };
  });
}
