import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { Document, isMap, parseDocument } from 'yaml';
import type { ConfigProblem } from '../../shared/domain/config.js';
import { NexusConfig } from '../../shared/domain/config.js';
import { NexusError } from '../../shared/errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { readTextOrNull } from '../fs/read.js';
import { SerialQueue } from '../fs/serial-queue.js';
import type { Logger } from '../log/logger.js';
import type { NexusPaths } from './paths.js';

const HEADER = ' Nexus configuration (shared with the Nexus CLI). Unknown keys are kept.';

/** Drops the value at `path` so the schema's default applies there instead. */
function dropPath(obj: unknown, path: readonly PropertyKey[]): void {
  let node = obj as Record<PropertyKey, unknown> | undefined;
  for (const key of path.slice(0, -1)) node = node?.[key] as Record<PropertyKey, unknown> | undefined;
  const last = path[path.length - 1];
  if (node && typeof node === 'object' && last !== undefined) delete node[last];
}

const pathKey = (path: readonly PropertyKey[]): string => path.map(String).join('.');

/** True when one path is the other or lies inside it. */
const overlaps = (a: readonly PropertyKey[], b: readonly PropertyKey[]): boolean =>
  a.slice(0, Math.min(a.length, b.length)).every((key, i) => String(key) === String(b[i]));

interface ValueProblem {
  /** Where zod found the bad value. */
  path: readonly PropertyKey[];
  /** What was dropped for it: the value itself, or the list / entry holding it. */
  dropped: readonly PropertyKey[];
  message: string;
}

/**
 * Validates leniently: each bad value is dropped so its default applies. A bad list item drops the
 * whole list (deleting the item would leave a hole that fails again), and a value that fails again
 * once dropped (it has no default) drops the entry holding it, e.g. a whole Daytona profile.
 * Undefined when the file cannot be made valid that way.
 */
function lenientParse(raw: object): { config: NexusConfig; problems: ValueProblem[] } | undefined {
  const data = structuredClone(raw);
  const problems = new Map<string, ValueProblem>();
  const dropped = new Set<string>();
  for (let attempt = 0; attempt < 50; attempt++) {
    const parsed = NexusConfig.safeParse(data);
    if (parsed.success) return { config: parsed.data, problems: [...problems.values()] };
    // Only drops from earlier passes count as "failed again"; two bad items of one list fail together.
    const droppedNow = new Set<string>();
    for (const issue of parsed.error.issues) {
      let target: readonly PropertyKey[] = issue.path;
      while (target.length > 1 && (typeof target[target.length - 1] === 'number' || dropped.has(pathKey(target)))) target = target.slice(0, -1);
      if (target.length === 0) return undefined;
      droppedNow.add(pathKey(target));
      dropPath(data, target);
      const where = pathKey(issue.path);
      const known = problems.get(where);
      // A repeat keeps the first (meaningful) message and records the wider drop.
      if (known) known.dropped = target;
      else problems.set(where, { path: issue.path, dropped: target, message: issue.message });
    }
    for (const key of droppedNow) dropped.add(key);
  }
  return undefined;
}

const toConfigProblem = (p: ValueProblem): ConfigProblem => ({
  where: pathKey(p.path),
  message: p.dropped.length === p.path.length ? `${p.message}; using the default.` : `${p.message}; ignoring ${pathKey(p.dropped)}.`,
});

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
  /** Read-modify-write of the file must not interleave, or one of two changes is lost. */
  private readonly updates = new SerialQueue();

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
    this.loaded = this.parse(text).loaded;
    for (const p of this.loaded.problems) this.log.warn(`config.yaml: ${p.where}: ${p.message}`);
    return this.loaded;
  }

  private parse(text: string): { loaded: LoadedConfig; doc: Document } {
    const doc = parseDocument(text, { prettyErrors: true });
    const syntax = doc.errors[0];
    if (syntax) {
      const pos = syntax.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}` : 'somewhere in the file';
      const message = `${syntax.message.split('\n')[0]} — fix ${this.paths.config}; Nexus is using defaults until then.`;
      return { loaded: { config: NexusConfig.parse({}), problems: [{ where, message }], writable: false }, doc };
    }
    const raw: unknown = doc.toJS() ?? {};
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      const problems = [{ where: 'line 1, column 1', message: 'The file must be a mapping of settings.' }];
      return { loaded: { config: NexusConfig.parse({}), problems, writable: false }, doc };
    }
    const lenient = lenientParse(raw);
    if (!lenient) {
      const problems = [{ where: 'line 1, column 1', message: `Too many values are not valid — fix ${this.paths.config}; Nexus is using defaults until then.` }];
      return { loaded: { config: NexusConfig.parse({}), problems, writable: false }, doc };
    }
    return { loaded: { config: lenient.config, problems: lenient.problems.map(toConfigProblem), writable: true }, doc };
  }

  private refuseToOverwrite(problems: ConfigProblem[]): NexusError {
    return new NexusError('config_invalid', `${this.paths.config} has errors (${problems[0]?.where ?? ''}). Fix the file first; Nexus will not overwrite it.`);
  }

  /**
   * Applies a partial change (snake_case keys, as in the file) and saves it. Changes run one at a
   * time against the file as it is now. A bad value elsewhere in the file is left as it is (it
   * keeps falling back to its default, as on load); a bad value in the change is refused.
   */
  update(patch: Record<string, Record<string, unknown>>): Promise<NexusConfig> {
    return this.updates.run(() => this.applyUpdate(patch));
  }

  private async applyUpdate(patch: Record<string, Record<string, unknown>>): Promise<NexusConfig> {
    if (!this.loaded.writable) throw this.refuseToOverwrite(this.loaded.problems);
    const text = (await readTextOrNull(this.paths.config)) ?? '';
    const { loaded: onDisk, doc } = this.parse(text);
    // Broken since it was loaded: same rule as at load, never overwrite it.
    if (!onDisk.writable) throw this.refuseToOverwrite(onDisk.problems);
    // An empty file has no mapping yet; start one (keeping any comments).
    if (!isMap(doc.contents)) doc.contents = doc.createNode({});
    const leaves: string[][] = [];
    const setLeaves = (prefix: string[], value: unknown) => {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const [k, v] of Object.entries(value)) setLeaves([...prefix, k], v);
      } else {
        doc.setIn(prefix, value);
        leaves.push(prefix);
      }
    };
    setLeaves([], patch);
    const raw: unknown = doc.toJS() ?? {};
    const next = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? lenientParse(raw) : undefined;
    // Refuse a change that is itself bad, or that would be dropped with the entry around it.
    const bad = next ? next.problems.find((p) => leaves.some((leaf) => overlaps(p.dropped, leaf))) : undefined;
    if (!next || bad) {
      const field = bad ? pathKey(bad.path) : '';
      throw new NexusError('invalid_request', `Setting ${field} is not valid: ${bad?.message ?? 'the file would have too many bad values'}`, { field });
    }
    await writeFileAtomic(this.paths.config, doc.toString(), 0o644);
    this.loaded = { config: next.config, problems: next.problems.map(toConfigProblem), writable: true };
    return next.config;
  }

  /** The folder worktrees go in: configured, or `<NEXUS_HOME>/worktrees`; `~` expanded. */
  worktreesDir(): string {
    const configured = this.current.workspace.worktrees_dir.trim();
    if (!configured) return join(this.paths.home, 'worktrees');
    const expanded = configured === '~' ? homedir() : configured.startsWith('~/') ? join(homedir(), configured.slice(2)) : configured;
    return isAbsolute(expanded) ? expanded : resolve(this.paths.home, expanded);
  }
}
