/**
 * How values of a store namespace become bytes. The store is a boundary too (a file anyone with access to the
 * data directory can change), so a JSON codec may carry a zod schema that every read is checked against.
 */
import type { z } from 'zod';

export interface Codec<V> {
  encode(value: V): Uint8Array;
  decode(bytes: Uint8Array): V;
}

export class StoreDecodeError extends Error {
  override name = 'StoreDecodeError';
}

export const bytesCodec: Codec<Uint8Array> = {
  encode: (value) => {
    if (!(value instanceof Uint8Array)) throw new TypeError('value must be a Uint8Array');
    return value;
  },
  // LevelDB hands out Buffers; callers get plain Uint8Arrays (deepEqual-able, no Buffer-only methods).
  decode: (bytes) => new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
};

const BIGINT_TAG = '$bigint';

/** JSON with bigints (as {"$bigint": "<decimal>"}), optionally checked by a schema on read and write. */
export function jsonCodec<V = unknown>(schema?: z.ZodType<V>): Codec<V> {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return {
    encode(value) {
      const checked = schema ? schema.parse(value) : value;
      return encoder.encode(
        JSON.stringify(checked, (_key, v) => (typeof v === 'bigint' ? { [BIGINT_TAG]: v.toString() } : v)),
      );
    },
    decode(bytes) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(decoder.decode(bytes), (_key, v) => {
          if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
            const keys = Object.keys(v);
            if (keys.length === 1 && keys[0] === BIGINT_TAG && typeof v[BIGINT_TAG] === 'string') {
              return BigInt(v[BIGINT_TAG]);
            }
          }
          return v;
        });
      } catch (error) {
        throw new StoreDecodeError(`stored value is not valid JSON: ${(error as Error).message}`);
      }
      if (!schema) return parsed as V;
      const result = schema.safeParse(parsed);
      if (!result.success)
        throw new StoreDecodeError(`stored value does not match its schema: ${result.error.message}`);
      return result.data;
    },
  };
}
