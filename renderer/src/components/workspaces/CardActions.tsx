import { useState } from 'react';
import { useConnection } from '../../connection-context.js';
import type { WorkspaceView } from '../../hooks/useWorkspaces.js';
import { requestTerminal } from '../../terminal-requests.js';
import { useToasts } from '../toasts/toast-store.js';
import { useWorkspaceAction } from './useWorkspaceAction.js';
import { Icon } from '../common/Icon.js';

interface CardActionsProps {
  workspace: WorkspaceView;
  sshConfigPath: string | null;
  onDelete: (workspace: WorkspaceView) => void;
}

const quoted = (s: string) => (/^[\w@%+=:,./~-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);

export function sshCommand(sshConfigPath: string, alias: string): string {
  return `ssh -F ${quoted(sshConfigPath)} ${alias}`;
}

/** What a user can do with one workspace, depending on its status. */
export function CardActions({ workspace, sshConfigPath, onDelete }: CardActionsProps) {
  const { api } = useConnection();
  const toasts = useToasts();
  const { id, name, status } = workspace;
  const { busy, run } = useWorkspaceAction(id, name);
  const [copied, setCopied] = useState(false);

  const inFlight = status === 'creating' || status === 'deleting' || status === 'starting' || status === 'stopping';
  const canStart = status === 'sleeping' || status === 'error' || status === 'unknown';
  const canStop = status === 'running';

  const copySsh = async () => {
    if (!sshConfigPath) return;
    const command = sshCommand(sshConfigPath, workspace.sshAlias);
    try {
      await navigator.clipboard.writeText(command);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      toasts.push({ level: 'info', title: 'Copy this command to connect', message: command, workspaceId: id, key: `ssh:${id}` });
    }
  };

  if (status === 'creating') {
    return (
      <div className="card-actions">
        <button type="button" aria-label={`Cancel creating ${name}`} disabled={busy !== null} onClick={() => void run('cancel creating', () => api.invoke('workspaces.cancelCreate', { id }))}>
          {busy ? 'Cancelling…' : 'Cancel'}
        </button>
      </div>
    );
  }

  return (
    <div className="card-actions">
      {canStop && (
        <button type="button" aria-label={`Stop ${name}`} disabled={busy !== null} onClick={() => void run('stop', () => api.invoke('workspaces.stop', { id }))}>
          <Icon name="stop" size={12} /> Stop
        </button>
      )}
      {canStart && (
        <button type="button" className="primary" aria-label={`Start ${name}`} disabled={busy !== null} onClick={() => void run('start', () => api.invoke('workspaces.start', { id }))}>
          <Icon name="play" size={12} /> Start
        </button>
      )}
      {inFlight && (
        <span className="busy-note" aria-hidden="true">
          {status}…
        </span>
      )}
      {(status === 'running' || status === 'sleeping') && (
        <button type="button" aria-label={`Open a terminal in ${name}`} onClick={() => requestTerminal({ workspaceId: id, name })}>
          <Icon name="terminal" /> Terminal
        </button>
      )}
      {status === 'running' && (
        <a
          className="button"
          href={`vscode://vscode-remote/ssh-remote+${encodeURIComponent(workspace.sshAlias)}/workspace`}
          target="_blank"
          rel="noreferrer"
          aria-label={`Open ${name} in VS Code`}
        >
          <Icon name="code" /> VS Code
        </a>
      )}
      {sshConfigPath && !inFlight && status !== 'missing' && (
        <button type="button" aria-label={`Copy the ssh command for ${name}`} onClick={() => void copySsh()}>
          <Icon name="copy" /> {copied ? 'Copied ✓' : 'Copy ssh'}
        </button>
      )}
      {(status === 'missing' || status === 'unknown' || status === 'error') && (
        <button type="button" aria-label={`Check ${name} again`} disabled={busy !== null} onClick={() => void run('check', () => api.invoke('workspaces.refresh', { id }))}>
          <Icon name="refresh" /> Check again
        </button>
      )}
      <span className="spacer" />
      {status !== 'deleting' && (
        <button type="button" className="danger-quiet" aria-label={`Delete ${name}`} disabled={busy !== null} onClick={() => onDelete(workspace)}>
          Delete
        </button>
      )}
    </div>
  );
}
