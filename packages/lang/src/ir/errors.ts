/** The one error the decoder and the validator throw: untrusted IR that is malformed or ill-typed. */
export class IrError extends Error {
  constructor(
    message: string,
    /** Byte offset in the encoding, when the problem was found while decoding. */
    readonly offset?: number,
  ) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.name = 'IrError';
  }
}
