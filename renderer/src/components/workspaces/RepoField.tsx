import { useEffect, useId, useRef, useState } from 'react';
import type { Result } from '../../../../shared/contract/methods.js';
import { useConnection } from '../../connection-context.js';
import { describeError } from '../../errors.js';
import type { ShownError } from '../../errors.js';

export type RepoView = Result<'repos.add'>;

interface RepoFieldProps {
  /** Most recently used first. */
  repos: RepoView[];
  value: string;
  onChange: (path: string) => void;
  onAdded: (repo: RepoView) => void;
  /** Put the cursor in the path field (there is no repository to pick yet). */
  focusPath: boolean;
}

/** Pick a known repository, or add one by its path on this machine. */
export function RepoField({ repos, value, onChange, onAdded, focusPath }: RepoFieldProps) {
  const { api } = useConnection();
  const id = useId();
  const [path, setPath] = useState('');
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  const pathRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (focusPath) pathRef.current?.focus();
  }, [focusPath]);

  const add = async () => {
    const trimmed = path.trim();
    if (!trimmed) {
      setError({ code: 'invalid_request', message: 'Type the path of a git repository on this machine.', hint: null, field: 'path' });
      return;
    }
    setAdding(true);
    setError(null);
    try {
      const repo = await api.invoke('repos.add', { path: trimmed });
      setPath('');
      onAdded(repo);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setAdding(false);
    }
  };

  return (
    <div className="field">
      {repos.length > 0 && (
        <>
          <label htmlFor={`${id}-repo`}>Repository</label>
          <select id={`${id}-repo`} value={value} onChange={(e) => onChange(e.target.value)}>
            {repos.map((r) => (
              <option key={r.path} value={r.path}>
                {r.name} — {r.path}
              </option>
            ))}
          </select>
        </>
      )}
      <label htmlFor={`${id}-path`} className={repos.length > 0 ? 'sub-label' : undefined}>
        {repos.length > 0 ? 'Or add another repository by path' : 'Repository path'}
      </label>
      <div className="input-row">
        <input
          id={`${id}-path`}
          value={path}
          spellCheck={false}
          autoComplete="off"
          placeholder="/home/you/code/project"
          aria-invalid={error !== null}
          aria-describedby={`${id}-path-note`}
          ref={pathRef}
          onChange={(e) => setPath(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              void add();
            }
          }}
        />
        <button type="button" onClick={() => void add()} disabled={adding}>
          {adding ? 'Adding…' : 'Add repository'}
        </button>
      </div>
      <p id={`${id}-path-note`} className={error ? 'field-error' : 'field-hint'} aria-live="polite">
        {error ? [error.message, error.hint].filter(Boolean).join(' ') : 'The folder of a git repository on this machine (the one with .git).'}
      </p>
    </div>
  );
}
