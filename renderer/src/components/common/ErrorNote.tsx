import type { ShownError } from '../../errors.js';

/** A failure as the window shows it everywhere: what happened, then what to do. */
export function ErrorNote({ error, title }: { error: ShownError; title?: string }) {
  return (
    <div className="error-note" role="alert">
      {title && <p className="error-title">{title}</p>}
      <p className="error-message">{error.message}</p>
      {error.hint && <p className="error-hint">{error.hint}</p>}
    </div>
  );
}
