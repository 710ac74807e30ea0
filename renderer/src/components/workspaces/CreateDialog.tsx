import { useEffect, useMemo, useRef, useState } from 'react';
import type { BackendKind } from '../../../../shared/domain/workspace.js';
import { useConnection } from '../../connection-context.js';
import { describeError } from '../../errors.js';
import type { ShownError } from '../../errors.js';
import { useAppData } from '../../hooks/useAppData.js';
import type { WorkspaceView } from '../../hooks/useWorkspaces.js';
import { Dialog } from '../common/Dialog.js';
import { ErrorNote } from '../common/ErrorNote.js';
import { useToasts } from '../toasts/toast-store.js';
import { backendAvailability } from './availability.js';
import { BackendField } from './BackendField.js';
import { CreateProgressView } from './CreateProgressView.js';
import type { Phase } from './CreateProgressView.js';
import { applyStep, initialSteps } from './CreateSteps.js';
import type { StepsView } from './CreateSteps.js';
import { backendLabel, baseName } from './labels.js';
import { NameField, nameProblem } from './NameField.js';
import { RepoField } from './RepoField.js';
import type { RepoView } from './RepoField.js';

interface CreateDialogProps {
  /** For "recent repositories first". */
  workspaces: readonly WorkspaceView[];
  onClose: () => void;
  onSignIn: () => void;
}

/** Repositories used most recently (by a workspace, or added) first. */
function byRecentUse(repos: RepoView[], workspaces: readonly WorkspaceView[]): RepoView[] {
  const last = new Map<string, string>();
  for (const r of repos) last.set(r.path, r.addedAt);
  for (const w of workspaces) if ((last.get(w.repo) ?? '') < w.createdAt) last.set(w.repo, w.createdAt);
  return repos.slice().sort((a, b) => ((last.get(b.path) ?? '') > (last.get(a.path) ?? '') ? 1 : -1));
}

/**
 * New workspace: repository, name (checked as you type by the contract's own schema), base
 * branch and backend; then each create step live, cancellable, with the failure and what to do.
 */
