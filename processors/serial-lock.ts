// Runs tasks one at a time, in call order. Message chunks and the snapshot timer share it, so a
// snapshot never reads Redis halfway through a chunk whose seq it does not know yet.
export class SerialLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    // The next task waits for this one whether it succeeded or failed; the caller sees the failure.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
