import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { useConnection, useConnectionState } from './connection-context.js';
import { describeError } from './errors.js';
import type { ShownError } from './errors.js';
import { AppDataContext, sshConfigPathFor } from './hooks/useAppData.js';
import type { AboutView, AppData, ConfigView, DaytonaStatus } from './hooks/useAppData.js';

export function AppDataProvider({ children }: { children: ReactNode }) {
  const { api } = useConnection();
  const connection = useConnectionState();
  const [config, setConfig] = useState<ConfigView | null>(null);
  const [configError, setConfigError] = useState<ShownError | null>(null);
  const [about, setAbout] = useState<AboutView | null>(null);
  const [daytona, setDaytona] = useState<DaytonaStatus | null>(null);

  const loadConfig = useCallback(
    () =>
      api.invoke('config.get', {}).then(
        (c) => {
          setConfig(c);
          setConfigError(null);
        },
        (err: unknown) => setConfigError(describeError(err)),
      ),
    [api],
  );
  // The About panel asks again and shows its own error; the rest of the window copes without.
  const loadAbout = useCallback(() => api.invoke('app.about', {}).then(setAbout, () => undefined), [api]);
  const loadDaytona = useCallback(() => api.invoke('daytona.status', {}).then(setDaytona, () => setDaytona(null)), [api]);

  useEffect(() => {
    if (connection !== 'connected') return;
    void Promise.all([loadConfig(), loadAbout(), loadDaytona()]);
  }, [connection, loadConfig, loadAbout, loadDaytona]);

  const value = useMemo<AppData>(
    () => ({
      config,
      configError,
      about,
      daytona,
      sshConfigPath: config ? sshConfigPathFor(config.path) : null,
      refreshConfig: loadConfig,
      refreshAbout: loadAbout,
      refreshDaytona: loadDaytona,
    }),
    [config, configError, about, daytona, loadConfig, loadAbout, loadDaytona],
  );
  return <AppDataContext.Provider value={value}>{children}</AppDataContext.Provider>;
}
