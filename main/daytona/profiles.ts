import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node } from 'yaml';
import { DaytonaProfileName } from '../../shared/domain/config.js';
import { NexusError } from '../../shared/errors.js';
import type { ConfigStore } from '../config/config-store.js';
import { DEFAULT_PROFILE, normalizeApiUrl } from '../credentials/profiles.js';
import type { DaytonaProfile, ProfileSource } from '../credentials/profiles.js';

/**
 * Daytona profiles from the user's `~/.nexus/config.yaml`: `default` is
 * `backends.daytona.api_url`, the others `backends.daytona.profiles.<name>.api_url`.
 * `apiUrlOverride` replaces the default profile's URL (tests and the emulator).
 */
export class DaytonaProfiles implements ProfileSource {
  constructor(
    private readonly config: ConfigStore,
    readonly configPath: string,
    private apiUrlOverride: string | undefined = undefined,
  ) {}

  get(name: string): DaytonaProfile | null {
    const daytona = this.config.current.backends.daytona;
    if (name === DEFAULT_PROFILE) {
      return { name, apiUrl: normalizeApiUrl(this.apiUrlOverride ?? daytona.api_url), target: daytona.target };
    }
    const entry = Object.hasOwn(daytona.profiles, name) ? daytona.profiles[name] : undefined;
    return entry ? { name, apiUrl: normalizeApiUrl(entry.api_url), target: entry.target ?? daytona.target } : null;
  }

  list(): DaytonaProfile[] {
    const names = Object.keys(this.config.current.backends.daytona.profiles).filter((n) => n !== DEFAULT_PROFILE);
    return [DEFAULT_PROFILE, ...names.sort()].map((n) => this.get(n)).filter((p): p is DaytonaProfile => p !== null);
  }

  async setApiUrl(name: string, apiUrl: string): Promise<void> {
    if (name === DEFAULT_PROFILE) {
      if (this.apiUrlOverride !== undefined) this.apiUrlOverride = apiUrl;
      await this.config.update({ backends: { daytona: { api_url: apiUrl } } });
    } else {
      await this.config.update({ backends: { daytona: { profiles: { [name]: { api_url: apiUrl } } } } });
    }
  }

  /**
   * The profile a repository picks in its own `.nexus/config.yaml` (`daytona: { profile: work }`),
   * or `default`. A repository may pick a profile by name and nothing more: an unknown profile,
   * an API URL or key anywhere in that file is refused, so a repository can never send the
   * user's key to an address of its choosing.
   */
  async forRepo(repo: string): Promise<string> {
    const file = join(repo, '.nexus', 'config.yaml');
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
      throw new NexusError('config_invalid', `Could not read ${file}: ${err.message}`);
    });
    if (text === null) return DEFAULT_PROFILE;
    const choice = repoProfileChoice(text, file, this.configPath);
    if (choice === null) return DEFAULT_PROFILE;
    if (!this.get(choice)) {
      throw new NexusError(
        'config_invalid',
        `${file} picks Daytona profile "${choice}", which is not defined in your ${this.configPath}. ` +
          `Add backends.daytona.profiles.${choice}.api_url there and sign in with that profile, or remove "daytona: profile" from ${file}.`,
      );
    }
    return choice;
  }
}

/** Keys that would carry an endpoint or a secret: never accepted from a repository. */
const FORBIDDEN_KEY = /^(api[_-]?url|api[_-]?key|api[_-]?token|server[_-]?url|daytona[_-]?(api[_-]?url|api[_-]?key|server[_-]?url|jwt[_-]?token|organization[_-]?id))$/i;

/**
 * Reads a repository's `.nexus/config.yaml` and returns the Daytona profile it names (or null).
 * Exported for unit specs. Throws `config_invalid` naming the file and the fix.
 */
export function repoProfileChoice(text: string, file: string, userConfig: string): string | null {
  const doc = parseDocument(text, { prettyErrors: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const pos = syntax.linePos?.[0];
    throw new NexusError('config_invalid', `${file} is not valid YAML${pos ? ` (line ${pos.line}, column ${pos.col})` : ''}: ${syntax.message.split('\n')[0]}. Fix the file.`);
  }
  const only = `A repository may only pick a Daytona profile by name (daytona: { profile: <name> }); API URLs and keys live in your own ${userConfig}.`;
  const forbidden = findForbidden(doc.contents, []);
  if (forbidden) throw new NexusError('config_invalid', `${file} sets ${forbidden}. ${only} Remove it from ${file}.`);
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return null;
  if (!isMap(root)) throw new NexusError('config_invalid', `${file} must be a mapping of settings. Fix the file.`);
  if (root.has('backends')) {
    const backends = root.get('backends', true);
    if (isMap(backends) && backends.has('daytona')) {
      throw new NexusError('config_invalid', `${file} sets backends.daytona. ${only} Remove it from ${file}.`);
    }
  }
  if (!root.has('daytona')) return null;
  const daytona = root.get('daytona', true);
  if (!isMap(daytona)) throw new NexusError('config_invalid', `${file}: "daytona" must be a mapping with only "profile". ${only}`);
  for (const item of daytona.items) {
    const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
    if (key !== 'profile') throw new NexusError('config_invalid', `${file} sets daytona.${key}. ${only} Remove it from ${file}.`);
  }
  const value = daytona.get('profile');
  const name = DaytonaProfileName.safeParse(value);
  if (!name.success) throw new NexusError('config_invalid', `${file}: daytona.profile must be a profile name defined in ${userConfig} (${name.error.issues[0]?.message ?? 'not a name'}).`);
  return name.data;
}

function findForbidden(node: Node | null | undefined | unknown, path: string[]): string | null {
  if (isMap(node)) {
    for (const item of node.items) {
      const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
      const here = [...path, key];
      if (FORBIDDEN_KEY.test(key)) return here.join('.');
      const deeper = findForbidden(item.value, here);
      if (deeper) return deeper;
    }
  } else if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) {
      const deeper = findForbidden(item, [...path, String(i)]);
      if (deeper) return deeper;
    }
  }
  return null;
}
