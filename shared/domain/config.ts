import { z } from 'zod';
import { BackendKind } from './workspace.js';

export const DAYTONA_PROFILE_RULE = "Use 1–40 characters: lowercase letters, digits, '-' and '_', starting with a letter or digit.";
/** A Daytona profile name (`default` is the one from `backends.daytona.api_url`). */
export const DaytonaProfileName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, { message: `Not a profile name. ${DAYTONA_PROFILE_RULE}` });
export const DaytonaTarget = z.string().regex(/^[a-z0-9-]{1,40}$/, { message: 'Not a Daytona target (a region such as "us" or "eu").' });

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
          /** The API of the `default` profile. */
          api_url: z.url().default('https://app.daytona.io/api'),
          /** Passed to the SDK explicitly, so DAYTONA_TARGET in the environment or a .env file never applies. */
          target: DaytonaTarget.default('us'),
          /**
           * Named Daytona endpoints (`profiles: { work: { api_url } }`); each has its own key in the
           * keychain store. A repository's `.nexus/config.yaml` may pick one by name, nothing more.
           */
          profiles: z.record(DaytonaProfileName, z.object({ api_url: z.url(), target: DaytonaTarget.optional() })).default({}),
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