export function CreateDialog({ workspaces, onClose, onSignIn }: CreateDialogProps) {
  const { api } = useConnection();
  const { config, about, daytona, refreshAbout } = useAppData();
  const [repos, setRepos] = useState<RepoView[]>([]);
  const [reposLoaded, setReposLoaded] = useState(false);
  const [repo, setRepo] = useState('');
  const [branches, setBranches] = useState<{ branches: string[]; current: string | null } | null>(null);
  const [base, setBase] = useState('');
  const [name, setName] = useState('');
  const [chosenBackend, setChosenBackend] = useState<BackendKind | null>(null);
  const [phase, setPhase] = useState<Phase>('form');
  const [steps, setSteps] = useState<StepsView>(initialSteps);
  const [workspaceId, setWorkspaceId] = useState<string | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const submitted = useRef<string | null>(null);
  const toasts = useToasts();
  // The dialog may be closed while the create runs on; a failure must still be seen.
  const open = useRef(true);
  useEffect(() => {
    open.current = true;
    return () => {
      open.current = false;
    };
  }, []);

  // Read once: the list changes with every status event, the order of repositories should not.
  const [workspacesAtOpen] = useState(workspaces);

  // Fresh facts when the dialog opens: the repositories, and whether Docker is up right now.
  useEffect(() => {
    let live = true;
    void refreshAbout();
    api.invoke('repos.list', {}).then(
      (list) => {
        if (!live) return;
        const sorted = byRecentUse(list, workspacesAtOpen);
        setRepos(sorted);
        setReposLoaded(true);
        setRepo((current) => current || sorted[0]?.path || '');
      },
      (err: unknown) => live && setError(describeError(err)),
    );
    return () => {
      live = false;
    };
  }, [api, refreshAbout, workspacesAtOpen]);

  useEffect(() => {
    if (!repo) return;
    let live = true;
    api.invoke('repos.branches', { path: repo }).then(
      (b) => {
        if (!live) return;
        setBranches(b);
        setBase(b.current ?? b.branches[0] ?? '');
      },
      (err: unknown) => {
        if (!live) return;
        setBranches(null);
        setError(describeError(err));
      },
    );
    return () => {
      live = false;
    };
  }, [api, repo]);

  // Progress of our create: matched by name (unique) until the id is known.
  useEffect(() => {
    const offProgress = api.on('workspace.progress', (p) => {
      if (p.name !== submitted.current) return;
      setWorkspaceId(p.workspaceId);
      setSteps((s) => applyStep(s, p.step, p.state, p.detail, p.fraction));
    });
    const offChanged = api.on('workspace.changed', (w) => {
      if (w.name === submitted.current && w.status === 'creating') setWorkspaceId(w.id);
    });
    return () => {
      offProgress();
      offChanged();
    };
  }, [api]);

  const availability = useMemo(() => backendAvailability(config, about, daytona), [config, about, daytona]);
  const preferred = config?.config.workspace.default_backend ?? 'docker';
  const fallback = availability[preferred].ok ? preferred : (['docker', 'daytona'] as const).find((k) => availability[k].ok) ?? null;
  const backend = chosenBackend && availability[chosenBackend].ok ? chosenBackend : fallback;

  const problem = nameProblem(name);
  const nameError = error?.field === 'name' ? error.message : null;
  const canCreate = phase === 'form' && repo !== '' && problem === null && backend !== null;
  // Why "Create workspace" is not available yet, next to it.
  const waitingFor = !reposLoaded
    ? 'Loading repositories…'
    : repo === ''
      ? 'Add a repository first.'
      : name === ''
        ? 'Name the workspace.'
        : problem !== null
          ? 'Fix the name.'
          : backend === null
            ? 'No backend is available.'
            : '';

  const create = async () => {
    if (!canCreate || !backend) return;
    submitted.current = name;
    setError(null);
    setWorkspaceId(null);
    setSteps(applyStep(initialSteps(), 'validate', 'running', 'Checking the name, the repository and the backend', null));
    setPhase('creating');
    try {
      await api.invoke('workspaces.create', { repo, name, backend, ...(base ? { base } : {}) });
      setSteps((s) => applyStep(s, 'ready', 'done', 'Ready.', null));
      setPhase('done');
    } catch (err) {
      const shown = describeError(err);
      setError(shown);
      if (!open.current && shown.code !== 'cancelled') {
        toasts.push({ level: 'error', title: `Creating ${name} failed`, message: [shown.message, shown.hint].filter(Boolean).join(' '), workspaceId: null, key: `create-failed:${name}` });
      }
      if (shown.code === 'cancelled') {
        setPhase('cancelled');
      } else {
        setSteps((s) => (s.validate.state === 'running' ? { ...s, validate: { state: 'failed', detail: shown.message, fraction: null } } : s));
        // Refused before anything was made: back to the form, with the reason next to the field.
        setPhase((current) => (current === 'creating' && shown.field ? 'form' : 'failed'));
      }
    } finally {
      setCancelling(false);
    }
  };

  const cancel = async () => {
    if (!workspaceId) return;
    setCancelling(true);
    try {
      await api.invoke('workspaces.cancelCreate', { id: workspaceId });
    } catch (err) {
      setError(describeError(err));
      setCancelling(false);
    }
  };

  const summary = `${name} from ${baseName(repo)}${base ? ` @ ${base}` : ''} on ${backend ? backendLabel[backend] : '—'}`;

  return (
    <Dialog title="New workspace" onClose={onClose} className="dialog-wide">
      {phase === 'form' ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <div className="dialog-body">
            <RepoField
              repos={repos}
              focusPath={reposLoaded && repos.length === 0}
              value={repo}
              onChange={(p) => {
                setRepo(p);
                setError(null);
              }}
              onAdded={(r) => {
                setRepos((list) => [r, ...list.filter((x) => x.path !== r.path)]);
                setRepo(r.path);
                setError(null);
              }}
            />
            <div className="field-grid">
              <NameField
                value={name}
                serverError={nameError}
                onChange={(v) => {
                  setName(v);
                  if (error?.field === 'name') setError(null);
                }}
              />
              <div className="field">
                <label htmlFor="create-base">Base branch</label>
                <select id="create-base" value={base} disabled={!branches} onChange={(e) => setBase(e.target.value)}>
                  {!branches && <option value="">{repo ? 'Loading branches…' : 'Pick a repository first'}</option>}
                  {branches?.branches.map((b) => (
                    <option key={b} value={b}>
                      {b}
                      {b === branches.current ? ' (checked out)' : ''}
                    </option>
                  ))}
                </select>
                <p className="field-hint">The new branch starts from here.</p>
              </div>
            </div>
            <BackendField value={backend} availability={availability} onChange={setChosenBackend} onSignIn={onSignIn} />
            {error && error.field !== 'name' && <ErrorNote error={error} title="The workspace was not created" />}
          </div>
          <footer className="dialog-actions">
            {!canCreate && (
              <p className="footer-note" aria-live="polite">
                {waitingFor}
              </p>
            )}
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={!canCreate}>
              Create workspace
            </button>
          </footer>
        </form>
      ) : (
        <CreateProgressView
          phase={phase}
          summary={summary}
          steps={steps}
          name={name}
          backend={backend}
          error={error}
          canCancel={workspaceId !== null && !cancelling}
          cancelling={cancelling}
          onCancel={() => void cancel()}
          onBack={() => {
            setPhase('form');
            setError(null);
          }}
          onClose={onClose}
        />
      )}
    </Dialog>
  );
}
