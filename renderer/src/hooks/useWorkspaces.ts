import { useCallback, useEffect, useState } from 'react';
import type { EventPayload } from '../../../shared/contract/events.js';
import type { Result } from '../../../shared/contract/methods.js';
import { useConnection, useConnectionState } from '../connection-context.js';
import { describeError } from '../errors.js';
import type { ShownError } from '../errors.js';

export type WorkspaceView = Result<'workspaces.list'>[number];
export type ProgressView = EventPayload<'workspace.progress'>;

export interface WorkspacesState {
  /** Newest first. Unchanged workspaces keep their object identity, so memoized cards skip. */
  workspaces: WorkspaceView[];
  /** The latest create step of each workspace still being created. */
  progress: ReadonlyMap<string, ProgressView>;
  loaded: boolean;
  error: ShownError | null;
  reload: () => void;
}

type Change = { kind: 'changed'; workspace: WorkspaceView } | { kind: 'removed'; id: string };

const newestFirst = (a: WorkspaceView, b: WorkspaceView) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.name.localeCompare(b.name));

function apply(list: WorkspaceView[], change: Change): WorkspaceView[] {
  if (change.kind === 'removed') return list.some((w) => w.id === change.id) ? list.filter((w) => w.id !== change.id) : list;
  const at = list.findIndex((w) => w.id === change.workspace.id);
  if (at === -1) return [...list, change.workspace].sort(newestFirst);
  const next = list.slice();
  next[at] = change.workspace;
  return next;
}

/** `workspaces.list` once per connection, then kept live by `workspace.changed` / `workspace.removed`. */
export function useWorkspaces(): WorkspacesState {
  const { api } = useConnection();
  const connection = useConnectionState();
  const [workspaces, setWorkspaces] = useState<WorkspaceView[]>([]);
  const [progress, setProgress] = useState<ReadonlyMap<string, ProgressView>>(new Map());
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  useEffect(() => {
    if (connection !== 'connected') return;
    let live = true;
    // Events that arrive while the list is on its way are replayed on top of it.
    let pending: Change[] | null = [];
    const take = (change: Change) => {
      if (!live) return;
      if (pending) pending.push(change);
      else setWorkspaces((list) => apply(list, change));
    };
    const offChanged = api.on('workspace.changed', (workspace) => {
      take({ kind: 'changed', workspace });
      if (workspace.status !== 'creating') dropProgress(workspace.id);
    });
    const offRemoved = api.on('workspace.removed', ({ id }) => {
      take({ kind: 'removed', id });
      dropProgress(id);
    });
    const offProgress = api.on('workspace.progress', (event) => {
      if (!live) return;
      setProgress((map) => new Map(map).set(event.workspaceId, event));
    });
    function dropProgress(id: string) {
      if (!live) return;
      setProgress((map) => {
        if (!map.has(id)) return map;
        const next = new Map(map);
        next.delete(id);
        return next;
      });
    }
    api.invoke('workspaces.list', {}).then(
      (list) => {
        if (!live) return;
        let next = list.slice().sort(newestFirst);
        for (const change of pending ?? []) next = apply(next, change);
        pending = null;
        setWorkspaces(next);
        setError(null);
        setLoaded(true);
      },
      (err: unknown) => {
        if (!live) return;
        pending = null;
        setError(describeError(err));
        setLoaded(true);
      },
    );
    return () => {
      live = false;
      offChanged();
      offRemoved();
      offProgress();
    };
  }, [api, connection, generation]);

  return { workspaces, progress, loaded, error, reload };
}
