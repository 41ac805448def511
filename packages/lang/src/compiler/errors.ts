/**
 * Errors of the contract author, reported at the line of the contract source that caused them.
 */
export class CompileError extends Error {
  constructor(
    readonly reason: string,
    /** "file:line:column" of the contract source, when the stack showed it. */
    readonly location: string | undefined,
    /** The function being compiled. */
    readonly functionName?: string,
  ) {
    const where = location ? ` (at ${location})` : '';
    super(`${functionName ? `${functionName}: ` : ''}${reason}${where}`);
    this.name = 'CompileError';
  }

  /** The line number in the contract source, when known. */
  get line(): number | undefined {
    const m = this.location?.match(/:(\d+):\d+$/);
    return m ? Number(m[1]) : undefined;
  }

  /** The file of the contract source, when known. */
  get file(): string | undefined {
    const m = this.location?.match(/^(.*):\d+:\d+$/);
    return m ? m[1] : undefined;
  }
}
