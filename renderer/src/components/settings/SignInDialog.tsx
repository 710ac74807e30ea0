import { useId, useState } from 'react';
import { useConnection } from '../../connection-context.js';
import { describeError } from '../../errors.js';
import type { ShownError } from '../../errors.js';
import { useAppData } from '../../hooks/useAppData.js';
import type { DaytonaStatus } from '../../hooks/useAppData.js';
import { Dialog } from '../common/Dialog.js';
import { ErrorNote } from '../common/ErrorNote.js';
import { ProtectionNote, sourceWords } from './daytona-words.js';

/**
 * Sign in to Daytona: the key is checked against the API before it is stored, and never comes
 * back to the window (only a masked form).
 */
export function SignInDialog({ onClose }: { onClose: () => void }) {
  const { api } = useConnection();
  const { daytona, config, refreshDaytona, refreshConfig } = useAppData();
  const id = useId();
  const [apiKey, setApiKey] = useState('');
  const [apiUrl, setApiUrl] = useState(daytona?.apiUrl ?? config?.config.backends.daytona.api_url ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  const [result, setResult] = useState<DaytonaStatus | null>(null);

  const submit = async () => {
    if (!apiKey.trim()) {
      setError({ code: 'invalid_request', message: 'Paste your Daytona API key (Daytona dashboard → Keys).', hint: null, field: 'apiKey' });
      return;
    }
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const defaultUrl = daytona?.apiUrl ?? config?.config.backends.daytona.api_url;
      const status = await api.invoke('daytona.signIn', { apiKey: apiKey.trim(), ...(apiUrl.trim() && apiUrl.trim() !== defaultUrl ? { apiUrl: apiUrl.trim() } : {}) });
      setApiKey('');
      setResult(status);
      // Signing in with another API URL also writes it to config.yaml.
      await Promise.all([refreshDaytona(), refreshConfig()]);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title="Sign in to Daytona" onClose={onClose} className="dialog-narrow">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="dialog-body">
          {daytona && (
            <p className="muted">
              Now using {sourceWords[daytona.source]}
              {daytona.maskedKey ? ` (${daytona.maskedKey})` : ''}.
            </p>
          )}
          <div className="field">
            <label htmlFor={`${id}-key`}>API key</label>
            <input
              id={`${id}-key`}
              type="password"
              autoComplete="off"
              spellCheck={false}
              data-autofocus
              value={apiKey}
              aria-invalid={error !== null}
              onChange={(e) => setApiKey(e.target.value)}
            />
            <p className="field-hint">Checked against Daytona before it is saved, then kept encrypted; it is never shown again.</p>
          </div>
          <details className="advanced">
            <summary>Advanced</summary>
            <div className="field">
              <label htmlFor={`${id}-url`}>API URL</label>
              <input id={`${id}-url`} type="url" spellCheck={false} value={apiUrl} onChange={(e) => setApiUrl(e.target.value)} />
              <p className="field-hint">Only for self-hosted Daytona.</p>
            </div>
          </details>
          {error && <ErrorNote error={error.code === 'daytona_auth' ? { ...error, hint: null } : error} title="Not signed in" />}
          {result && (
            <div role="status" className="ok-note">
              Signed in. Using {sourceWords[result.source]}
              {result.maskedKey ? ` (${result.maskedKey})` : ''}.
            </div>
          )}
          {result && <ProtectionNote status={result} />}
        </div>
        <footer className="dialog-actions">
          <button type="button" onClick={onClose}>
            {result ? 'Done' : 'Cancel'}
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Checking…' : 'Validate and save'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
