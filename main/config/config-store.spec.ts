import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.js';
import { ConfigStore } from './config-store.js';
import { nexusPaths } from './paths.js';

const log = createLogger('test', { sink: () => undefined });
const fresh = () => {
  const paths = nexusPaths(mkdtempSync(join(tmpdir(), 'nexus-config-')));
  return { paths, store: new ConfigStore(paths, log) };
};

describe('ConfigStore', () => {
  it('writes defaults on first run', async () => {
    const { paths, store } = fresh();
    const { config } = await store.load();
    expect(config.workspace.default_backend).toBe('docker');
    const text = readFileSync(paths.config, 'utf8');
    expect(text).toContain('auto_stop_minutes: 15');
    expect(store.worktreesDir()).toBe(join(paths.home, 'worktrees'));
  });

  it('keeps unknown keys and comments when saving a change', async () => {
    const { paths, store } = fresh();
    writeFileSync(paths.config, '# mine\ncli_only:\n  theme: solarized\nworkspace:\n  auto_stop_minutes: 30 # half an hour\n');
    const { config } = await store.load();
    expect(config.workspace.auto_stop_minutes).toBe(30);
    await store.update({ workspace: { default_backend: 'daytona' } });
    const text = readFileSync(paths.config, 'utf8');
    expect(text).toContain('# mine');
    expect(text).toContain('theme: solarized');
    expect(text).toContain('# half an hour');
    expect(text).toContain('default_backend: daytona');
  });

  it('reports a malformed file with line and column, runs on defaults, and never overwrites it', async () => {
    const { paths, store } = fresh();
    const broken = 'workspace:\n  auto_stop_minutes: 5\n bad indent: [\n';
    writeFileSync(paths.config, broken);
    const loaded = await store.load();
    expect(loaded.problems[0]?.where).toMatch(/^line \d+, column \d+$/);
    expect(loaded.config.workspace.auto_stop_minutes).toBe(15);
    await expect(store.update({ workspace: { auto_stop_minutes: 1 } })).rejects.toThrow(/will not overwrite/);
    expect(readFileSync(paths.config, 'utf8')).toBe(broken);
  });

  it('falls back to the default for one bad value and names it', async () => {
    const { paths, store } = fresh();
    writeFileSync(paths.config, 'workspace:\n  auto_stop_minutes: soon\n  default_backend: daytona\n');
    const loaded = await store.load();
    expect(loaded.config.workspace.auto_stop_minutes).toBe(15);
    expect(loaded.config.workspace.default_backend).toBe('daytona');
    expect(loaded.problems).toEqual([expect.objectContaining({ where: 'workspace.auto_stop_minutes' })]);
  });

  it('refuses an invalid change and leaves the file as it was', async () => {
    const { paths, store } = fresh();
    await store.load();
    const before = readFileSync(paths.config, 'utf8');
    await expect(store.update({ workspace: { auto_stop_minutes: -3 } })).rejects.toThrow(/auto_stop_minutes/);
    expect(readFileSync(paths.config, 'utf8')).toBe(before);
  });
});
