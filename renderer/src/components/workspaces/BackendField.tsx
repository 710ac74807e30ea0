import { useId } from 'react';
import type { BackendKind } from '../../../../shared/domain/workspace.js';
import type { Availability } from './availability.js';
import { backendLabel } from './labels.js';

const blurb: Record<BackendKind, string> = {
  docker: 'A container on this machine',
  daytona: 'A cloud sandbox that sleeps when idle',
};

interface BackendFieldProps {
  value: BackendKind | null;
  availability: Record<BackendKind, Availability>;
  onChange: (backend: BackendKind) => void;
  onSignIn: () => void;
}

/** Where the workspace runs; a backend that cannot be used now is disabled with the reason. */
export function BackendField({ value, availability, onChange, onSignIn }: BackendFieldProps) {
  const id = useId();
  return (
    <fieldset className="field backend-field">
      <legend>Backend</legend>
      <div className="choice-row">
        {(['docker', 'daytona'] as const).map((kind) => {
          const a = availability[kind];
          return (
            <label key={kind} className={`choice ${value === kind ? 'chosen' : ''} ${a.ok ? '' : 'unavailable'}`}>
              <input
                type="radio"
                name="backend"
                value={kind}
                checked={value === kind}
                disabled={!a.ok}
                aria-describedby={`${id}-${kind}`}
                onChange={() => onChange(kind)}
              />
              <span className="choice-text">
                <strong>{backendLabel[kind]}</strong>
                <span id={`${id}-${kind}`} className={a.ok ? 'muted' : 'field-error'}>
                  {a.ok ? blurb[kind] : a.reason}
                </span>
              </span>
            </label>
          );
        })}
      </div>
      {availability.daytona.needsSignIn && (
        <button type="button" className="link-button" onClick={onSignIn}>
          Sign in to Daytona…
        </button>
      )}
    </fieldset>
  );
}
