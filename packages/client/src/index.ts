// @mosaic/client: the Mosaic SDK for dApps and data owners, and the wire formats client and node share
// (keys, sealed envelopes, task bundles, result envelopes). Browser-safe: no Node.js module is imported.
export * from './bundle/index.js';
export * from './bytes.js';
export * from './chain/index.js';
export * from './data/index.js';
export * from './envelope/index.js';
export * from './errors.js';
export * from './field.js';
export * from './keys/index.js';
export * from './result/index.js';
export * from './rpc/index.js';
export * from './sdk/client.js';
export * from './sdk/contract.js';
export * from './sdk/ledger.js';
export * from './sdk/task.js';
