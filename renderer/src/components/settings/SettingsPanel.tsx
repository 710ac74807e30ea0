import { useId, useState } from 'react';
import { SettingsPatch } from '../../../../shared/contract/methods/config.js';
import type { BackendKind } from '../../../../shared/domain/workspace.js';
import { useConnection } from '../../connection-context.js';
import { describeError } from '../../errors.js';
import type { ShownError } from '../../errors.js';
import { useAppData } from '../../hooks/useAppData.js';
import type { ConfigView } from '../../hooks/useAppData.js';
import { ErrorNote } from '../common/ErrorNote.js';
import { backendLabel } from '../workspaces/labels.js';
import { ConfigProblems } from './ConfigProblems.js';
import { DaytonaSection } from './DaytonaSection.js';

interface Draft {
  defaultBackend: BackendKind;
  autoStop: string;
  worktreesDir: string;
  excludes: string;
}

const draftOf = (c: ConfigView['config']): Draft => ({
  defaultBackend: c.workspace.default_backend,
  autoStop: String(c.workspace.auto_stop_minutes),
  worktreesDir: c.workspace.worktrees_dir,
  excludes: c.sync.exclude.join('\n'),
});

function patchOf(d: Draft) {
  return {
    default_backend: d.defaultBackend,
    auto_stop_minutes: d.autoStop.trim() === '' ? Number.NaN : Number(d.autoStop),
    worktrees_dir: d.worktreesDir.trim(),
    sync_exclude: d.excludes
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  };
}

const fieldOfIssue = { default_backend: 'defaultBackend', auto_stop_minutes: 'autoStop', worktrees_dir: 'worktreesDir', sync_exclude: 'excludes' } as const;

/** Settings that live in config.yaml, checked with the contract's own schema before saving. */
export function SettingsPanel({ onSignIn }: { onSignIn: () => void }) {
  const { config, configError, refreshConfig } = useAppData();
  if (configError && !config) return <ErrorNote error={configError} title="Could not read the settings" />;
  if (!config) return <p className="loading" role="status">Loading settings…</p>;
  return (
    <div className="settings">
      <ConfigProblems config={config} />
      <SettingsForm key={config.path} config={config} onSaved={refreshConfig} />
      <DaytonaSection onSignIn={onSignIn} />
    </div>
  );
}

function SettingsForm({ config, onSaved }: { config: ConfigView; onSaved: () => Promise<void> }) {
  const { api } = useConnection();
  const id = useId();
  const [draft, setDraft] = useState<Draft>(() => draftOf(config.config));
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);

  const parsed = SettingsPatch.safeParse(patchOf(draft));
  const problems: Partial<Record<keyof Draft, string>> = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = fieldOfIssue[issue.path[0] as keyof typeof fieldOfIssue];
      if (key && !problems[key]) problems[key] = key === 'autoStop' ? 'Use a whole number of minutes from 0 to 10080 (0 = never).' : issue.message;
    }
  }
  const dirty = JSON.stringify(draft) !== JSON.stringify(draftOf(config.config));

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
    setSaved(false);
  };

  const save = async () => {
    if (!parsed.success) return;
    setSaving(true);
    setError(null);
    try {
      const stored = await api.invoke('config.update', parsed.data);
      // Show what was stored (trimmed lines, …), so the form is clean again.
      setDraft(draftOf(stored));
      await onSaved();
      setSaved(true);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form
      className="panel settings-form"
      aria-labelledby={`${id}-title`}
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h2 id={`${id}-title`}>Workspaces</h2>
      <p className="muted">
        Saved to <code>{config.path}</code>, shared with the Nexus CLI.
      </p>
      <div className="field">
        <label htmlFor={`${id}-backend`}>Default backend</label>
        <select id={`${id}-backend`} value={draft.defaultBackend} onChange={(e) => set('defaultBackend', e.target.value as BackendKind)}>
          {(['docker', 'daytona'] as const).map((k) => (
            <option key={k} value={k}>
              {backendLabel[k]}
            </option>
          ))}
        </select>
        <p className="field-hint">Preselected in the New workspace dialog.</p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-autostop`}>Auto-stop after (minutes idle)</label>
        <input
          id={`${id}-autostop`}
          type="number"
          inputMode="numeric"
          min={0}
          max={10080}
          step={1}
          value={draft.autoStop}
          aria-invalid={problems.autoStop !== undefined}
          aria-describedby={`${id}-autostop-note`}
          onChange={(e) => set('autoStop', e.target.value)}
        />
        <p id={`${id}-autostop-note`} className={problems.autoStop ? 'field-error' : 'field-hint'}>
          {problems.autoStop ?? 'A Daytona sandbox stops after this long without activity; 0 keeps it running. Applies to new workspaces.'}
        </p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-worktrees`}>Worktrees folder</label>
        <input
          id={`${id}-worktrees`}
          value={draft.worktreesDir}
          spellCheck={false}
          placeholder={config.worktreesDir}
          aria-invalid={problems.worktreesDir !== undefined}
          aria-describedby={`${id}-worktrees-note`}
          onChange={(e) => set('worktreesDir', e.target.value)}
        />
        <p id={`${id}-worktrees-note`} className={problems.worktreesDir ? 'field-error' : 'field-hint'}>
          {problems.worktreesDir ?? (
            <>
              Where each workspace's git worktree goes (<code>~</code> is your home). Now: <code>{config.worktreesDir}</code>
            </>
          )}
        </p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-excludes`}>Sync excludes (one per line)</label>
        <textarea
          id={`${id}-excludes`}
          rows={5}
          value={draft.excludes}
          spellCheck={false}
          placeholder={'dist/\n*.tmp'}
          aria-invalid={problems.excludes !== undefined}
          aria-describedby={`${id}-excludes-note`}
          onChange={(e) => set('excludes', e.target.value)}
        />
        <p id={`${id}-excludes-note`} className={problems.excludes ? 'field-error' : 'field-hint'}>
          {problems.excludes ?? 'Mutagen ignore patterns, added to the built-in ones (.git, .nexus/, node_modules/, *.log).'}
        </p>
      </div>
      {error && <ErrorNote error={error} title="The settings were not saved" />}
      <div className="form-actions">
        {saved && !dirty && (
          <span className="ok-note" role="status">
            Saved.
          </span>
        )}
        <button type="button" disabled={!dirty || saving} onClick={() => setDraft(draftOf(config.config))}>
          Revert
        </button>
        <button type="submit" className="primary" disabled={!dirty || !parsed.success || saving}>
          {saving ? 'Saving…' : 'Save settings'}
        </button>
      </div>
    </form>
  );
}
