/** A failure while running validated IR: bad arguments or state, or a public computation that cannot go on. */
export class ExecutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecutionError';
  }
}
