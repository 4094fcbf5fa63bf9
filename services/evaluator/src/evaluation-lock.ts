// One evaluation at a time per process: a checkpoint from Kafka and one requested over HTTP would
// otherwise compete for the same CPU cores and double the model memory.
export class EvaluationLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
