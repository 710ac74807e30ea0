import { useEffect, useState } from 'react';
import type { Result } from '../../../shared/contract/methods.js';
import { useConnection, useConnectionState } from '../connection-context.js';
import { useAppData } from '../hooks/useAppData.js';

type About = Result<'app.about'>;

const partLabels = { docker: 'Docker engine', mutagen: 'Mutagen', git: 'git', openssh: 'OpenSSH' } as const;

export function AboutPanel() {
  const { api } = useConnection();
  const state = useConnectionState();
  const [about, setAbout] = useState<About | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { config, sshConfigPath } = useAppData();

  useEffect(() => {
    if (state !== 'connected') return;
    let live = true;
    api.invoke('app.about', {}).then(
      (result) => live && setAbout(result),
      (err: Error) => live && setError(err.message),
    );
    return () => {
      live = false;
    };
  }, [api, state]);

  return (
    <section className="panel about" aria-labelledby="about-title">
      <h2 id="about-title">About this machine</h2>
      {error && <p role="alert" className="error">{error}</p>}
      {!about && !error && <p>Checking the parts Nexus needs…</p>}
      {about && (
        <>
          <p>
            {about.name} {about.version} · {about.platform}/{about.arch} · {about.runtime === 'electron' ? 'desktop app' : 'browser mode'}
          </p>
          <ul className="parts" aria-label="Parts">
            {about.parts.map((part) => (
              <li key={part.name} data-part={part.name} data-found={part.found}>
                <span className={part.found ? 'ok' : 'missing'} aria-hidden="true">{part.found ? '●' : '○'}</span>{' '}
                <strong>{partLabels[part.name]}</strong>{' '}
                {part.found ? <span>{part.version}</span> : <span className="hint">{part.detail}</span>}
              </li>
            ))}
          </ul>
          {config && sshConfigPath && (
            <dl className="facts">
              <dt>Settings file</dt>
              <dd>
                <code>{config.path}</code>
              </dd>
              <dt>SSH config</dt>
              <dd>
                <code>{sshConfigPath}</code>
              </dd>
              <dt>Worktrees</dt>
              <dd>
                <code>{config.worktreesDir}</code>
              </dd>
            </dl>
          )}
        </>
      )}
    </section>
  );
}
