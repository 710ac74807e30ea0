import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
};

/** Milliseconds taken by `fn`, measured `n` times; returns the samples. */
export async function sample(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The goal, when the issue sets one, and whether this run met it. */
  target?: string;
  met?: boolean;
}

/** Prints the figures as a table and writes them to bench/results/<name>.json. */
export function report(name: string, figures: Figure[], extra: Record<string, unknown> = {}): void {
  const rows = figures.map((f) => `  ${f.name.padEnd(48)} ${f.value.toFixed(f.unit === 'ms' ? 1 : 2).padStart(10)} ${f.unit.padEnd(6)} ${f.target ? `${f.met ? 'meets' : 'MISSES'} ${f.target}` : ''}`);
  process.stdout.write(`\n${name}\n${rows.join('\n')}\n`);
  const dir = resolve(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = resolve(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ benchmark: name, at: new Date().toISOString(), figures, ...extra }, null, 2));
  process.stdout.write(`written to ${file}\n`);
}
