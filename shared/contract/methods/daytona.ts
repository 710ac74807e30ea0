import { z } from 'zod';
import { DaytonaProfileName } from '../../domain/config.js';
import { Workspace, WorkspaceId } from '../../domain/workspace.js';

/** Where the key in use comes from. `keychain` is the encrypted store (see `protection`). */
export const CredentialSource = z.enum(['environment', 'keychain', 'none']);
export type CredentialSource = z.infer<typeof CredentialSource>;

/** How a saved key is protected at rest: OS keychain, Electron's basic-text fallback, or a 0600 key file. */
export const KeyProtection = z.enum(['keychain', 'basic_text', 'file']);
export type KeyProtection = z.infer<typeof KeyProtection>;

export const DaytonaProfileStatus = z.strictObject({
  name: DaytonaProfileName,
  apiUrl: z.string(),
  source: CredentialSource,
  /** `dtn_…abcd`: enough to recognise the key, never enough to use it. */
  maskedKey: z.string().nullable(),
});

export const DaytonaStatus = z.strictObject({
  /** The profile the top-level fields describe (`default` unless asked). */
  profile: DaytonaProfileName,
  source: CredentialSource,
  maskedKey: z.string().nullable(),
  apiUrl: z.string(),
  protection: KeyProtection,
  /** Why a saved key cannot be used (undecryptable, or saved for another URL); null when fine. */
  problem: z.string().nullable(),
  profiles: z.array(DaytonaProfileStatus),
});
export type DaytonaStatus = z.infer<typeof DaytonaStatus>;

const profileParam = z.strictObject({ profile: DaytonaProfileName.optional() });

export const daytonaMethods = {
  'daytona.status': { params: profileParam, result: DaytonaStatus },
  /**
   * Checks the key with one API call, then saves it encrypted. The key goes one way: no method
   * or event ever returns it (only `maskedKey`).
   */
  'daytona.signIn': {
    params: z.strictObject({
      apiKey: z
        .string()
        .trim()
        .min(1, { message: 'An API key is required.' })
        .max(500, { message: 'Too long for a Daytona API key.' })
        .regex(/^[\x21-\x7e]+$/, { message: 'An API key is one word of printable characters; check what was pasted.' }),
      apiUrl: z.url({ protocol: /^https?$/, message: 'An http(s) URL is required.' }).max(2000).optional(),
      profile: DaytonaProfileName.optional(),
    }),
    result: DaytonaStatus,
  },
  'daytona.signOut': { params: profileParam, result: DaytonaStatus },
  /** Bumps a sandbox's activity so auto-stop waits a full interval again; returns the card with its new TTL. */
  'daytona.keepAwake': { params: z.strictObject({ id: WorkspaceId }), result: Workspace },
} as const;
