import { useEffect, useState } from 'react';
import type { Result } from '../../../../shared/contract/methods.js';
import { useConnection } from '../../connection-context.js';
import { describeError } from '../../errors.js';
import type { ShownError } from '../../errors.js';
import type { WorkspaceView } from '../../hooks/useWorkspaces.js';
import { Dialog } from '../common/Dialog.js';
import { ErrorNote } from '../common/ErrorNote.js';
import { backendLabel } from './labels.js';

type Risk = Result<'workspaces.deleteRisk'>;

interface DeleteDialogProps {
  workspace: WorkspaceView;
  onClose: () => void;
}

/**
 * Asks before deleting, naming exactly what would be lost: each uncommitted file and each
 * commit not merged into the base. With something at risk the button says "Delete anyway"
 * and passes `force`.
 */
export function DeleteDialog({ workspace, onClose }: DeleteDialogProps) {
  const { api } = useConnection();
  const [risk, setRisk] = useState<Risk | null>(null);
  const [riskError, setRiskError] = useState<ShownError | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let live = true;
    api.invoke('workspaces.deleteRisk', { id: workspace.id }).then(
      (r) => live && setRisk(r),
      (err: unknown) => live && setRiskError(describeError(err)),
    );
    return () => {
      live = false;
    };
  }, [api, workspace.id, generation]);

  const atRisk = risk !== null && (risk.uncommitted.length > 0 || risk.unmerged.length > 0);
  const force = atRisk || riskError !== null;

  const remove = async () => {
    setDeleting(true);
    setError(null);
    try {
      await api.invoke('workspaces.delete', { id: workspace.id, force });
      onClose();
    } catch (err) {
      const shown = describeError(err);
      setError(shown);
      setDeleting(false);
      // Something changed since we asked (e.g. a new file): show the up-to-date risk.
      if (shown.code === 'unsafe') {
        setRisk(null);
        setGeneration((g) => g + 1);
      }
    }
  };

  return (
    <Dialog title={`Delete ${workspace.name}?`} onClose={onClose} className="dialog-narrow">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!deleting && (risk || riskError)) void remove();
        }}
      >
        <div className="dialog-body">
          <p>
            This removes the {backendLabel[workspace.backend]} {workspace.backend === 'docker' ? 'container' : 'sandbox'}, the worktree folder{' '}
            <code>{workspace.worktree}</code> and, when nothing is unmerged, the branch <code>{workspace.branch}</code>.
          </p>
          {!risk && !riskError && <p className="muted" role="status">Checking for uncommitted files and unmerged commits…</p>}
          {riskError && <ErrorNote error={riskError} title="Could not check what would be lost" />}
          {risk && !atRisk && <p className="ok-note">Nothing would be lost: no uncommitted files and no unmerged commits.</p>}
          {risk && risk.uncommitted.length > 0 && (
            <section className="risk" aria-label="Uncommitted files">
              <h3>
                {risk.uncommitted.length === 1 ? '1 uncommitted file will be lost' : `${risk.uncommitted.length} uncommitted files will be lost`}
              </h3>
              <ul className="path-list">
                {risk.uncommitted.map((path) => (
                  <li key={path}>
                    <code>{path}</code>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {risk && risk.unmerged.length > 0 && (
            <section className="risk" aria-label="Unmerged commits">
              <h3>
                {risk.unmerged.length === 1 ? '1 commit' : `${risk.unmerged.length} commits`} not merged into {workspace.base}
              </h3>
              <ul className="path-list">
                {risk.unmerged.map((line) => (
                  <li key={line}>
                    <code>{line}</code>
                  </li>
                ))}
              </ul>
              <p className="muted">These commits stay on the branch {workspace.branch}; the branch is kept.</p>
            </section>
          )}
          {error && <ErrorNote error={error} title="The workspace was not deleted" />}
        </div>
        <footer className="dialog-actions">
          <button type="button" data-autofocus onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="danger" disabled={deleting || (!risk && !riskError)}>
            {deleting ? 'Deleting…' : force ? 'Delete anyway' : 'Delete'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
