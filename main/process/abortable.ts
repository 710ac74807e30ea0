import { NexusError } from '../../shared/errors.js';

/** The signal's own reason when it is a NexusError (a timeout, a cancel), else a plain "cancelled". */
function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof NexusError ? signal.reason : new NexusError('cancelled', 'Cancelled.');
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
