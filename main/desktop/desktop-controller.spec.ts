import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { FocusRequest } from '../../shared/contract/events.js';
import { workspaceMethods } from '../../shared/contract/methods/workspaces.js';
import type { Workspace } from '../../shared/domain/workspace.js';
import { NexusError } from '../../shared/errors.js';
import { createLogger } from '../log/logger.js';
import { EventHub } from '../rpc/event-hub.js';
import { Router } from '../rpc/router.js';
import { DEFAULT_DESKTOP_SETTINGS } from './desktop-settings.js';
import { DesktopController } from './desktop-controller.js';
import type { ShownNotification } from './desktop-controller.js';
import { ttlIn, workspace } from './spec-workspace.js';
import type { TrayModel } from './tray-menu.js';

const log = createLogger('test', { sink: () => undefined });
const t0 = Date.parse('2025-06-01T12:00:00Z');

/**
 * The real router and event hub over a small in-memory workspace table: tray actions go through
 * contract validation exactly as the window's calls do, and status changes come back as events.
 */
function setup(initial: Workspace[], options: { failStart?: boolean; focused?: boolean; tickMs?: number } = {}) {
  const hub = new EventHub(log);
  const table = new Map(initial.map((w) => [w.id, w]));
  const set = (w: Workspace) => {
    table.set(w.id, w);
    hub.emit('workspace.changed', w);
    return w;
  };
  const get = (id: string) => {
    const w = table.get(id);
    if (!w) throw new NexusError('not_found', `No workspace with id ${id}.`);
    return w;
  };
  const methods = { 'workspaces.list': workspaceMethods['workspaces.list'], 'workspaces.start': workspaceMethods['workspaces.start'], 'workspaces.stop': workspaceMethods['workspaces.stop'] };
  const router = new Router(methods, {
    'workspaces.list': () => [...table.values()],
    'workspaces.start': ({ id }) => {
      if (options.failStart) throw new NexusError('docker_unavailable', 'Docker is not running. Start Docker Desktop and try again.');
      set({ ...get(id), status: 'starting' });
      return set({ ...get(id), status: 'running' });
    },
    'workspaces.stop': ({ id }) => {
      set({ ...get(id), status: 'stopping' });
      return set({ ...get(id), status: 'sleeping' });
    },
  }, log);
  const clock = { now: t0 };
  const shown: ShownNotification[] = [];
  const trays: TrayModel[] = [];
  const focused: FocusRequest[] = [];
  let quit = 0;
  const controller = new DesktopController(
    {
      router,
      events: hub,
      settings: () => DEFAULT_DESKTOP_SETTINGS,
      windowFocused: () => options.focused ?? false,
      showNotification: (n) => shown.push(n),
      renderTray: (m) => trays.push(m),
      focus: (r) => focused.push(r),
      quit: () => void quit++,
      log,
      now: () => clock.now,
    },
    { tickMs: options.tickMs ?? 60_000 },
  );
  const label = (name: string) => {
    const item = trays.at(-1)?.items.find((i) => i.type === 'submenu' && i.label.startsWith(`${name} `));
    return item?.type === 'submenu' ? item.label : undefined;
  };
  return { hub, set, get, controller, shown, trays, focused, clock, label, quits: () => quit };
}

