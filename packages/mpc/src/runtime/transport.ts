/**
 * What a party needs from the network: ordered, reliable delivery of byte frames to and from each other
 * party of its session. The in-memory transport serves tests and benchmarks; the node implements the same
 * interface on libp2p streams.
 */
export interface Transport {
  /** This party's id in the session, 1..parties. */
  readonly self: number;
  /** Number of parties in the session. */
  readonly parties: number;
  /**
   * Sends a frame to party `to`. Frames between two parties arrive in the order they were sent. The frame is
   * handed over: the caller must not modify it afterwards. The promise (if any) settles when the transport
   * can take more, which is how back-pressure reaches the protocol.
   */
  send(to: number, frame: Uint8Array): undefined | Promise<void>;
  /** The next frame from party `from`. Rejects when `signal` aborts (time-out) or the transport closes. */
  receive(from: number, signal?: AbortSignal): Promise<Uint8Array>;
  /** Releases resources; pending receives reject. */
  close(): void;
}
