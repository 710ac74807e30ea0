import { describe, expect, it } from 'vitest';
import { DEFAULT_DESKTOP_SETTINGS, readDesktopSettings } from './desktop-settings.js';

describe('desktop settings', () => {
  it('defaults: notifications on, warn 2 minutes before an auto-stop, keep workspaces running on quit', () => {
    expect(readDesktopSettings(undefined)).toEqual({ notifications: { enabled: true, warnBeforeStopMinutes: 2 }, quit: { stopWorkspaces: false } });
  });

  it('keeps what is valid and falls back per section', () => {
    expect(readDesktopSettings({ notifications: { warnBeforeStopMinutes: 0 }, quit: { stopWorkspaces: true } })).toEqual({
      notifications: { enabled: true, warnBeforeStopMinutes: 0 },
      quit: { stopWorkspaces: true },
    });
    expect(readDesktopSettings({ notifications: { warnBeforeStopMinutes: -3 }, quit: { stopWorkspaces: 'yes' } })).toEqual(DEFAULT_DESKTOP_SETTINGS);
    expect(readDesktopSettings({ notifications: 'loud', quit: { stopWorkspaces: true } }).quit.stopWorkspaces).toBe(true);
    expect(readDesktopSettings('garbage')).toEqual(DEFAULT_DESKTOP_SETTINGS);
  });
});
