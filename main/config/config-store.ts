import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { Document, isMap, parseDocument } from 'yaml';
import type { ConfigProblem} from '../../shared/domain/config.js';
import { NexusConfig } from '../../shared/domain/config.js';
import { NexusError } from '../../shared/errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import type { Logger } from '../log/logger.js';
import type { NexusPaths } from './paths.js';

const HEADER = ' Nexus configuration (shared with the Nexus CLI). Unknown keys are kept.';

/** Drops the value at `path` so the schema's default applies there instead. */
function dropPath(obj: unknown, path: PropertyKey[]): void {
  let node = obj as Record<PropertyKey, unknown> | undefined;
  for (const key of path.slice(0, -1)) node = node?.[key] as Record<PropertyKey, unknown> | undefined;
  const last = path[path.length - 1];
  if (node && typeof node === 'object' && last !== undefined) delete node[last];
}

export interface LoadedConfig {
  config: NexusConfig;
  problems: ConfigProblem[];
  /** False when the file could not be parsed: Nexus runs on defaults and never writes it. */
  writable: boolean;
}

/**
 * Reads and writes `config.yaml`. A malformed file is reported with line and column and the app
 * keeps running on defaults; the user's file is never overwritten in that state. Edits go through
 * the YAML document so comments and unknown keys survive.
 */
export class ConfigStore {
  private loaded: LoadedConfig = { config: NexusConfig.parse({}), problems: [], writable: true };

  constructor(
    private readonly paths: NexusPaths,
    private readonly log: Logger,
  ) {}

  get current(): NexusConfig {
    return this.loaded.config;
  }

  get problems(): ConfigProblem[] {
    return this.loaded.problems;
  }

  async load(): Promise<LoadedConfig> {
    if (!existsSync(this.paths.config)) {
      const doc = new Document(NexusConfig.parse({}));
      doc.commentBefore = HEADER;
      await writeFileAtomic(this.paths.config, doc.toString(), 0o644);
      this.loaded = { config: NexusConfig.parse({}), problems: [], writable: true };
      return this.loaded;
    }
    const text = await readFile(this.paths.config, 'utf8');
    this.loaded = this.parse(text);
    for (const p of this.loaded.problems) this.log.warn(`config.yaml: ${p.where}: ${p.message}`);
    return this.loaded;
  }

  private parse(text: string): LoadedConfig {
    const doc = parseDocument(text, { prettyErrors: true });
    const syntax = doc.errors[0];
    if (syntax) {
      const pos = syntax.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}` : 'somewhere in the file';
      const message = `${syntax.message.split('\n')[0]} — fix ${this.paths.config}; Nexus is using defaults until then.`;
      return { config: NexusConfig.parse({}), problems: [{ where, message }], writable: false };
    }
    const raw: unknown = doc.toJS() ?? {};
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      return { config: NexusConfig.parse({}), problems: [{ where: 'line 1, column 1', message: 'The file must be a mapping of settings.' }], writable: false };
    }
    const problems: ConfigProblem[] = [];
    const data = structuredClone(raw);
    for (let attempt = 0; attempt < 50; attempt++) {
      const parsed = NexusConfig.safeParse(data);
      if (parsed.success) return { config: parsed.data, problems, writable: true };
      for (const issue of parsed.error.issues) {
        problems.push({ where: issue.path.join('.'), message: `${issue.message}; using the default.` });
        dropPath(data, issue.path);
      }
    }
    return { config: NexusConfig.parse({}), problems, writable: false };
  }

  /** Applies a partial change (snake_case keys, as in the file) and saves it. */
  async update(patch: Record<string, Record<string, unknown>>): Promise<NexusConfig> {
    if (!this.loaded.writable) {
      throw new NexusError('config_invalid', `${this.paths.config} has errors (${this.loaded.problems[0]?.where ?? ''}). Fix the file first; Nexus will not overwrite it.`);
    }
    const text = existsSync(this.paths.config) ? await readFile(this.paths.config, 'utf8') : '';
    const parsed = parseDocument(text);
    // An empty file has no mapping yet; start one (a broken file never gets this far).
    const doc: Document = isMap(parsed.contents) ? parsed : new Document({});
    const setLeaves = (prefix: string[], value: unknown) => {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const [k, v] of Object.entries(value)) setLeaves([...prefix, k], v);
      } else {
        doc.setIn(prefix, value);
      }
    };
    setLeaves([], patch);
    const next = NexusConfig.safeParse(doc.toJS());
    if (!next.success) {
      const issue = next.error.issues[0];
      throw new NexusError('invalid_request', `Setting ${issue?.path.join('.') ?? ''} is not valid: ${issue?.message ?? ''}`, { field: issue?.path.join('.') });
    }
    await writeFileAtomic(this.paths.config, doc.toString(), 0o644);
    this.loaded = { config: next.data, problems: [], writable: true };
    return next.data;
  }

  /** The folder worktrees go in: configured, or `<NEXUS_HOME>/worktrees`; `~` expanded. */
  worktreesDir(): string {
    const configured = this.current.workspace.worktrees_dir.trim();
    if (!configured) return join(this.paths.home, 'worktrees');
    const expanded = configured === '~' ? homedir() : configured.startsWith('~/') ? join(homedir(), configured.slice(2)) : configured;
    return isAbsolute(expanded) ? expanded : resolve(this.paths.home, expanded);
  }
}
