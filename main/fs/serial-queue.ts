/** Runs tasks one after another (read-modify-write of one file must not interleave). */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    // Keep the chain alive after a failure; the caller still sees the rejection.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
