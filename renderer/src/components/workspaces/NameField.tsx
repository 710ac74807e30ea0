import { useId } from 'react';
import { WORKSPACE_NAME_RULE, WorkspaceName } from '../../../../shared/domain/workspace.js';

/** The first problem with a name, by the same schema the contract validates with. */
export function nameProblem(name: string): string | null {
  const parsed = WorkspaceName.safeParse(name);
  return parsed.success ? null : (parsed.error.issues[0]?.message ?? WORKSPACE_NAME_RULE);
}

interface NameFieldProps {
  value: string;
  onChange: (value: string) => void;
  /** A refusal from the service for this field (e.g. the name is taken). */
  serverError: string | null;
}

/** The workspace name, checked as you type; the rule is always on screen. */
export function NameField({ value, onChange, serverError }: NameFieldProps) {
  const id = useId();
  const problem = value === '' ? null : nameProblem(value);
  const shown = problem ?? serverError;
  return (
    <div className="field">
      <label htmlFor={id}>Name</label>
      <input
        id={id}
        name="name"
        value={value}
        autoComplete="off"
        data-autofocus
        spellCheck={false}
        placeholder="e.g. fix-login"
        aria-invalid={shown !== null}
        aria-describedby={`${id}-rule`}
        onChange={(e) => onChange(e.target.value)}
      />
      <p id={`${id}-rule`} className={shown ? 'field-error' : 'field-hint'} aria-live="polite">
        {shown ?? WORKSPACE_NAME_RULE}
      </p>
    </div>
  );
}
