import { useEffect, useRef } from 'react';
import type { BackendKind } from '../../../../shared/domain/workspace.js';
import type { ShownError } from '../../errors.js';
import { ErrorNote } from '../common/ErrorNote.js';
import { CreateSteps } from './CreateSteps.js';
import type { StepsView } from './CreateSteps.js';

export type Phase = 'form' | 'creating' | 'done' | 'failed' | 'cancelled';

interface CreateProgressViewProps {
  phase: Exclude<Phase, 'form'>;
  summary: string;
  steps: StepsView;
  name: string;
  backend: BackendKind | null;
  error: ShownError | null;
  canCancel: boolean;
  cancelling: boolean;
  onCancel: () => void;
  onBack: () => void;
  onClose: () => void;
}

/** The create dialog once the create has started: live steps, cancel, and how it ended. */
export function CreateProgressView({ phase, summary, steps, name, backend, error, canCancel, cancelling, onCancel, onBack, onClose }: CreateProgressViewProps) {
  const closeRef = useRef<HTMLButtonElement>(null);
  // The form went away with the focus in it: keep the keyboard inside the dialog.
  useEffect(() => {
    closeRef.current?.focus();
  }, []);
  return (
    <div className="create-progress">
      <div className="dialog-body">
        <p className="create-summary">{summary}</p>
        <CreateSteps steps={steps} name={name} backend={backend} />
        {phase === 'creating' && <p className="muted">You can close this dialog; the workspace keeps being created and its card shows the progress.</p>}
        {phase === 'done' && (
          <p className="ok-note" role="status">
            Workspace {name} is ready.
          </p>
        )}
        {phase === 'cancelled' && (
          <p className="muted" role="status">
            Cancelled. Everything this create made was removed.
          </p>
        )}
        {phase === 'failed' && error && <ErrorNote error={error} title={`Creating ${name} failed`} />}
      </div>
      <footer className="dialog-actions">
        {phase === 'creating' && (
          <button type="button" className="danger-quiet" disabled={!canCancel} onClick={onCancel}>
            {cancelling ? 'Cancelling…' : 'Cancel create'}
          </button>
        )}
        {(phase === 'failed' || phase === 'cancelled') && (
          <button type="button" onClick={onBack}>
            Back to the form
          </button>
        )}
        <button ref={closeRef} type="button" className={phase === 'done' ? 'primary' : undefined} onClick={onClose}>
          {phase === 'done' ? 'Done' : 'Close'}
        </button>
      </footer>
    </div>
  );
}
