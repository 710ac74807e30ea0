import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigStore } from '../../config/config-store.js';
import { nexusPaths } from '../../config/paths.js';
import { createLogger } from '../../log/logger.js';
import { configHandlers } from './config.js';

describe('config.update', () => {
  it('saves the settings, and asks for existing sync sessions to be made again only when sync.exclude changed', async () => {
    const paths = nexusPaths(mkdtempSync(join(tmpdir(), 'nexus-config-')));
    const store = new ConfigStore(paths, createLogger('spec', { level: 'error' }));
    await store.load();
    let changes = 0;
    const handlers = configHandlers(store, paths, () => changes++);
    const update = (patch: Parameters<(typeof handlers)['config.update']>[0]) => handlers['config.update'](patch);

    await update({ auto_stop_minutes: 30 });
    expect(changes).toBe(0);
    await update({ sync_exclude: ['dist/', '*.tmp'] });
    expect(changes).toBe(1);
    expect(readFileSync(paths.config, 'utf8')).toMatch(/dist\//);
    await update({ sync_exclude: ['dist/', '*.tmp'], default_backend: 'docker' });
    expect(changes).toBe(1);
    await update({ sync_exclude: [] });
    expect(changes).toBe(2);
  });
});
