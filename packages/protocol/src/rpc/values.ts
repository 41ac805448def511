// The JSON values the node's methods take and give (docs/json-rpc.md, "Conventions"). Params are read
// leniently where the docs allow several spellings (a uint64 as a number, a decimal or a 0x string); results are
// read strictly, in the one spelling the node writes, and decoded (quantities to bigints, addresses checksummed,
// hex lowercased), because a client does not trust a node to answer in shape.
import { getAddress, type Hex, isAddress } from 'viem';
import { z } from 'zod';

/** A 0x-prefixed hex quantity without leading zeros ("0x0", "0x1a"), as the task methods write integers. */
export type HexQuantity = `0x${string}`;

export function toHexQuantity(value: bigint): HexQuantity {
  if (typeof value !== 'bigint' || value < 0n) throw new RangeError('a quantity must be a non-negative bigint');
  return `0x${value.toString(16)}`;
}

export const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected 32 bytes as 0x-hex');
export const hexBytes = z.string().regex(/^0x([0-9a-fA-F]{2})*$/, 'expected 0x-hex bytes');
export const addressHex = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected an address');
export const signatureHex = z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'expected a 65-byte signature as 0x-hex');
/** A segment's index within its data. */
export const segmentIndex = z.number().int().min(0).max(0xffffffff);
/** A one-byte count ((n, t) of a storage committee). */
export const byteSize = z.number().int().min(0).max(0xff);
/** A time in unix seconds, below 2^40. */
export const unixSeconds = z
  .number()
  .int()
  .min(0)
  .max(2 ** 40);

/** Param: a non-negative integer as a JSON number or a decimal / 0x string; bounded to uint64. */
export const uint64Param = z
  .union([
    z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    z.string().regex(/^(\d{1,20}|0x[0-9a-fA-F]{1,16})$/),
  ])
  .transform((value) => BigInt(value))
  .refine((value) => value < 1n << 64n, { message: 'must be below 2^64' });

/** Param: a uint256 as a 0x hex quantity or a decimal string. */
export const uint256Param = z
  .string()
  .regex(/^(0x[0-9a-fA-F]{1,64}|[0-9]{1,78})$/, 'expected a uint256 as 0x-hex or decimal')
  .transform((v) => BigInt(v))
  .refine((v) => v < 1n << 256n, { message: 'must be below 2^256' });

/** Result: a 0x hex quantity (no leading zeros, at most 256 bits), decoded. */
export const quantity = z
  .string()
  .regex(/^0x(?:0|[1-9a-fA-F][0-9a-fA-F]{0,63})$/, 'expected a 0x hex quantity')
  .transform((v) => BigInt(v));

/** Result: a bigint the node wrote as a decimal string (the core methods' spelling), decoded. */
export const decimal = z
  .string()
  .regex(/^[0-9]{1,78}$/, 'expected a decimal string')
  .transform((v) => BigInt(v));

/** Result: an address, checksummed. */
export const address = z
  .string()
  .refine((v) => isAddress(v, { strict: false }), 'expected an address')
  .transform((v) => getAddress(v));

/** Result: 0x-hex bytes (of `length` bytes when given), lowercased. */
export function bytesHex(length?: number) {
  const pattern = length === undefined ? /^0x(?:[0-9a-fA-F]{2})*$/ : new RegExp(`^0x[0-9a-fA-F]{${2 * length}}$`);
  const what = length === undefined ? 'expected 0x hex bytes' : `expected ${length} bytes as 0x hex`;
  return z
    .string()
    .regex(pattern, what)
    .transform((v) => v.toLowerCase() as Hex);
}

/** Result: an optional field the node may also write as null; null reads as absent. */
export function absentOrNull<S extends z.ZodType>(schema: S) {
  return schema
    .nullish()
    .transform((v) => v ?? undefined)
    .optional();
}

/** Drops the keys whose value is undefined, so a parsed answer has a key only when the node gave the field. */
export function withoutUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}
