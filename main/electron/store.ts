import Store from 'electron-store';
import { readDesktopSettings } from '../desktop/desktop-settings.js';
import type { DesktopSettings } from '../desktop/desktop-settings.js';
import type { SavedWindow } from '../desktop/window-bounds.js';

interface Shape {
  settings?: unknown;
  window?: unknown;
}

/**
 * The desktop app's own file, `<NEXUS_HOME>/desktop.json` (0600): the desktop settings and the
 * remembered window. It lives in NEXUS_HOME rather than Electron's userData so one variable
 * isolates a whole installation (tests, a second profile). Saved credentials are not here: the
 * credential store (main/credentials) keeps their ciphertext in `credentials.json`, encrypted by
 * the safeStorage cipher this app hands to createApp.
 */
export class DesktopStore {
  private readonly store: Store<Shape>;

  constructor(home: string) {
    this.store = new Store<Shape>({
      name: 'desktop',
      cwd: home,
      configFileMode: 0o600,
      accessPropertiesByDotNotation: false,
      // A corrupt file (hand-edited, half-written by an old version) must not stop the app.
      clearInvalidConfig: true,
    });
  }

  settings(): DesktopSettings {
    return readDesktopSettings(this.store.get('settings'));
  }

  savedWindow(): unknown {
    return this.store.get('window');
  }

  saveWindow(window: SavedWindow): void {
    this.store.set('window', window);
  }
}
