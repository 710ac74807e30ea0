import { events, isEventName } from '../../shared/contract/events.js';
import type { EventName, EventPayload } from '../../shared/contract/events.js';
import type { Logger } from '../log/logger.js';

export type AnyListener = (event: EventName, payload: unknown) => void;

/** Fans events out to every subscriber (transports subscribe; services emit). */
export class EventHub {
  private readonly listeners = new Set<AnyListener>();

  constructor(private readonly log: Logger) {}

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    const checked = events[event].safeParse(payload);
    if (!checked.success) {
      // A payload outside the contract is a bug here, not something to send.
      this.log.error(`event ${event} payload outside the contract`, checked.error.issues.slice(0, 3));
      return;
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(event, checked.data);
      } catch (err) {
        this.log.warn(`event listener for ${event} threw`, err);
      }
    }
  }

  subscribe(listener: AnyListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Subscribes to one event by name, checking the name against the contract. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    return this.subscribe((name, payload) => {
      if (name === event) listener(payload as EventPayload<E>);
    });
  }

  static isKnown(name: unknown): name is EventName {
    return isEventName(name);
  }
}
