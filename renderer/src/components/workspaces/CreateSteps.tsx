import type { BackendKind, CreateStep } from '../../../../shared/domain/workspace.js';
import { STEPS, stepLabel } from './labels.js';

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'cancelled' | 'skipped';
export interface StepView {
  state: StepState;
  detail: string;
  fraction: number | null;
}
export type StepsView = Record<CreateStep, StepView>;

const labelFor = (step: CreateStep, backend: BackendKind | null) =>
  step === 'container' && backend ? (backend === 'docker' ? 'Create the container' : 'Create the sandbox') : stepLabel[step];

const marks: Record<StepState, string> = { pending: '○', running: '◌', done: '✓', failed: '✕', cancelled: '–', skipped: '·' };
const words: Record<StepState, string> = { pending: 'waiting', running: 'running', done: 'done', failed: 'failed', cancelled: 'cancelled', skipped: 'skipped' };

export function initialSteps(): StepsView {
  return Object.fromEntries(STEPS.map((s) => [s, { state: 'pending', detail: '', fraction: null }])) as StepsView;
}

/** Applies one `workspace.progress` event: earlier steps that never ran were skipped. */
export function applyStep(steps: StepsView, step: CreateStep, state: StepState, detail: string, fraction: number | null): StepsView {
  const next = { ...steps };
  const at = STEPS.indexOf(step);
  for (const earlier of STEPS.slice(0, at)) {
    const s = next[earlier];
    if (s.state === 'running') next[earlier] = { ...s, state: 'done', fraction: null };
    else if (s.state === 'pending') next[earlier] = { ...s, state: earlier === 'validate' ? 'done' : 'skipped' };
  }
  next[step] = { state, detail, fraction };
  return next;
}

/** The create steps, each with its state; the step in flight shows its detail and progress. */
export function CreateSteps({ steps, name, backend }: { steps: StepsView; name: string; backend: BackendKind | null }) {
  return (
    <ol className="steps" aria-label={`Creating ${name}`}>
      {STEPS.map((step) => {
        const s = steps[step];
        return (
          <li key={step} className={`step step-${s.state}`} data-step={step} data-state={s.state}>
            <span className="step-mark" aria-hidden="true">
              {marks[s.state]}
            </span>
            <span className="step-text">
              <span className="step-label">{labelFor(step, backend)}</span>
              <span className="step-state">{words[s.state]}</span>
              {(s.state === 'running' || s.state === 'failed') && s.detail && <span className="step-detail">{s.detail}</span>}
              {s.state === 'running' && s.fraction !== null && (
                <progress className="meter" max={1} value={s.fraction} aria-label={`${labelFor(step, backend)}: ${Math.round(s.fraction * 100)}%`} />
              )}
            </span>
          </li>
        );
      })}
    </ol>
  );
}
