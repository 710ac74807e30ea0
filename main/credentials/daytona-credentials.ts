import type { z } from 'zod';
import type { DaytonaProfileStatus, DaytonaStatus } from '../../shared/contract/methods/daytona.js';
import { NexusError } from '../../shared/errors.js';
import type { Logger } from '../log/logger.js';
import { registerSecret } from '../log/logger.js';
import type { CredentialStore } from './credential-store.js';
import { DEFAULT_PROFILE, normalizeApiUrl } from './profiles.js';
import type { DaytonaProfile, ProfileSource } from './profiles.js';
import { validateDaytonaKey } from './validate-key.js';
import type { KeyValidator } from './validate-key.js';

/** The exact words when no key can be found (the renderer shows them as they are). */
export const MISSING_KEY_MESSAGE = 'Daytona API key not found. Set DAYTONA_API_KEY or sign in to Daytona (Settings → Daytona).';

export const ENV_KEY = 'DAYTONA_API_KEY';

/** A usable key and where it goes. Never logged, never returned to a window. */
export interface ResolvedKey {
  profile: string;
  apiKey: string;
  apiUrl: string;
  target: string;
  source: 'environment' | 'keychain';
}

export interface DaytonaCredentialsOptions {
  store: CredentialStore;
  profiles: ProfileSource;
  /** Where DAYTONA_API_KEY is read (process.env by default). */
  env?: NodeJS.ProcessEnv;
  log: Logger;
  /** Checks a key before it is stored (one API call); swappable in unit specs. */
  validate?: KeyValidator;
}

type Lookup =
  | { kind: 'key'; key: ResolvedKey }
  | { kind: 'none' }
  /** A saved key exists but cannot be used; `message` says why and what to do. */
  | { kind: 'problem'; message: string };

/**
 * The Daytona API key, per profile, resolved in this order: `DAYTONA_API_KEY` from the
 * environment (default profile only), then the keychain store, else `credentials_missing` with
 * MISSING_KEY_MESSAGE. A saved key is bound to the URL it was validated against: if the profile
 * later points elsewhere, the key is not sent there until the user signs in again.
 */
export class DaytonaCredentials {
  private readonly env: NodeJS.ProcessEnv;
  private readonly validate: KeyValidator;
  private readonly listeners = new Set<(profile: string) => void>();

  constructor(private readonly options: DaytonaCredentialsOptions) {
    this.env = options.env ?? process.env;
    this.validate = options.validate ?? validateDaytonaKey;
    const fromEnv = this.envKey();
    if (fromEnv) registerSecret(fromEnv);
  }

