import { randomUUID } from 'node:crypto';
import type { FaultSpec, FaultStatus } from './types.js';

interface Rule extends FaultStatus {
  regex?: RegExp;
}

/** Strips the `/api` prefix so rules may name a path with or without it. */
export function apiRelativePath(path: string): string {
  if (path === '/api') return '/';
  return path.startsWith('/api/') ? path.slice(4) : path;
}

export function validateFault(spec: FaultSpec): string | null {
  if (spec.status !== undefined && (!Number.isInteger(spec.status) || spec.status < 100 || spec.status > 599)) {
    return 'status must be an HTTP status code';
  }
  if (spec.times !== undefined && (!Number.isInteger(spec.times) || spec.times === 0 || spec.times < -1)) {
    return 'times must be a positive integer or -1 (unlimited)';
  }
  if (spec.delayMs !== undefined && !(spec.delayMs >= 0 && spec.delayMs <= 600_000)) return 'delayMs must be 0–600000';
  if (spec.retryAfter !== undefined && !(spec.retryAfter >= 0)) return 'retryAfter must be a non-negative number of seconds';
  if (spec.status === undefined && spec.delayMs === undefined && !spec.reset) return 'a fault needs status, delayMs or reset';
  if (spec.pathRegex !== undefined) {
    try {
      new RegExp(spec.pathRegex);
    } catch (err) {
      return `pathRegex is not a regular expression: ${(err as Error).message}`;
    }
  }
  return null;
}

/** The fault table. Rules are consulted in the order they were added; the first match wins. */
export class FaultInjector {
  private rules: Rule[] = [];

  add(spec: FaultSpec): FaultStatus {
    const problem = validateFault(spec);
    if (problem) throw new Error(problem);
    const times = spec.times ?? 1;
    const rule: Rule = {
      ...spec,
      path: spec.path === undefined ? undefined : apiRelativePath(spec.path),
      method: spec.method?.toUpperCase(),
      id: randomUUID(),
      hits: 0,
      remaining: times,
      regex: spec.pathRegex === undefined ? undefined : new RegExp(spec.pathRegex),
    };
    this.rules.push(rule);
    return this.view(rule);
  }

  /** Takes one use of the first rule matching this request, if any. */
  take(method: string, fullPath: string): FaultStatus | null {
    const path = apiRelativePath(fullPath);
    const rule = this.rules.find(
      (r) =>
        (r.method === undefined || r.method === method.toUpperCase()) &&
        (r.path === undefined || path.startsWith(r.path)) &&
        (r.regex === undefined || r.regex.test(path)),
    );
    if (!rule) return null;
    rule.hits += 1;
    if (rule.remaining > 0) rule.remaining -= 1;
    if (rule.remaining === 0) this.rules = this.rules.filter((r) => r !== rule);
    return this.view(rule);
  }

  list(): FaultStatus[] {
    return this.rules.map((r) => this.view(r));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  clear(): number {
    const n = this.rules.length;
    this.rules = [];
    return n;
  }

  private view(rule: Rule): FaultStatus {
    const { regex: _regex, ...rest } = rule;
    return { ...rest };
  }
}
