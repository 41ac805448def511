/**
 * @mosaic/mpc: secure multi-party computation over F_p, p = 2^127 - 1, for an honest majority (n >= 2t + 1).
 * Browser-safe: no Node.js module is imported anywhere in this package.
 */
export * as field from './field/prime.js';
export type { FieldVector } from './field/vector.js';
export * as vec from './field/vector.js';
export { andAll, composeBits, lessThanPublic, publicBit } from './protocols/bitwise.js';
export {
  equals,
  equalsZero,
  greaterOrEqual,
  greaterThan,
  INT_BITS,
  KAPPA,
  lessOrEqual,
  lessThan,
  lessThanZero,
  not,
} from './protocols/compare.js';
export {
  DEFAULT_FIXED,
  decodeFixed,
  encodeFixed,
  type FixedPointFormat,
  fixedMul,
  truncate,
} from './protocols/fixed-point.js';
export { mul, square } from './protocols/multiply.js';
export { blockBounds, kingOf, open, openTo } from './protocols/open.js';
export { type DoubleSharings, Preprocessing } from './protocols/preprocessing.js';
export { dealtBounded, randomBits } from './protocols/randomness.js';
export { BOOLEAN_RANGE, outOfRange, rangeCheckDoubleSharings, type ValueRange } from './protocols/range-check.js';
export { type ReshareRoles, reshare } from './protocols/reshare.js';
export { select } from './protocols/select.js';
export * from './runtime/errors.js';
export * from './runtime/frame.js';
export { MemoryNetwork } from './runtime/memory-transport.js';
export { Party, type PartyOptions, type PartyStats } from './runtime/party.js';
export { runParties } from './runtime/simulate.js';
export type { Transport } from './runtime/transport.js';
export { interpolationMatrix, lagrangeCoefficients, partyPoints, vandermonde } from './sharing/lagrange.js';
export { checkThreshold, reconstruct, share } from './sharing/shamir.js';
