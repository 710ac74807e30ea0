import type { ProgressView, WorkspaceView } from '../../hooks/useWorkspaces.js';
import { WorkspaceCard } from './WorkspaceCard.js';

interface WorkspaceListProps {
  workspaces: readonly WorkspaceView[];
  progress: ReadonlyMap<string, ProgressView>;
  sshConfigPath: string | null;
  onDelete: (workspace: WorkspaceView) => void;
}

/** The card grid. Off-screen cards skip layout and paint (`content-visibility: auto`). */
export function WorkspaceList({ workspaces, progress, sshConfigPath, onDelete }: WorkspaceListProps) {
  return (
    <ul className="card-grid" aria-label="Workspaces">
      {workspaces.map((w) => (
        <li key={w.id}>
          <WorkspaceCard workspace={w} progress={progress.get(w.id)} sshConfigPath={sshConfigPath} onDelete={onDelete} />
        </li>
      ))}
    </ul>
  );
}
