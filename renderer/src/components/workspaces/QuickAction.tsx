import { useWorkspaceAction } from './useWorkspaceAction.js';

interface QuickActionProps {
  workspaceId: string;
  name: string;
  /** Verb for the error toast ("keep awake" → "Could not keep awake <name>"). */
  what: string;
  label: string;
  busyLabel: string;
  ariaLabel: string;
  action: () => Promise<unknown>;
}

/** A small inline action on a card line (keep awake, sync now). */
export function QuickAction({ workspaceId, name, what, label, busyLabel, ariaLabel, action }: QuickActionProps) {
  const { busy, run } = useWorkspaceAction(workspaceId, name);
  return (
    <button type="button" className="small" aria-label={ariaLabel} disabled={busy !== null} onClick={() => void run(what, action)}>
      {busy ? busyLabel : label}
    </button>
  );
}
