import { memo } from 'react';
import type { WorkspaceStatus } from '../../../../shared/domain/workspace.js';
import { statusTone } from './labels.js';

/** The status word in its colour; a pulsing dot while something is in flight. */
export const StatusBadge = memo(function StatusBadge({ status }: { status: WorkspaceStatus }) {
  const tone = statusTone[status];
  return (
    <span className={`status status-${tone}`} data-status={status}>
      <span className="status-dot" aria-hidden="true" />
      <span className="status-word">{status}</span>
    </span>
  );
});
