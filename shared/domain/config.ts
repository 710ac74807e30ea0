import { z } from 'zod';
import { BackendKind } from './workspace.js';

/**
 * `~/.nexus/config.yaml`, shared with the Nexus CLI (snake_case on disk). Unknown keys are kept
 * by the writer; every field here has a default so a partial file is fine.
 */
export const NexusConfig = z.object({
  backends: z
    .object({
      docker: z
        .object({
          enabled: z.boolean().default(true),
          image: z.string().min(1).max(300).default('nexus-workspace:latest'),
        })
        .prefault({}),
      daytona: z
        .object({
          enabled: z.boolean().default(true),
          api_url: z.url().default('https://app.daytona.io/api'),
        })
        .prefault({}),
    })
    .prefault({}),
  workspace: z
    .object({
      default_backend: BackendKind.default('docker'),
      auto_stop_minutes: z.number().int().min(0).max(10080).default(15),
      /** Empty means `<NEXUS_HOME>/worktrees`. `~` is the home folder. */
      worktrees_dir: z.string().max(4096).default(''),
    })
    .prefault({}),
  sync: z
    .object({
      exclude: z.array(z.string().min(1).max(1000)).max(500).default([]),
      mutagen_path: z.string().max(4096).nullable().default(null),
    })
    .prefault({}),
});
export type NexusConfig = z.infer<typeof NexusConfig>;

export const ConfigProblem = z.strictObject({
  /** Where: "line 3, column 5" for a syntax error, or the key path for a bad value. */
  where: z.string(),
  message: z.string(),
});
export type ConfigProblem = z.infer<typeof ConfigProblem>;
