import { describe, expect, it } from 'vitest';
import { ttlIn, workspace } from './spec-workspace.js';
import { hasCountdown, trayMenu } from './tray-menu.js';
import type { TrayAction, TrayItem } from './tray-menu.js';
import { formatRemaining, statusText } from './workspace-words.js';

const now = Date.parse('2025-06-01T12:00:00Z');
const min = 60_000;

function submenu(items: TrayItem[], prefix: string): TrayItem[] {
  const found = items.find((i) => i.type === 'submenu' && i.label.startsWith(prefix));
  if (!found || found.type !== 'submenu') throw new Error(`no submenu ${prefix}`);
  return found.items;
}
function action(items: TrayItem[], label: string): { enabled: boolean; action: TrayAction } {
  const found = items.find((i) => i.type === 'action' && i.label === label);
  if (!found || found.type !== 'action') throw new Error(`no item ${label}`);
  return { enabled: found.enabled, action: found.action };
}

describe('status and TTL words', () => {
  it('counts down in whole minutes, never promising more than is left', () => {
    expect(formatRemaining(12 * min + 59_000)).toBe('12m left');
    expect(formatRemaining(59_000)).toBe('under a minute left');
    expect(formatRemaining(0)).toBe('stopping now');
    expect(formatRemaining(-5)).toBe('stopping now');
    expect(formatRemaining(60 * min)).toBe('1h left');
    expect(formatRemaining(125 * min)).toBe('2h 5m left');
  });

  it('shows the TTL only while running', () => {
    expect(statusText(workspace('api', 'running', { ttl: ttlIn(now, 12 * min + 30_000) }), now)).toBe('running · 12m left');
    expect(statusText(workspace('api', 'running'), now)).toBe('running');
    expect(statusText(workspace('api', 'sleeping', { ttl: ttlIn(now, 5 * min) }), now)).toBe('sleeping');
    expect(statusText(workspace('api', 'starting'), now)).toBe('starting…');
  });
});

describe('the tray menu model', () => {
  it('lists workspaces by name with status and TTL, then quit', () => {
    const model = trayMenu(
      [
        workspace('web', 'sleeping'),
        workspace('api', 'running', { ttl: ttlIn(now, 12 * min + 1_000) }),
        workspace('docs', 'running', { backend: 'docker' }),
      ],
      now,
    );
    const labels = model.items.map((i) => (i.type === 'separator' ? '---' : i.label));
    expect(labels).toEqual([
      'Open Nexus Desktop',
      '---',
      'Workspaces',
      'api — running · 12m left',
      'docs — running',
      'web — sleeping',
      '---',
      'Quit Nexus Desktop',
    ]);
    expect(model.tooltip).toBe('Nexus Desktop — 2 running, 1 sleeping');
    expect(action(model.items, 'Quit Nexus Desktop').action).toEqual({ kind: 'quit' });
    expect(action(model.items, 'Open Nexus Desktop').action).toEqual({ kind: 'open-window', workspaceId: null });
  });

  it('offers stop on a running workspace and start on a sleeping one', () => {
    const api = workspace('api', 'running', { ttl: ttlIn(now, 3 * min) });
    const web = workspace('web', 'sleeping');
    const model = trayMenu([api, web], now);

    const running = submenu(model.items, 'api');
    expect(running[0]).toEqual({ type: 'label', label: 'running · 3m left' });
    expect(running[1]).toEqual({ type: 'label', label: 'nexus/api · daytona' });
    expect(action(running, 'Stop')).toEqual({ enabled: true, action: { kind: 'stop', workspaceId: api.id } });
    expect(action(running, 'Start').enabled).toBe(false);
    expect(action(running, 'Open Terminal')).toEqual({ enabled: true, action: { kind: 'open-terminal', workspaceId: api.id } });
    expect(action(running, 'Open in Window')).toEqual({ enabled: true, action: { kind: 'open-window', workspaceId: api.id } });

    const sleeping = submenu(model.items, 'web');
    expect(action(sleeping, 'Start')).toEqual({ enabled: true, action: { kind: 'start', workspaceId: web.id } });
    expect(action(sleeping, 'Stop').enabled).toBe(false);
    // A terminal on a sleeping workspace wakes it first.
    expect(action(sleeping, 'Open Terminal').enabled).toBe(true);
  });

  it('offers nothing that cannot work while a workspace is busy or gone', () => {
    for (const status of ['creating', 'starting', 'stopping', 'deleting', 'missing'] as const) {
      const items = submenu(trayMenu([workspace('api', status)], now).items, 'api');
      expect([action(items, 'Start').enabled, action(items, 'Stop').enabled, action(items, 'Open Terminal').enabled], status).toEqual([false, false, false]);
    }
    expect(action(submenu(trayMenu([workspace('api', 'error')], now).items, 'api'), 'Start').enabled).toBe(true);
  });

  it('says when there are no workspaces', () => {
    const model = trayMenu([], now);
    expect(model.items).toContainEqual({ type: 'label', label: 'No workspaces yet' });
    expect(model.tooltip).toBe('Nexus Desktop — no workspaces');
  });

  it('keeps a long list short and points at the window', () => {
    const many = Array.from({ length: 20 }, (_, i) => workspace(`ws-${String(i).padStart(2, '0')}`, 'sleeping'));
    const model = trayMenu(many, now);
    expect(model.items.filter((i) => i.type === 'submenu')).toHaveLength(15);
    expect(action(model.items, '5 more in the window…').action).toEqual({ kind: 'open-window', workspaceId: null });
  });

  it('changes with time only while a countdown is shown', () => {
    const ws = [workspace('api', 'running', { ttl: ttlIn(now, 10 * min) })];
    expect(hasCountdown(ws, now)).toBe(true);
    expect(trayMenu(ws, now + 2 * min)).not.toEqual(trayMenu(ws, now));
    expect(hasCountdown([workspace('api', 'running'), workspace('web', 'sleeping', { ttl: ttlIn(now, 1) })], now)).toBe(false);
  });
});
