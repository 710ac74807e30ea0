import { z } from 'zod';

/** Stable error codes: the renderer branches on these, never on message text. */
export const ErrorCode = z.enum([
  'invalid_request',
  'unknown_method',
  'not_found',
  'conflict',
  'busy',
  'cancelled',
  'unsafe',
  'docker_unavailable',
  'daytona_unreachable',
  'daytona_auth',
  'credentials_missing',
  'rate_limited',
  'ssh_failed',
  'sync_failed',
  'git_failed',
  'config_invalid',
  'part_missing',
  'timeout',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** What crosses the boundary when a call fails: a code, a message a user can act on, and
 * optionally the request field at fault. Never a stack, never a secret. */
export const ErrorShape = z.strictObject({
  code: ErrorCode,
  message: z.string().max(4000),
  field: z.string().max(200).optional(),
});
export type ErrorShape = z.infer<typeof ErrorShape>;

/** An error meant for the user. Anything else thrown by a handler is reported as `internal`. */
export class NexusError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  constructor(code: ErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NexusError';
    this.code = code;
    this.field = options?.field;
  }
  toShape(): ErrorShape {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
  static fromShape(shape: ErrorShape): NexusError {
    return new NexusError(shape.code, shape.message, shape.field === undefined ? undefined : { field: shape.field });
  }
}

export function isNexusError(err: unknown): err is NexusError {
  return err instanceof NexusError;
}
