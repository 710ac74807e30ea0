import { z } from 'zod';
import { BackendKind } from '../../domain/workspace.js';
import { ConfigProblem, NexusConfig } from '../../domain/config.js';
import { noParams, text } from '../fields.js';

/** The settings a window may change (the rest of config.yaml is edited by hand). */
export const SettingsPatch = z.strictObject({
  default_backend: BackendKind.optional(),
  auto_stop_minutes: z.number().int().min(0).max(10080).optional(),
  worktrees_dir: text(4096).optional(),
  sync_exclude: z.array(text(1000).min(1)).max(500).optional(),
});

export const configMethods = {
  'config.get': {
    params: noParams,
    result: z.strictObject({ path: z.string(), config: NexusConfig, problems: z.array(ConfigProblem), worktreesDir: z.string() }),
  },
  'config.update': { params: SettingsPatch, result: NexusConfig },
} as const;
