import { Icon } from '../common/Icon.js';

/** What a new user sees first: the one thing to do, and what will happen. */
export function EmptyState({ onCreate }: { onCreate: () => void }) {
  return (
    <section className="empty" aria-labelledby="empty-title">
      <div className="empty-mark">
        <Icon name="layers" size={30} />
      </div>
      <h2 id="empty-title">Add a repository and create your first workspace</h2>
      <ol className="empty-steps">
        <li>
          <strong>Add a repository</strong> — the folder of a git repository on this machine.
        </li>
        <li>
          <strong>Name the workspace</strong> — Nexus makes a branch and a worktree for it, so your checkout stays untouched.
        </li>
        <li>
          <strong>Pick where it runs</strong> — a local Docker container or a Daytona cloud sandbox. Files sync both ways.
        </li>
      </ol>
      <button type="button" className="primary large" onClick={onCreate}>
        Create your first workspace
      </button>
    </section>
  );
}
