// The errors the formats throw, so callers can tell them apart (instanceof) without parsing messages. Messages
// name what failed and where, never a secret or key material. @mosaic/client's own errors extend MosaicError.

export class MosaicError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bytes that do not follow a wire format (bundle, envelope, share payload): a length, bound or version is wrong. */
export class FormatError extends MosaicError {}

/** An envelope that did not authenticate: tampered with, sealed to another key, or opened under another context. */
export class EnvelopeOpenError extends MosaicError {}
