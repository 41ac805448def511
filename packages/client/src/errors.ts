// Every error the SDK throws on bad input or a failed check is one of these, so callers can tell them apart
// (instanceof) without parsing messages. Messages name what failed and where, never a secret or key material.
// The formats' errors (FormatError, EnvelopeOpenError) come from @mosaic/protocol; MosaicClientError is their
// common base, so `instanceof MosaicClientError` still catches every error of the SDK.
import { MosaicError } from '@mosaic/protocol';

export { EnvelopeOpenError, FormatError } from '@mosaic/protocol';

/** The base of every error the SDK throws, the formats' errors included. */
export const MosaicClientError = MosaicError;
export type MosaicClientError = MosaicError;

/** The committee read from chain failed a check; `member` is the 1-based member index, `operator` its address. */
export class CommitteeVerificationError extends MosaicClientError {
  constructor(
    message: string,
    readonly member: number,
    readonly operator: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Private output shares from which no result can be trusted; `suspects` are members whose shares disagree. */
export class InconsistentResultError extends MosaicClientError {
  constructor(
    message: string,
    readonly suspects: readonly { member: number; operator: string }[],
  ) {
    super(message);
  }
}

/** A node's JSON-RPC answer was an error or did not have the documented shape. */
export class NodeRpcError extends MosaicClientError {
  constructor(
    message: string,
    readonly code?: number,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** A task ended without a usable result (failed, skipped or refunded on chain, or timed out while waiting). */
export class TaskFailedError extends MosaicClientError {
  constructor(
    message: string,
    readonly taskId: bigint,
    readonly status: string,
  ) {
    super(message);
  }
}
