// Byte helpers shared by the wire formats: checked hex (viem's, with the format's error), fixed-width integers,
// and a bounds-checked reader that turns every short read or out-of-range value into a FormatError (so decoding
// arbitrary bytes never crashes).
import { base64 } from '@scure/base';
import { concatBytes, type Hex, isHex as isViemHex, hexToBytes as viemHexToBytes } from 'viem';
import { FormatError } from './errors.js';

export type { Hex } from 'viem';
export { bytesToHex, concatBytes } from 'viem';

/** 0x-prefixed hex with an even number of digits (viem's isHex also takes odd lengths). */
export function isHex(value: unknown): value is Hex {
  return typeof value === 'string' && isViemHex(value, { strict: true }) && value.length % 2 === 0;
}

/** Parses 0x-prefixed, even-length hex; `expectedLength` (bytes) is checked when given. */
export function hexToBytes(value: unknown, what: string, expectedLength?: number): Uint8Array {
  if (!isHex(value)) throw new FormatError(`${what} must be 0x-prefixed hex with an even number of digits`);
  const bytes = viemHexToBytes(value);
  if (expectedLength !== undefined && bytes.length !== expectedLength) {
    throw new FormatError(`${what} must be ${expectedLength} bytes, got ${bytes.length}`);
  }
  return bytes;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Padded standard base64 (bulk bytes in JSON: a third smaller than hex). */
export function toBase64(bytes: Uint8Array): string {
  return base64.encode(bytes);
}

/** Decodes padded standard base64; FormatError on any other character, a bad length or bad padding. */
export function fromBase64(text: string, what: string): Uint8Array {
  if (typeof text !== 'string') throw new FormatError(`${what} must be padded base64`);
  try {
    return base64.decode(text);
  } catch {
    throw new FormatError(`${what} must be padded base64`);
  }
}

export const UINT64_MAX = (1n << 64n) - 1n;
export const UINT256_MAX = (1n << 256n) - 1n;
/** Big-endian unsigned integer of `width` bytes (throws RangeError when it does not fit). */
export function uintBytes(value: bigint, width: number, what: string): Uint8Array {
  if (typeof value !== 'bigint' || value < 0n || value >> BigInt(8 * width) !== 0n) {
    throw new RangeError(`${what} must be a bigint in [0, 2^${8 * width})`);
  }
  const out = new Uint8Array(width);
  let rest = value;
  for (let i = width - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

export function bytesToUint(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = 0; i < bytes.length; i++) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

/** Appends big-endian fields to a growing list of parts; `finish` concatenates them. */
export class ByteWriter {
  private readonly parts: Uint8Array[] = [];

  bytes(value: Uint8Array): this {
    this.parts.push(value);
    return this;
  }

  u8(value: number, what: string): this {
    return this.bytes(uintBytes(BigInt(checkSmall(value, 0xff, what)), 1, what));
  }

  u16(value: number, what: string): this {
    return this.bytes(uintBytes(BigInt(checkSmall(value, 0xffff, what)), 2, what));
  }

  u32(value: number, what: string): this {
    return this.bytes(uintBytes(BigInt(checkSmall(value, 0xffffffff, what)), 4, what));
  }

  uint(value: bigint, width: number, what: string): this {
    return this.bytes(uintBytes(value, width, what));
  }

  /** A u32 length followed by the bytes. */
  lengthPrefixed(value: Uint8Array, maxLength: number, what: string): this {
    if (value.length > maxLength) throw new RangeError(`${what} is ${value.length} bytes, more than ${maxLength}`);
    return this.u32(value.length, `${what} length`).bytes(value);
  }

  finish(): Uint8Array {
    return concatBytes(this.parts);
  }
}

function checkSmall(value: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new RangeError(`${what} must be an integer in [0, ${max}]`);
  return value;
}

/** Reads big-endian fields; every read checks the remaining length and throws FormatError naming the field. */
export class ByteReader {
  private offset = 0;

  constructor(
    private readonly data: Uint8Array,
    private readonly format: string,
  ) {}

  get remaining(): number {
    return this.data.length - this.offset;
  }

  bytes(length: number, what: string): Uint8Array {
    if (length > this.remaining) {
      throw new FormatError(
        `${this.format}: ${what} needs ${length} bytes at offset ${this.offset}, ${this.remaining} left`,
      );
    }
    const out = this.data.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  u8(what: string): number {
    return this.bytes(1, what)[0]!;
  }

  u16(what: string): number {
    return Number(bytesToUint(this.bytes(2, what)));
  }

  u32(what: string): number {
    return Number(bytesToUint(this.bytes(4, what)));
  }

  uint(width: number, what: string): bigint {
    return bytesToUint(this.bytes(width, what));
  }

  /** A u32 length (at most `maxLength`) followed by that many bytes. */
  lengthPrefixed(maxLength: number, what: string): Uint8Array {
    const length = this.u32(`${what} length`);
    if (length > maxLength) throw new FormatError(`${this.format}: ${what} is ${length} bytes, more than ${maxLength}`);
    return this.bytes(length, what);
  }

  /** Throws unless every byte was consumed: a canonical encoding has exactly one byte string per value. */
  end(): void {
    if (this.remaining !== 0) throw new FormatError(`${this.format}: ${this.remaining} trailing bytes`);
  }
}
