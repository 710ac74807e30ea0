import type { EventName, FocusRequest } from '../../shared/contract/events.js';
import type { Progress, Workspace } from '../../shared/domain/workspace.js';
import { Workspace as WorkspaceSchema } from '../../shared/domain/workspace.js';
import type { Logger } from '../log/logger.js';
import type { CallTarget } from '../rpc/router.js';
import type { DesktopSettings } from './desktop-settings.js';
import { DesktopNotifier } from './notify-decisions.js';
import type { DesktopNotification } from './notify-decisions.js';
import { hasCountdown, trayMenu } from './tray-menu.js';
import type { TrayAction, TrayModel } from './tray-menu.js';

/** What the controller needs from its host (Electron, or a spec). */
export interface DesktopPorts {
  /** The app's router: tray actions go through the same contract methods as the window. */
  router: CallTarget;
  /** The app's event hub (subscribe side). */
  events: { subscribe(listener: (event: EventName, payload: unknown) => void): () => void };
  settings(): DesktopSettings;
  windowFocused(): boolean;
  showNotification(n: ShownNotification): void;
  renderTray(model: TrayModel): void;
  focus(request: FocusRequest): void;
  quit(): void;
  log: Logger;
  now?: () => number;
}

/** A notification to show, plus failures of tray actions (which have no window to say so in). */
export type ShownNotification = DesktopNotification | ActionFailed;
export interface ActionFailed {
  kind: 'action-failed';
  key: string;
  title: string;
  body: string;
  workspaceId: string | null;
  view: 'card';
  urgency: 'critical';
}

export interface ControllerOptions {
  /** How often TTL labels and auto-stop warnings are re-evaluated (no API calls). */
  tickMs?: number;
}

/**
 * The desktop shell's behaviour without Electron: keeps the workspace list from the app's
 * events, renders the tray model when it changes, decides notifications, and runs tray actions
 * through the router. main/electron supplies the ports and draws.
 */
export class DesktopController {
  private readonly workspaces = new Map<string, Workspace>();
  private readonly notifier: DesktopNotifier;
  private unsubscribe: (() => void) | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastTray = '';
  private readonly now: () => number;

  constructor(
    private readonly ports: DesktopPorts,
    private readonly options: ControllerOptions = {},
  ) {
    this.now = ports.now ?? Date.now;
    this.notifier = new DesktopNotifier({ settings: () => ports.settings().notifications, now: this.now });
  }

  async start(): Promise<void> {
    // Subscribe first, then list: an event between the two is applied, not lost.
    this.unsubscribe = this.ports.events.subscribe((event, payload) => this.onEvent(event, payload));
    const reply = await this.ports.router.call('workspaces.list', {});
    if (reply.ok) {
      const list = WorkspaceSchema.array().safeParse(reply.result);
      if (list.success) {
        for (const ws of list.data) if (!this.workspaces.has(ws.id)) this.workspaces.set(ws.id, ws);
      }
    } else {
      this.ports.log.warn(`tray: could not list workspaces: ${reply.error.message}`);
    }
    this.notifier.seed([...this.workspaces.values()]);
    this.renderTray();
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 15_000);
    this.timer.unref?.();
  }

  list(): Workspace[] {
    return [...this.workspaces.values()];
  }

  /** Calls the window makes: a stop asked for there is expected, so its sleep is not announced. */
  observeCall(method: unknown, params: unknown): void {
    if (method === 'workspaces.stop' && params && typeof params === 'object' && typeof (params as { id?: unknown }).id === 'string') {
      this.notifier.userRequestedStop((params as { id: string }).id);
    }
  }

  async act(action: TrayAction): Promise<void> {
    switch (action.kind) {
      case 'quit':
        return this.ports.quit();
      case 'open-window':
        return this.ports.focus({ workspaceId: action.workspaceId, view: 'card' });
      case 'open-terminal':
        return this.ports.focus({ workspaceId: action.workspaceId, view: 'terminal' });
      case 'start':
      case 'stop': {
        if (action.kind === 'stop') this.notifier.userRequestedStop(action.workspaceId);
        const reply = await this.ports.router.call(`workspaces.${action.kind}`, { id: action.workspaceId });
        if (!reply.ok) {
          const name = this.workspaces.get(action.workspaceId)?.name ?? 'the workspace';
          this.ports.showNotification({
            kind: 'action-failed',
            key: `${action.kind}-failed:${action.workspaceId}`,
            title: `Could not ${action.kind} ${name}`,
            body: reply.error.message,
            workspaceId: action.workspaceId,
            view: 'card',
            urgency: 'critical',
          });
        }
        return;
      }
    }
  }

  /** A notification was clicked: show the window on its workspace. */
  clicked(n: ShownNotification): void {
    this.ports.focus({ workspaceId: n.workspaceId, view: n.view });
  }

  dispose(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Re-evaluates countdowns and auto-stop warnings; the timer calls it, specs may too. */
  tick(): void {
    this.show(this.notifier.tick());
    if (hasCountdown(this.list(), this.now())) this.renderTray();
  }

  private onEvent(event: EventName, payload: unknown): void {
    try {
      if (event === 'workspace.changed') {
        const ws = payload as Workspace;
        this.workspaces.set(ws.id, ws);
        this.show(this.notifier.changed(ws));
        this.renderTray();
      } else if (event === 'workspace.removed') {
        const { id } = payload as { id: string };
        this.workspaces.delete(id);
        this.notifier.removed(id);
        this.renderTray();
      } else if (event === 'workspace.progress') {
        this.show(this.notifier.progress(payload as Progress, { windowFocused: this.ports.windowFocused() }));
      }
    } catch (err) {
      this.ports.log.warn(`desktop: handling ${event} failed`, err);
    }
  }

  private show(list: DesktopNotification[]): void {
    for (const n of list) this.ports.showNotification(n);
  }

  private renderTray(): void {
    const model = trayMenu(this.list(), this.now());
    const key = JSON.stringify(model);
    // Rebuilding an unchanged menu closes it under the user's pointer on some desktops.
    if (key === this.lastTray) return;
    this.lastTray = key;
    this.ports.renderTray(model);
  }
}
