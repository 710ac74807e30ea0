import { Notification } from 'electron';
import type { ShownNotification } from '../desktop/desktop-controller.js';
import type { Logger } from '../log/logger.js';

/**
 * Shows what the controller decided. Notification objects are kept until closed or clicked:
 * one that is garbage-collected loses its click handler (a known Electron pitfall).
 */
export class OsNotifications {
  private readonly live = new Set<Notification>();

  constructor(
    private readonly icon: string | undefined,
    private readonly onClick: (n: ShownNotification) => void,
    private readonly log: Logger,
  ) {}

  show(n: ShownNotification): void {
    if (!Notification.isSupported()) {
      this.log.info(`notification (no notification service here): ${n.title} — ${n.body}`);
      return;
    }
    const note = new Notification({
      title: n.title,
      body: n.body,
      silent: n.urgency === 'low',
      urgency: n.urgency,
      ...(this.icon ? { icon: this.icon } : {}),
    });
    const forget = () => this.live.delete(note);
    note.on('click', () => {
      forget();
      this.onClick(n);
    });
    note.on('close', forget);
    note.on('failed', (_event, error) => {
      forget();
      this.log.warn(`notification "${n.title}" failed: ${error}`);
    });
    this.live.add(note);
    // Bounded: a platform that never reports `close` must not keep every notification forever.
    if (this.live.size > 50) this.live.delete(this.live.values().next().value as Notification);
    note.show();
  }
}
