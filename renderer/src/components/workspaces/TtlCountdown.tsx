import type { WorkspaceView } from '../../hooks/useWorkspaces.js';
import { useNow } from '../../hooks/useTicker.js';
import { Icon } from '../common/Icon.js';

type Ttl = NonNullable<WorkspaceView['ttl']>;

const WARN_MS = 2 * 60 * 1000;

export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

/**
 * "12m 03s remaining" until the backend auto-stops the workspace, and what keeps it awake.
 * The only part of a card that re-renders every second (one shared ticker for all cards).
 */
export function TtlCountdown({ ttl }: { ttl: Ttl }) {
  const now = useNow();
  const left = Date.parse(ttl.stopsAt) - now;
  const warn = left < WARN_MS;
  const awake = ttl.keptAwakeBy.length > 0 ? `Kept awake by ${ttl.keptAwakeBy.join(', ')}` : 'Nothing is keeping it awake';
  return (
    <p className={`ttl ${warn ? 'ttl-warn' : ''}`} data-warning={warn}>
      <Icon name="clock" />
      <span className="ttl-left">{left > 0 ? `${formatRemaining(left)} remaining` : 'Stopping for inactivity…'}</span>
      <span className="ttl-why" title={`Stops after ${ttl.autoStopMinutes} min without activity; open SSH sessions and terminals count as activity.`}>
        {awake}
      </span>
    </p>
  );
}
