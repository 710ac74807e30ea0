import { NexusError } from '../errors.js';
import type { EventName, EventPayload } from './events.js';
import type { MethodName, Params, Result } from './methods.js';
import type { Reply } from './wire.js';

/** The whole surface the renderer sees, whatever the transport: invoke and subscribe. */
export interface NexusApi {
  /** Resolves with the result or rejects with a NexusError carrying the stable code. */
  invoke<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>>;
  /** Returns the function that unsubscribes. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** The untyped bridge a transport provides (the preload's `window.nexus`, or the WebSocket). */
export interface RawBridge {
  invoke(method: string, params: unknown): Promise<Reply>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

/** Types a transport's bridge from the contract and turns error replies into NexusErrors. */
export function typedApi(bridge: RawBridge): NexusApi {
  return {
    async invoke(method, params) {
      const reply = await bridge.invoke(method, params);
      if (!reply.ok) throw NexusError.fromShape(reply.error);
      return reply.result as never;
    },
    on: (event, listener) => bridge.on(event, listener as (payload: unknown) => void),
  };
}
