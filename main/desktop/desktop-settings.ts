import { z } from 'zod';

/**
 * Settings only the desktop app has (kept in its electron-store file next to the remembered
 * window and the sealed secrets). Each section falls back to its default on its own, so one bad
 * value never resets the rest.
 */
export const NotificationSettings = z.object({
  enabled: z.boolean(),
  /** Minutes before a Daytona auto-stop to warn; 0 = off. */
  warnBeforeStopMinutes: z.number().int().min(0).max(60),
});

export const QuitSettings = z.object({
  /** Stop running workspaces when the app quits (off: they keep running, and keep their TTL). */
  stopWorkspaces: z.boolean(),
});

export const DesktopSettings = z.object({
  notifications: NotificationSettings,
  quit: QuitSettings,
});
export type DesktopSettings = z.infer<typeof DesktopSettings>;

export const DEFAULT_DESKTOP_SETTINGS: DesktopSettings = {
  // Two minutes: enough to react, and the complaint to design against is a stop with no warning.
  notifications: { enabled: true, warnBeforeStopMinutes: 2 },
  quit: { stopWorkspaces: false },
};

export function readDesktopSettings(raw: unknown): DesktopSettings {
  const obj = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const section = <T>(schema: z.ZodType<T>, value: unknown, fallback: T): T => {
    const merged = value !== null && typeof value === 'object' ? { ...fallback, ...(value as object) } : fallback;
    const parsed = schema.safeParse(merged);
    return parsed.success ? parsed.data : fallback;
  };
  return {
    notifications: section(NotificationSettings, obj.notifications, DEFAULT_DESKTOP_SETTINGS.notifications),
    quit: section(QuitSettings, obj.quit, DEFAULT_DESKTOP_SETTINGS.quit),
  };
}
