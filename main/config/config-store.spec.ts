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

  it('drops a list with bad items, keeps the rest of the file, and reports each item once', async () => {
    const { paths, store } = fresh();
    writeFileSync(paths.config, "sync:\n  exclude: ['', dist/, '']\n  mutagen_path: /opt/mutagen\nworkspace:\n  auto_stop_minutes: 30\n");
    const loaded = await store.load();
    expect(loaded.writable).toBe(true);
    expect(loaded.config.sync.exclude).toEqual([]);
    expect(loaded.config.sync.mutagen_path).toBe('/opt/mutagen');
    expect(loaded.config.workspace.auto_stop_minutes).toBe(30);
    expect(loaded.problems).toEqual([
      expect.objectContaining({ where: 'sync.exclude.0', message: expect.stringMatching(/ignoring sync\.exclude\.$/) }),
      expect.objectContaining({ where: 'sync.exclude.2', message: expect.stringMatching(/ignoring sync\.exclude\.$/) }),
    ]);
  });

  it('drops a Daytona profile with a bad api_url, keeps the other profiles, and reports it once', async () => {
    const { paths, store } = fresh();
    writeFileSync(
      paths.config,
      'backends:\n  daytona:\n    target: eu\n    profiles:\n      work:\n        api_url: not a url\n      home:\n        api_url: https://home.example/api\nworkspace:\n  auto_stop_minutes: 30\n',
    );
    const loaded = await store.load();
    expect(loaded.writable).toBe(true);
    expect(loaded.config.backends.daytona.profiles).toEqual({ home: { api_url: 'https://home.example/api' } });
    expect(loaded.config.backends.daytona.target).toBe('eu');
    expect(loaded.config.workspace.auto_stop_minutes).toBe(30);
    expect(loaded.problems).toEqual([
      expect.objectContaining({ where: 'backends.daytona.profiles.work.api_url', message: expect.stringMatching(/^Invalid URL; ignoring backends\.daytona\.profiles\.work\.$/) }),
    ]);
  });

  it('saves a setting while an unrelated value is invalid, and leaves that value in the file', async () => {
    const { paths, store } = fresh();
    writeFileSync(paths.config, 'workspace:\n  auto_stop_minutes: soon\nsync:\n  exclude: [dist/]\n');
    await store.load();
    const saved = await store.update({ workspace: { default_backend: 'daytona' } });
    expect(saved.workspace.default_backend).toBe('daytona');
    expect(saved.workspace.auto_stop_minutes).toBe(15);
    expect(saved.sync.exclude).toEqual(['dist/']);
    const text = readFileSync(paths.config, 'utf8');
    expect(text).toContain('default_backend: daytona');
    expect(text).toContain('auto_stop_minutes: soon');
    expect(store.problems).toEqual([expect.objectContaining({ where: 'workspace.auto_stop_minutes' })]);
  });

  it('still refuses an invalid change while an unrelated value is invalid', async () => {
    const { paths, store } = fresh();
    writeFileSync(paths.config, 'workspace:\n  auto_stop_minutes: soon\n');
    await store.load();
    const before = readFileSync(paths.config, 'utf8');
    await expect(store.update({ sync: { exclude: ['ok/', ''] } })).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/sync\.exclude\.1/) });
    expect(readFileSync(paths.config, 'utf8')).toBe(before);
  });

  it('keeps both of two concurrent changes', async () => {
    const { paths, store } = fresh();
    await store.load();
    await Promise.all([store.update({ workspace: { auto_stop_minutes: 30 } }), store.update({ workspace: { default_backend: 'daytona' } })]);
    const text = readFileSync(paths.config, 'utf8');
    expect(text).toContain('auto_stop_minutes: 30');
    expect(text).toContain('default_backend: daytona');
    expect(store.current.workspace).toMatchObject({ auto_stop_minutes: 30, default_backend: 'daytona' });
  });

  it('refuses to save when the file was broken after it was loaded, and leaves it as it is', async () => {
    const { paths, store } = fresh();
    await store.load();
    const broken = 'workspace:\n  auto_stop_minutes: 5\n bad indent: [\n';
    writeFileSync(paths.config, broken);
    await expect(store.update({ workspace: { auto_stop_minutes: 1 } })).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringMatching(/will not overwrite/) });
    expect(readFileSync(paths.config, 'utf8')).toBe(broken);
  });
});
