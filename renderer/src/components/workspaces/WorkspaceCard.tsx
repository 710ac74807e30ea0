import { memo, useId } from 'react';
import { useConnection } from '../../connection-context.js';
import type { ProgressView, WorkspaceView } from '../../hooks/useWorkspaces.js';
import { CardActions } from './CardActions.js';
import { CreatingLine } from './CreatingLine.js';
import { backendLabel, baseName, statusTone } from './labels.js';
import { QuickAction } from './QuickAction.js';
import { StatusBadge } from './StatusBadge.js';
import { SyncHealth } from './SyncHealth.js';
import { TtlCountdown } from './TtlCountdown.js';
import { Icon } from '../common/Icon.js';

interface WorkspaceCardProps {
  workspace: WorkspaceView;
  progress: ProgressView | undefined;
  sshConfigPath: string | null;
  onDelete: (workspace: WorkspaceView) => void;
}

/**
 * One workspace at a glance: name, repo and branch, backend, status in colour and words, the
 * auto-stop countdown, sync health, and what can be done now. Memoized: a card re-renders only
 * when its own workspace changes (the countdown inside ticks on its own).
 */
export const WorkspaceCard = memo(function WorkspaceCard({ workspace, progress, sshConfigPath, onDelete }: WorkspaceCardProps) {
  const { api } = useConnection();
  const titleId = useId();
  const { id, name, status } = workspace;
  const showTtl = workspace.ttl !== null && status === 'running';
  return (
    <article className={`card tone-${statusTone[status]}`} aria-labelledby={titleId} data-workspace-id={id}>
      <header className="card-head">
        <h3 id={titleId} className="card-name">
          {name}
        </h3>
        <span className={`backend backend-${workspace.backend}`}>{backendLabel[workspace.backend]}</span>
        <StatusBadge status={status} />
      </header>
      <p className="card-meta">
        <span className="repo" title={workspace.repo}>
          {baseName(workspace.repo)}
        </span>
        <span className="branch" title={`Branch ${workspace.branch}, created from ${workspace.base}`}>
          <Icon name="branch" size={12} /> 
          {workspace.branch}
          <span className="muted"> ← {workspace.base}</span>
        </span>
      </p>
      {workspace.statusDetail && (
        <p className={`card-detail detail-${statusTone[status]}`}>
          {status}: {workspace.statusDetail}
        </p>
      )}
      {status === 'creating' && <CreatingLine progress={progress} name={name} />}
      {showTtl && workspace.ttl && (
        <div className="card-row">
          <TtlCountdown ttl={workspace.ttl} />
          <QuickAction workspaceId={id} name={name} what="keep awake" label="Keep awake" busyLabel="…" ariaLabel={`Keep ${name} awake`} action={() => api.invoke('daytona.keepAwake', { id })} />
        </div>
      )}
      {workspace.sync && (
        <div className="card-row">
          <SyncHealth sync={workspace.sync} name={name} dormant={status !== 'running'} />
          {status === 'running' && (
            <QuickAction
              workspaceId={id}
              name={name}
              what="sync"
              label="Sync now"
              busyLabel="Syncing…"
              ariaLabel={`Sync ${name} now`}
              action={() => api.invoke('sync.flush', { id })}
            />
          )}
        </div>
      )}
      <CardActions workspace={workspace} sshConfigPath={sshConfigPath} onDelete={onDelete} />
    </article>
  );
});
