import { useConnectionState } from '../connection-context.js';

const words = {
  connecting: 'Connecting…',
  connected: 'Connected',
  disconnected: 'Disconnected — reconnecting',
} as const;

export function ConnectionBadge() {
  const state = useConnectionState();
  return (
    <span className={`badge connection-${state}`} role="status" aria-label={`Connection: ${words[state]}`} data-state={state}>
      {words[state]}
    </span>
  );
}
