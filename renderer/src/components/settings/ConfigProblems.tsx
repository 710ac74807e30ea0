import type { ConfigView } from '../../hooks/useAppData.js';

/** What is wrong in config.yaml, where: the file, then "line 3, column 5: …" per problem. */
export function ConfigProblems({ config }: { config: ConfigView }) {
  if (config.problems.length === 0) return null;
  return (
    <div className="error-note" role="alert">
      <p className="error-title">
        {config.problems.length === 1 ? 'config.yaml has a problem' : `config.yaml has ${config.problems.length} problems`} — Nexus is using defaults for what it could not read.
      </p>
      <p className="error-message">
        <code>{config.path}</code>
      </p>
      <ul className="path-list">
        {config.problems.map((p) => (
          <li key={`${p.where}:${p.message}`}>
            <strong>{p.where}</strong>: {p.message}
          </li>
        ))}
      </ul>
      <p className="error-hint">Fix the file in an editor; saving settings here rewrites only the keys below and keeps the rest.</p>
    </div>
  );
}