  /** Told the profile whose key changed (sign-in, sign-out): clients made with the old key go. */
  onChange(listener: (profile: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  profile(name: string): DaytonaProfile {
    const profile = this.options.profiles.get(name);
    if (!profile) {
      throw new NexusError(
        'config_invalid',
        `There is no Daytona profile "${name}" in ${this.options.profiles.configPath}. Add backends.daytona.profiles.${name}.api_url there, then sign in with that profile (Settings → Daytona).`,
      );
    }
    return profile;
  }

  /** The key for `profile`, or a NexusError saying how to provide one. */
  async resolve(profileName = DEFAULT_PROFILE): Promise<ResolvedKey> {
    const found = await this.lookup(this.profile(profileName));
    if (found.kind === 'key') return found.key;
    if (found.kind === 'problem') throw new NexusError('credentials_missing', found.message);
    if (profileName === DEFAULT_PROFILE) throw new NexusError('credentials_missing', MISSING_KEY_MESSAGE);
    throw new NexusError('credentials_missing', `Daytona API key for profile "${profileName}" not found. Sign in to Daytona with profile ${profileName} (Settings → Daytona).`);
  }

  /** The profiles that have a usable key right now. */
  async usableProfiles(): Promise<string[]> {
    const out: string[] = [];
    for (const profile of this.options.profiles.list()) {
      if ((await this.lookup(profile)).kind === 'key') out.push(profile.name);
    }
    return out;
  }

  async signIn(params: { apiKey: string; apiUrl?: string | undefined; profile?: string | undefined }): Promise<DaytonaStatus> {
    const name = params.profile ?? DEFAULT_PROFILE;
    const apiKey = params.apiKey.trim();
    // Registered before anything else can mention it: no log line, error or event carries it.
    registerSecret(apiKey);
    const existing = this.options.profiles.get(name);
    if (!existing && params.apiUrl === undefined) {
      throw new NexusError(
        'invalid_request',
        `There is no Daytona profile "${name}" in ${this.options.profiles.configPath}. Give its API URL with the key, or add backends.daytona.profiles.${name}.api_url there first.`,
        { field: 'profile' },
      );
    }
    const apiUrl = normalizeApiUrl(params.apiUrl ?? existing?.apiUrl ?? '');
    checkUrl(apiUrl);
    await this.validate(apiUrl, apiKey);
    if (!existing || normalizeApiUrl(existing.apiUrl) !== apiUrl) await this.options.profiles.setApiUrl(name, apiUrl);
    await this.options.store.save(name, apiKey, apiUrl);
    this.options.log.info(`saved a Daytona API key for profile ${name} (${apiUrl}, protection ${this.options.store.protection()})`);
    this.changed(name);
    return this.status(name);
  }

  async signOut(profileName = DEFAULT_PROFILE): Promise<DaytonaStatus> {
    const removed = await this.options.store.remove(profileName);
    if (removed) {
      this.options.log.info(`removed the saved Daytona API key of profile ${profileName}`);
      this.changed(profileName);
    }
    return this.status(profileName);
  }

  async status(profileName = DEFAULT_PROFILE): Promise<DaytonaStatus> {
    const profiles = this.options.profiles.list();
    const rows: Array<z.infer<typeof DaytonaProfileStatus> & { problem: string | null }> = [];
    for (const profile of profiles) {
      const found = await this.lookup(profile);
      rows.push({
        name: profile.name,
        apiUrl: profile.apiUrl,
        source: found.kind === 'key' ? found.key.source : 'none',
        maskedKey: found.kind === 'key' ? maskKey(found.key.apiKey) : null,
        problem: found.kind === 'problem' ? found.message : null,
      });
    }
    const row = rows.find((r) => r.name === profileName);
    if (!row) this.profile(profileName); // throws the "no such profile" error
    const current = row!;
    return {
      profile: current.name,
      source: current.source,
      maskedKey: current.maskedKey,
      apiUrl: current.apiUrl,
      protection: this.options.store.protection(),
      problem: current.problem,
      profiles: rows.map(({ problem: _problem, ...rest }) => rest),
    };
  }

  private envKey(): string | null {
    const value = this.env[ENV_KEY]?.trim();
    return value ? value : null;
  }

  private async lookup(profile: DaytonaProfile): Promise<Lookup> {
    const apiUrl = normalizeApiUrl(profile.apiUrl);
    const fromEnv = profile.name === DEFAULT_PROFILE ? this.envKey() : null;
    if (fromEnv) {
      registerSecret(fromEnv);
      return { kind: 'key', key: { profile: profile.name, apiKey: fromEnv, apiUrl, target: profile.target, source: 'environment' } };
    }
    const saved = await this.options.store.load(profile.name);
    if (!saved.ok && saved.reason === 'none') return { kind: 'none' };
    if (!saved.ok) {
      this.options.log.warn(`the saved Daytona key of profile ${profile.name} cannot be decrypted: ${saved.detail}`);
      return {
        kind: 'problem',
        message: `The saved Daytona API key of profile "${profile.name}" can no longer be decrypted (the keychain or key file changed). Sign in to Daytona again (Settings → Daytona).`,
      };
    }
    if (normalizeApiUrl(saved.key.apiUrl) !== apiUrl) {
      return {
        kind: 'problem',
        message:
          `The saved Daytona API key of profile "${profile.name}" was checked against ${saved.key.apiUrl}, but the profile now points at ${apiUrl}. ` +
          'Nexus does not send a key to an address it was not entered for: sign in to Daytona again (Settings → Daytona).',
      };
    }
    return { kind: 'key', key: { profile: profile.name, apiKey: saved.key.apiKey, apiUrl, target: profile.target, source: 'keychain' } };
  }

  private changed(profile: string): void {
    for (const listener of this.listeners) listener(profile);
  }
}

/** `dtn_…abcd`: the first four and last four characters of a long key; less of a short one. */
export function maskKey(key: string): string {
  if (key.length >= 16) return `${key.slice(0, 4)}…${key.slice(-4)}`;
  if (key.length >= 8) return `…${key.slice(-2)}`;
  return '…';
}

function checkUrl(apiUrl: string): void {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new NexusError('invalid_request', 'The Daytona API URL is not a URL.', { field: 'apiUrl' });
  }
  if (url.username || url.password) throw new NexusError('invalid_request', 'The Daytona API URL must not carry a user name or password.', { field: 'apiUrl' });
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new NexusError('invalid_request', 'Use an https:// Daytona API URL (plain http is only allowed for localhost), so the key is never sent in the clear.', { field: 'apiUrl' });
  }
}
