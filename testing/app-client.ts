import type { MethodName, Params, Result } from '../shared/contract/methods.js';
import type { EventName, EventPayload } from '../shared/contract/events.js';
import { NexusError } from '../shared/errors.js';
import type { NexusApp } from '../main/app/create-app.js';

/** Calls the app through its router, exactly as a window would, and unwraps the reply. */
export async function call<M extends MethodName>(app: NexusApp, method: M, params: Params<M>): Promise<Result<M>> {
  const reply = await app.router.call(method, params);
  if (!reply.ok) throw NexusError.fromShape(reply.error);
  return reply.result as Result<M>;
}

/** Records every event the app emits, for assertions about what a window would have seen. */
export function recordEvents(app: NexusApp) {
  const seen: Array<{ event: EventName; payload: unknown }> = [];
  app.hub.subscribe((event, payload) => seen.push({ event, payload }));
  return {
    seen,
    of<E extends EventName>(event: E): Array<EventPayload<E>> {
      return seen.filter((e) => e.event === event).map((e) => e.payload as EventPayload<E>);
    },
  };
}
