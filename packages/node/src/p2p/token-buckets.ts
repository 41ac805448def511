/**
 * Token buckets by key (a peer id): each key may spend `capacity` tokens at once and gets `refillPerSecond` back
 * per second. Synchronous, so that a stream can be refused before anything is read from it. At most `maxKeys`
 * buckets are kept; the oldest goes first (a forgotten key starts again with a full bucket, which is the most it
 * could have had anyway after an idle spell).
 */
export interface TokenBucketOptions {
  capacity: number;
  refillPerSecond: number;
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxKeys: number;

  constructor(private readonly options: TokenBucketOptions) {
    if (!(options.capacity >= 1) || !(options.refillPerSecond > 0)) {
      throw new RangeError('a token bucket needs a capacity of at least 1 and a positive refill rate');
    }
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  /** Spends one token of `key`'s bucket; false when it is empty. */
  take(key: string, now = Date.now()): boolean {
    const { capacity, refillPerSecond } = this.options;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: capacity, at: now };
      this.buckets.set(key, bucket);
      if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
    } else {
      bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * refillPerSecond);
      bucket.at = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
