import { NexusError } from '../../shared/errors.js';

/** The signal's own reason when it is a NexusError (a timeout, a cancel), else a plain "cancelled" with `message`. */
export function abortError(signal: AbortSignal, message = 'Cancelled.'): Error {
  return signal.reason instanceof NexusError ? signal.reason : new NexusError('cancelled', message);
}

/** Rejects as soon as `signal` aborts; the underlying work continues to its own (bounded) end. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Waits `ms`; when `signal` aborts first (or already has), rejects with a "cancelled" NexusError
 * carrying `message`, whatever the signal's reason.
 */
export function sleep(ms: number, signal?: AbortSignal, message = 'Cancelled.'): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new NexusError('cancelled', message));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new NexusError('cancelled', message));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
