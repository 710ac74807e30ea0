import { useCallback, useDeferredValue, useId, useMemo, useState } from 'react';
import type { WorkspaceStatus } from '../../../../shared/domain/workspace.js';
import { useAppData } from '../../hooks/useAppData.js';
import type { WorkspacesState, WorkspaceView } from '../../hooks/useWorkspaces.js';
import { ErrorNote } from '../common/ErrorNote.js';
import { DeleteDialog } from './DeleteDialog.js';
import { EmptyState } from './EmptyState.js';
import { statusTone } from './labels.js';
import { WorkspaceList } from './WorkspaceList.js';

interface WorkspacesViewProps {
  state: WorkspacesState;
  onCreate: () => void;
}

const summaryOrder: WorkspaceStatus[] = ['running', 'creating', 'starting', 'stopping', 'sleeping', 'missing', 'error', 'deleting', 'archived', 'unknown'];

/** The main screen: a count by status, a filter, and the cards. */
export function WorkspacesView({ state, onCreate }: WorkspacesViewProps) {
  const { sshConfigPath } = useAppData();
  const filterId = useId();
  const [filter, setFilter] = useState('');
  const deferredFilter = useDeferredValue(filter);
  const [deleting, setDeleting] = useState<WorkspaceView | null>(null);
  const onDelete = useCallback((w: WorkspaceView) => setDeleting(w), []);
  const { workspaces, progress, loaded, error } = state;

  const shown = useMemo(() => {
    const q = deferredFilter.trim().toLowerCase();
    if (!q) return workspaces;
    return workspaces.filter((w) => w.name.includes(q) || w.repo.toLowerCase().includes(q) || w.branch.toLowerCase().includes(q) || w.status === q);
  }, [workspaces, deferredFilter]);

  const counts = useMemo(() => {
    const by = new Map<WorkspaceStatus, number>();
    for (const w of workspaces) by.set(w.status, (by.get(w.status) ?? 0) + 1);
    return summaryOrder.filter((s) => by.has(s)).map((s) => ({ status: s, count: by.get(s) ?? 0 }));
  }, [workspaces]);

  // The dialog follows the live workspace, and closes if it disappears (deleted elsewhere).
  const deletingLive = deleting ? workspaces.find((w) => w.id === deleting.id) : undefined;

  if (!loaded) return <p className="loading" role="status">Loading workspaces…</p>;
  return (
    <section className="workspaces" aria-labelledby="workspaces-title">
      <div className="toolbar">
        <h2 id="workspaces-title">Workspaces</h2>
        {counts.length > 0 && (
          <p className="counts" aria-label="Workspaces by status">
            {counts.map(({ status, count }) => (
              <span key={status} className={`count tone-text-${statusTone[status]}`}>
                {count} {status}
              </span>
            ))}
          </p>
        )}
        <span className="spacer" />
        {workspaces.length > 0 && (
          <>
            <label htmlFor={filterId} className="visually-hidden">
              Filter workspaces
            </label>
            <input id={filterId} type="search" className="filter" placeholder="Filter workspaces…" value={filter} onChange={(e) => setFilter(e.target.value)} />
          </>
        )}
      </div>
      {error && <ErrorNote error={error} title="Could not load the workspaces" />}
      {!error && workspaces.length === 0 && <EmptyState onCreate={onCreate} />}
      {workspaces.length > 0 && shown.length === 0 && <p className="muted">No workspace matches “{filter}”.</p>}
      {shown.length > 0 && <WorkspaceList workspaces={shown} progress={progress} sshConfigPath={sshConfigPath} onDelete={onDelete} />}
      {deletingLive && <DeleteDialog workspace={deletingLive} onClose={() => setDeleting(null)} />}
    </section>
  );
}
