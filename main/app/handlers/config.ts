import type { ConfigStore } from '../../config/config-store.js';
import type { NexusPaths } from '../../config/paths.js';
import type { Handlers } from '../../rpc/router.js';

/** `onSyncExcludeChanged` runs after a save that changed sync.exclude (existing sessions are made again). */
export function configHandlers(config: ConfigStore, paths: NexusPaths, onSyncExcludeChanged: () => void = () => undefined): Pick<Handlers, 'config.get' | 'config.update'> {
  return {
    'config.get': () => ({ path: paths.config, config: config.current, problems: config.problems, worktreesDir: config.worktreesDir() }),
    'config.update': async (patch) => {
      const workspace: Record<string, unknown> = {};
      if (patch.default_backend !== undefined) workspace.default_backend = patch.default_backend;
      if (patch.auto_stop_minutes !== undefined) workspace.auto_stop_minutes = patch.auto_stop_minutes;
      if (patch.worktrees_dir !== undefined) workspace.worktrees_dir = patch.worktrees_dir;
      const change: Record<string, Record<string, unknown>> = { workspace };
      if (patch.sync_exclude !== undefined) change.sync = { exclude: patch.sync_exclude };
      const before = JSON.stringify(config.current.sync.exclude);
      const saved = await config.update(change);
      if (JSON.stringify(saved.sync.exclude) !== before) onSyncExcludeChanged();
      return saved;
    },
  };
}
