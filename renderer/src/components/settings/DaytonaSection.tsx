import { useId, useState } from 'react';
import { useConnection } from '../../connection-context.js';
import { describeError } from '../../errors.js';
import type { ShownError } from '../../errors.js';
import { useAppData } from '../../hooks/useAppData.js';
import { ErrorNote } from '../common/ErrorNote.js';
import { ProtectionNote, sourceWords } from './daytona-words.js';

/** Settings → Daytona: which key is in use (masked), sign in, sign out. */
export function DaytonaSection({ onSignIn }: { onSignIn: () => void }) {
  const { api } = useConnection();
  const { daytona, refreshDaytona } = useAppData();
  const id = useId();
  const [error, setError] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);

  const signOut = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.invoke('daytona.signOut', {});
      await refreshDaytona();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Daytona</h2>
      {!daytona && <p className="muted">Checking the Daytona sign-in…</p>}
      {daytona && (
        <dl className="facts">
          <dt>Key in use</dt>
          <dd>
            {sourceWords[daytona.source]}
            {daytona.maskedKey && (
              <>
                {' '}
                <code>{daytona.maskedKey}</code>
              </>
            )}
          </dd>
          <dt>API URL</dt>
          <dd>
            <code>{daytona.apiUrl}</code>
          </dd>
        </dl>
      )}
      {daytona?.problem && (
        <p className="warn-note" role="note">
          {daytona.problem}
        </p>
      )}
      {daytona && <ProtectionNote status={daytona} />}
      {daytona?.source === 'environment' && <p className="muted">DAYTONA_API_KEY wins over a signed-in key; unset it to use the key you sign in with.</p>}
      {error && <ErrorNote error={error} title="Could not sign out" />}
      <div className="form-actions">
        {daytona?.source === 'keychain' && (
          <button type="button" disabled={busy} onClick={() => void signOut()}>
            {busy ? 'Signing out…' : 'Sign out'}
          </button>
        )}
        <button type="button" className="primary" onClick={onSignIn}>
          {daytona?.source === 'keychain' ? 'Change key…' : 'Sign in to Daytona…'}
        </button>
      </div>
    </section>
  );
}
