import type { ProgressView } from '../../hooks/useWorkspaces.js';
import { stepLabel } from './labels.js';

/** On a card being created: the step in flight, its detail and how far along it is. */
export function CreatingLine({ progress, name }: { progress: ProgressView | undefined; name: string }) {
  if (!progress) return <p className="card-detail muted">Starting the create…</p>;
  return (
    <div className="creating-line">
      <p className="card-detail">
        <strong>{stepLabel[progress.step]}</strong> · {progress.detail}
      </p>
      {progress.fraction !== null && <progress className="meter" max={1} value={progress.fraction} aria-label={`Creating ${name}: ${stepLabel[progress.step]}`} />}
    </div>
  );
}
