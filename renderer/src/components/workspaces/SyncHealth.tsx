import { useId, useState } from 'react';
import type { SyncStatus } from '../../../../shared/domain/workspace.js';
import type { WorkspaceView } from '../../hooks/useWorkspaces.js';
import type { Tone } from './labels.js';
import { Icon } from '../common/Icon.js';

type Sync = NonNullable<WorkspaceView['sync']>;

const words: Record<SyncStatus, [string, Tone]> = {
  off: ['Sync off', 'muted'],
  connecting: ['Sync connecting…', 'busy'],
  watching: ['In sync · watching for changes', 'ok'],
  scanning: ['Syncing · scanning', 'busy'],
  staging: ['Syncing · staging files', 'busy'],
  reconciling: ['Syncing · reconciling', 'busy'],
  saving: ['Syncing · saving', 'busy'],
  disconnected: ['Sync disconnected', 'bad'],
  halted: ['Sync halted', 'bad'],
  paused: ['Sync paused', 'idle'],
};

/**
 * The card's sync line: health in words, staging progress, conflicts on demand, the last error.
 * `dormant`: the workspace is not running, so sync trouble is expected and shown muted.
 */
export function SyncHealth({ sync, name, dormant }: { sync: Sync; name: string; dormant: boolean }) {
  const [showConflicts, setShowConflicts] = useState(false);
  const listId = useId();
  const [label, tone] = words[sync.status];
  const staging = sync.status === 'staging' && sync.staging && sync.staging.expected > 0 ? sync.staging : null;
  const conflicts = sync.conflicts.length;
  return (
    <div className={`sync sync-${tone} ${dormant ? 'sync-dormant' : ''}`}>
      <p className="sync-line">
        <Icon name="sync" />
        <span title={`Mutagen: ${sync.raw}`}>{label}</span>
        {staging && (
          <span className="staging">
            <progress
              className="meter"
              max={staging.expected}
              value={staging.received}
              aria-label={`Staging files for ${name}`}
            />
            <span className="muted">
              {staging.received}/{staging.expected}
            </span>
          </span>
        )}
        {conflicts > 0 && (
          <button
            type="button"
            className="link-button warn"
            aria-expanded={showConflicts}
            aria-controls={listId}
            onClick={() => setShowConflicts((v) => !v)}
          >
            {conflicts === 1 ? '1 conflict' : `${conflicts} conflicts`}
          </button>
        )}
      </p>
      {showConflicts && conflicts > 0 && (
        <ul id={listId} className="path-list" aria-label={`Sync conflicts in ${name}`}>
          {sync.conflicts.map((c) => (
            <li key={c.path}>
              <code>{c.path}</code>
            </li>
          ))}
        </ul>
      )}
      {sync.lastError && (
        <p className="sync-error">
          {dormant ? 'Last sync error (it resumes when the workspace runs): ' : ''}
          {sync.lastError}
        </p>
      )}
      {sync.problems.length > 0 && (
        <ul className="path-list bad" aria-label={`Sync problems in ${name}`}>
          {sync.problems.slice(0, 5).map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
