import type { SyncState, SyncStatus } from '../../shared/domain/workspace.js';

/**
 * The parts of Mutagen 0.18.1's session JSON (`--template '{{json .}}'`) that Nexus reads.
 * Verified against real `sync list` / `sync monitor` output: Go's `omitempty` drops zero values,
 * so `successfulCycles`, `lastError`, `conflicts`, `stagingProgress`, `receivedFiles`, `files`
 * and the problem lists are simply absent when zero or empty.
 */
export interface MutagenEntry {
  /** file | symlink | untracked | problematic; absent for a directory (the enum's zero value, dropped by omitempty). */
  kind?: string;
  digest?: string;
  target?: string;
  executable?: boolean;
}

export interface MutagenChange {
  path: string;
  old: MutagenEntry | null;
  new: MutagenEntry | null;
}

export interface MutagenConflict {
  root: string;
  alphaChanges?: MutagenChange[];
  betaChanges?: MutagenChange[];
}

export interface MutagenProblem {
  path: string;
  error: string;
}

export interface MutagenStagingProgress {
  path?: string;
  receivedSize?: number;
  expectedSize?: number;
  receivedFiles?: number;
  expectedFiles?: number;
  totalReceivedSize?: number;
}

export interface MutagenEndpointState {
  protocol?: string;
  host?: string;
  path?: string;
  connected?: boolean;
  scanned?: boolean;
  directories?: number;
  files?: number;
  symbolicLinks?: number;
  totalFileSize?: number;
  scanProblems?: MutagenProblem[];
  excludedScanProblems?: number;
  transitionProblems?: MutagenProblem[];
  excludedTransitionProblems?: number;
  stagingProgress?: MutagenStagingProgress;
}

export interface MutagenSession {
  identifier: string;
  name?: string;
  labels?: Record<string, string>;
  paused?: boolean;
  status?: string;
  lastError?: string;
  successfulCycles?: number;
  conflicts?: MutagenConflict[];
  excludedConflicts?: number;
  alpha?: MutagenEndpointState;
  beta?: MutagenEndpointState;
}

/** The label every Nexus session carries; its value is the workspace id. */
export const WORKSPACE_LABEL = 'nexus-workspace';

export function sessionName(workspaceId: string): string {
  return `nexus-${workspaceId}`;
}

export function workspaceIdOf(session: MutagenSession): string | null {
  return session.labels?.[WORKSPACE_LABEL] ?? null;
}

/** Parses one line of `sync list|monitor --template '{{json .}}'`: a JSON array of sessions. */
export function parseSessions(line: string): MutagenSession[] {
  const value: unknown = JSON.parse(line);
  if (!Array.isArray(value)) throw new Error('Mutagen printed something other than a list of sessions.');
  return value.filter((s): s is MutagenSession => typeof s === 'object' && s !== null && typeof (s as MutagenSession).identifier === 'string');
}

const HALTED = new Set(['halted-on-root-emptied', 'halted-on-root-deletion', 'halted-on-root-type-change']);

/** Mutagen's status words (0.18.1 `synchronization.Status`) onto what the card shows. */
export function mapStatus(raw: string | undefined, paused: boolean): SyncStatus {
  if (paused) return 'paused';
  switch (raw) {
    case 'watching':
      return 'watching';
    case 'disconnected':
      return 'disconnected';
    case 'connecting-alpha':
    case 'connecting-beta':
      return 'connecting';
    case 'scanning':
    case 'waiting-for-rescan':
      return 'scanning';
    case 'reconciling':
      return 'reconciling';
    // Transitioning is applying the staged files to disk: the tail of the same transfer.
    case 'transitioning':
    case 'staging-alpha':
    case 'staging-beta':
      return 'staging';
    case 'saving':
      return 'saving';
    default:
      if (raw && HALTED.has(raw)) return 'halted';
      // A status word newer than 0.18.1: show it raw, treat the session as busy connecting.
      return 'connecting';
  }
}

export function isHalted(raw: string | undefined): boolean {
  return raw !== undefined && HALTED.has(raw);
}

