// @mosaic/client: the Mosaic SDK for dApps and data owners, and the wire formats client and node share
// (keys, sealed envelopes, task bundles, result envelopes). Browser-safe: no Node.js module is imported.
export * from './bundle/index.js';
export * from './bytes.js';
export * from './envelope/index.js';
export * from './errors.js';
export * from './field.js';
export * from './keys/index.js';
export * from './result/index.js';