describe('the desktop controller', () => {
  it('draws the tray from the list, then from events', async () => {
    const api = workspace('api', 'running', { ttl: ttlIn(t0, 12 * 60_000 + 5_000) });
    const s = setup([api, workspace('web', 'sleeping')]);
    await s.controller.start();
    expect(s.label('api')).toBe('api — running · 12m left');
    expect(s.label('web')).toBe('web — sleeping');
    s.set({ ...api, status: 'sleeping', ttl: null });
    expect(s.label('api')).toBe('api — sleeping');
    s.hub.emit('workspace.removed', { id: api.id });
    expect(s.label('api')).toBeUndefined();
    s.controller.dispose();
  });

  it('re-draws only when the menu changed, and as the countdown moves', async () => {
    const api = workspace('api', 'running', { ttl: ttlIn(t0, 10 * 60_000) });
    const s = setup([api]);
    await s.controller.start();
    const drawn = s.trays.length;
    s.set(api);
    s.controller.tick();
    expect(s.trays.length).toBe(drawn);
    s.clock.now += 60_000;
    s.controller.tick();
    expect(s.trays.length).toBe(drawn + 1);
    expect(s.label('api')).toBe('api — running · 9m left');
    s.controller.dispose();
  });

  it('announces an auto-stop, and a click focuses the window on that workspace', async () => {
    const api = workspace('api', 'running', { ttl: ttlIn(t0, 60_000) });
    const s = setup([api]);
    await s.controller.start();
    // The backend stopped it on its own (Daytona auto-stop): stopping, then sleeping.
    s.set({ ...api, status: 'stopping' });
    s.set({ ...api, status: 'sleeping', ttl: null });
    const sleep1 = s.shown.filter((n) => n.kind === 'sleep');
    expect(sleep1).toHaveLength(1);
    expect(sleep1[0]?.body).toContain('Daytona stopped it after 15 min without activity.');
    s.controller.clicked(sleep1[0]!);
    expect(s.focused).toEqual([{ workspaceId: api.id, view: 'card' }]);
    s.controller.dispose();
  });

  it('runs start and stop from the tray through the contract, without announcing the stop it was asked for', async () => {
    const web = workspace('web', 'sleeping');
    const s = setup([web]);
    await s.controller.start();
    await s.controller.act({ kind: 'start', workspaceId: web.id });
    expect(s.get(web.id).status).toBe('running');
    expect(s.shown.map((n) => n.kind)).toEqual(['wake']);
    s.clock.now += 60_000;
    await s.controller.act({ kind: 'stop', workspaceId: web.id });
    expect(s.get(web.id).status).toBe('sleeping');
    expect(s.shown.map((n) => n.kind)).toEqual(['wake']);
    s.controller.dispose();
  });

  it('does not announce a stop the window asked for either', async () => {
    const api = workspace('api', 'running');
    const s = setup([api]);
    await s.controller.start();
    s.controller.observeCall('workspaces.stop', { id: api.id });
    s.set({ ...api, status: 'sleeping' });
    expect(s.shown).toEqual([]);
    s.controller.dispose();
  });

  it('says when a tray action failed, with the app’s own message', async () => {
    const web = workspace('web', 'sleeping');
    const s = setup([web], { failStart: true });
    await s.controller.start();
    await s.controller.act({ kind: 'start', workspaceId: web.id });
    expect(s.shown).toEqual([expect.objectContaining({ kind: 'action-failed', title: 'Could not start web', body: 'Docker is not running. Start Docker Desktop and try again.' })]);
    s.controller.dispose();
  });

  it('turns window actions into focus requests and quit into quit', async () => {
    const s = setup([]);
    await s.controller.start();
    await s.controller.act({ kind: 'open-terminal', workspaceId: 'api000000000' });
    await s.controller.act({ kind: 'open-window', workspaceId: null });
    await s.controller.act({ kind: 'quit' });
    expect(s.focused).toEqual([
      { workspaceId: 'api000000000', view: 'terminal' },
      { workspaceId: null, view: 'card' },
    ]);
    expect(s.quits()).toBe(1);
    expect(s.trays.at(-1)?.tooltip).toBe('Nexus Desktop — no workspaces');
    s.controller.dispose();
  });

  it('announces a long create only when the window is not in front', async () => {
    const s = setup([]);
    await s.controller.start();
    const id = 'new000000000';
    s.hub.emit('workspace.progress', { workspaceId: id, name: 'new', step: 'validate', state: 'running', detail: '', fraction: null });
    s.clock.now += 45_000;
    s.hub.emit('workspace.progress', { workspaceId: id, name: 'new', step: 'ready', state: 'done', detail: '', fraction: null });
    expect(s.shown.map((n) => n.title)).toEqual(['Workspace new is ready']);
    s.controller.dispose();
  });

  it('keeps ticking on its own timer', async () => {
    const s = setup([workspace('api', 'running', { ttl: ttlIn(t0, 90_000) })], { tickMs: 20 });
    await s.controller.start();
    await sleep(100);
    s.controller.dispose();
    expect(s.shown.filter((n) => n.kind === 'autostop-warning')).toHaveLength(1);
  });
});