/** What a halt means for the user, and what Nexus offers. */
export function haltMessage(raw: string): string {
  switch (raw) {
    case 'halted-on-root-emptied':
      return 'Sync stopped: the workspace folder became empty on one side (for example a recreated container). Nothing was deleted on the other side. Use "Reset sync" to copy the files again.';
    case 'halted-on-root-deletion':
      return 'Sync stopped: the workspace folder was deleted on one side. Nothing was deleted on the other side. Use "Reset sync" to copy the files again.';
    case 'halted-on-root-type-change':
      return 'Sync stopped: the workspace root changed type (a folder became a file or the reverse) on one side. Fix it, then use "Reset sync".';
    default:
      return `Sync stopped (${raw}).`;
  }
}

const SIDES = { alpha: 'worktree', beta: 'workspace' } as const;

/** The session as the card shows it. `note` is a Nexus-side error used when Mutagen has none. */
export function toSyncState(session: MutagenSession, note: string | null = null): SyncState {
  const raw = session.status ?? 'unknown';
  const paused = session.paused === true;
  const status = mapStatus(session.status, paused);
  const staging = status === 'staging' ? stagingOf(session) : null;
  let lastError = session.lastError ?? null;
  if (!paused && isHalted(session.status)) lastError = haltMessage(raw) + (lastError ? ` (${lastError})` : '');
  if (lastError === null && note !== null && status !== 'watching') lastError = note;
  return {
    status,
    raw: paused ? 'paused' : raw,
    lastError,
    staging,
    conflicts: (session.conflicts ?? []).map((c) => ({
      path: c.root,
      alpha: (c.alphaChanges ?? []).map(describeChange),
      beta: (c.betaChanges ?? []).map(describeChange),
    })),
    problems: problemsOf(session),
  };
}

/** Files received of expected, from whichever side is receiving (beta during the first sync). */
export function stagingOf(session: MutagenSession): { received: number; expected: number } | null {
  const side = session.status === 'staging-alpha' ? session.alpha : session.status === 'staging-beta' ? session.beta : null;
  const progress = side?.stagingProgress ?? session.beta?.stagingProgress ?? session.alpha?.stagingProgress;
  if (!progress) return null;
  return { received: progress.receivedFiles ?? 0, expected: progress.expectedFiles ?? 0 };
}

function problemsOf(session: MutagenSession): string[] {
  const out: string[] = [];
  for (const key of ['alpha', 'beta'] as const) {
    const side = session[key];
    if (!side) continue;
    const where = SIDES[key];
    for (const p of side.scanProblems ?? []) out.push(`Could not read ${quotePath(p.path)} in the ${where}: ${p.error}`);
    if (side.excludedScanProblems) out.push(`…and ${side.excludedScanProblems} more files that could not be read in the ${where}.`);
    for (const p of side.transitionProblems ?? []) out.push(`Could not write ${quotePath(p.path)} in the ${where}: ${p.error}`);
    if (side.excludedTransitionProblems) out.push(`…and ${side.excludedTransitionProblems} more files that could not be written in the ${where}.`);
  }
  if (session.excludedConflicts) out.push(`…and ${session.excludedConflicts} more conflicts than listed.`);
  return out;
}

function quotePath(path: string): string {
  return path === '' ? 'the root folder' : `"${path}"`;
}

function describeEntry(entry: MutagenEntry): string {
  switch (entry.kind) {
    case 'file':
      return `file${entry.executable ? ' (executable)' : ''}${entry.digest ? ` ${entry.digest.slice(0, 10)}` : ''}`;
    case 'symlink':
      return `symlink → ${entry.target ?? '?'}`;
    case undefined:
    case 'directory':
      return 'folder';
    default:
      return entry.kind;
  }
}

/** One side's change in words: "modified src/a.ts (file 6fcf9dfbd4 → file d25988f2c1)". */
export function describeChange(change: MutagenChange): string {
  const path = change.path === '' ? '(root)' : change.path;
  if (change.old === null && change.new === null) return `touched ${path}`;
  if (change.old === null) return `created ${path} (${describeEntry(change.new!)})`;
  if (change.new === null) return `deleted ${path} (was ${describeEntry(change.old)})`;
  const verb = (change.old.kind ?? 'directory') === (change.new.kind ?? 'directory') ? 'modified' : 'replaced';
  return `${verb} ${path} (${describeEntry(change.old)} → ${describeEntry(change.new)})`;
}

/** A state for a workspace without a live session view (daemon down, session gone, …). */
export function syntheticState(status: SyncStatus, raw: string, lastError: string | null): SyncState {
  return { status, raw, lastError, staging: null, conflicts: [], problems: [] };
}
