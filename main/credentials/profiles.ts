/** A named Daytona endpoint. `default` is `backends.daytona.api_url`; others are `backends.daytona.profiles.<name>`. */
export interface DaytonaProfile {
  name: string;
  apiUrl: string;
  target: string;
}

export const DEFAULT_PROFILE = 'default';

/** Where the credentials service learns which profiles exist (the user's own config.yaml). */
export interface ProfileSource {
  /** The user's config file, named in messages. */
  readonly configPath: string;
  get(name: string): DaytonaProfile | null;
  list(): DaytonaProfile[];
  /** Points a profile at a URL: only ever the user's own action (sign-in), never a repository's. */
  setApiUrl(name: string, apiUrl: string): Promise<void>;
}

/** URLs compared and stored without a trailing slash. */
export function normalizeApiUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}
