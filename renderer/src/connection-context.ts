import { createContext, useContext, useSyncExternalStore } from 'react';
import type { Connection } from './transport/connect.js';

export const ConnectionContext = createContext<Connection | null>(null);

export function useConnection(): Connection {
  const connection = useContext(ConnectionContext);
  if (!connection) throw new Error('useConnection outside ConnectionContext');
  return connection;
}

export function useConnectionState() {
  const connection = useConnection();
  return useSyncExternalStore(
    (notify) => connection.onState(notify),
    () => connection.state(),
  );
}
