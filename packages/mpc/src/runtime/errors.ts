/** Every failure of the engine is an MpcError subclass, with the party and the round where that helps. */
export class MpcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A party sent nothing within the time limit. */
export class PartyTimeoutError extends MpcError {
  constructor(
    readonly parties: readonly number[],
    readonly round: number,
    readonly timeoutMs: number,
    readonly step: string,
  ) {
    super(
      `${parties.length === 1 ? `party ${parties[0]}` : `parties ${parties.join(', ')}`} did not answer within ${timeoutMs} ms (round ${round}, ${step})`,
    );
  }
}

/** A party gave up on the session and said why (its own failure: a time-out, a bad frame, a local problem). */
export class PartyAbortedError extends MpcError {
  constructor(
    readonly party: number,
    readonly reason: string,
  ) {
    super(`party ${party} gave up: ${reason}`);
  }
}

/** A frame that does not parse, or does not carry what the protocol expects at this point. */
export class FrameError extends MpcError {
  constructor(
    readonly party: number,
    readonly reason: string,
  ) {
    super(`bad frame from party ${party}: ${reason}`);
  }
}

/** Shares that do not lie on one polynomial of the expected degree. */
export class InconsistentSharesError extends MpcError {
  constructor(
    readonly points: readonly number[],
    readonly element: number,
  ) {
    super(
      `shares are not on one polynomial: the shares of point(s) ${points.join(', ')} disagree with the others at element ${element}`,
    );
  }
}

/** The transport was closed, or a party is no longer reachable. */
export class TransportClosedError extends MpcError {}
