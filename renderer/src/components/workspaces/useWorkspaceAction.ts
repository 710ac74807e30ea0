import { useCallback, useState } from 'react';
import { describeError } from '../../errors.js';
import { useToasts } from '../toasts/toast-store.js';

/**
 * Runs one card action at a time; a failure becomes an error toast that says what failed and
 * what to do (errors stay until closed).
 */
export function useWorkspaceAction(workspaceId: string, name: string) {
  const toasts = useToasts();
  const [busy, setBusy] = useState<string | null>(null);
  const run = useCallback(
    async (what: string, action: () => Promise<unknown>) => {
      setBusy(what);
      try {
        await action();
      } catch (err) {
        const shown = describeError(err);
        toasts.push({
          level: 'error',
          title: `Could not ${what} ${name}`,
          message: shown.hint ? `${shown.message} ${shown.hint}` : shown.message,
          workspaceId,
          key: `action:${what}:${workspaceId}`,
        });
      } finally {
        setBusy(null);
      }
    },
    [toasts, workspaceId, name],
  );
  return { busy, run };
}
