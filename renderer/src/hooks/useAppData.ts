import { createContext, useContext } from 'react';
import type { Result } from '../../../shared/contract/methods.js';
import type { ShownError } from '../errors.js';

export type ConfigView = Result<'config.get'>;
export type AboutView = Result<'app.about'>;
export type DaytonaStatus = Result<'daytona.status'>;

/** What many parts of the window need and should ask for once: config, parts, Daytona sign-in. */
export interface AppData {
  config: ConfigView | null;
  configError: ShownError | null;
  about: AboutView | null;
  /** Null until known (or when `daytona.status` failed). */
  daytona: DaytonaStatus | null;
  /** `<NEXUS_HOME>/ssh/config`, for "copy ssh command". */
  sshConfigPath: string | null;
  refreshConfig(): Promise<void>;
  refreshAbout(): Promise<void>;
  refreshDaytona(): Promise<void>;
}

export const AppDataContext = createContext<AppData | null>(null);

export function useAppData(): AppData {
  const data = useContext(AppDataContext);
  if (!data) throw new Error('useAppData outside AppDataProvider');
  return data;
}

/** The Nexus home is config.yaml's folder; the generated ssh config lives in its `ssh/`. */
export function sshConfigPathFor(configPath: string): string {
  const cut = Math.max(configPath.lastIndexOf('/'), configPath.lastIndexOf('\\'));
  const sep = configPath.includes('\\') && !configPath.includes('/') ? '\\' : '/';
  const home = cut > 0 ? configPath.slice(0, cut) : '.';
  return `${home}${sep}ssh${sep}config`;
}
