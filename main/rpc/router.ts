import type { z } from 'zod';
import type { methods } from '../../shared/contract/methods.js';
import type { MethodName, ParsedParams, Result } from '../../shared/contract/methods.js';
import type { Reply } from '../../shared/contract/wire.js';
import { NexusError } from '../../shared/errors.js';
import type { Logger } from '../log/logger.js';

export type Handler<M extends MethodName> = (params: ParsedParams<M>) => Promise<Result<M>> | Result<M>;
export type Handlers = { [M in MethodName]: Handler<M> };

/** A table of method specs; the app's is `methods` from the contract. */
export type MethodTable = Record<string, { params: z.ZodType; result: z.ZodType }>;
export type TableHandlers<T extends MethodTable> = {
  [M in keyof T]: (params: z.output<T[M]['params']>) => Promise<z.output<T[M]['result']>> | z.output<T[M]['result']>;
};

/** Names the request field a validation issue is about, e.g. `command.2` or `extra`. */
export function describeIssue(issue: z.core.$ZodIssue): { field: string; message: string } {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    return { field: [...path, key].join('.'), message: `Unexpected field "${[...path, key].join('.')}".` };
  }
  const field = path.length > 0 ? path.join('.') : '(params)';
  return { field, message: `Invalid "${field}": ${issue.message}` };
}

/** What a transport needs: something that turns a request into a Reply. */
export interface CallTarget {
  call(method: unknown, params: unknown): Promise<Reply>;
}

/**
 * Validates every request against the contract before a handler runs, validates every result
 * on the way out (so nothing the contract does not name, like a secret, leaks), and maps
 * failures to the error shape. Transports only move Replies.
 */
export class Router<T extends MethodTable = typeof methods> implements CallTarget {
  constructor(
    private readonly table: T,
    private readonly handlers: TableHandlers<T>,
    private readonly log: Logger,
  ) {}

  async call(method: unknown, params: unknown): Promise<Reply> {
    if (typeof method !== 'string' || !Object.hasOwn(this.table, method)) {
      const name = typeof method === 'string' ? method.slice(0, 100) : typeof method;
      return fail(new NexusError('unknown_method', `Unknown method "${name}".`));
    }
    const spec = this.table[method] as T[keyof T];
    const parsed = spec.params.safeParse(params ?? {});
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const { field, message } = first ? describeIssue(first) : { field: '(params)', message: 'Invalid request.' };
      return fail(new NexusError('invalid_request', message, { field }));
    }
    try {
      const handler = this.handlers[method as keyof T] as (p: unknown) => Promise<unknown> | unknown;
      const result = await handler(parsed.data);
      const checked = spec.result.safeParse(result);
      if (!checked.success) {
        this.log.error(`${method} returned a result outside the contract`, checked.error.issues.slice(0, 3));
        return fail(internal(method));
      }
      return { ok: true, result: checked.data };
    } catch (err) {
      if (err instanceof NexusError) return fail(err);
      this.log.error(`${method} failed`, err);
      return fail(internal(method));
    }
  }
}

function internal(method: string): NexusError {
  return new NexusError('internal', `Nexus hit an unexpected problem while running "${method}". The details are in the log; try again, and report it if it persists.`);
}

function fail(err: NexusError): Reply {
  return { ok: false, error: err.toShape() };
}
