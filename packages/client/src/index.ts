// @mosaic/client: the Mosaic SDK for dApps and data owners (keys, deploy, call, results, stored data, committee
// verification), with the wire formats it shares with the node re-exported from @mosaic/protocol.
// Browser-safe: no Node.js module is imported.
export * from '@mosaic/protocol';
export * from './chain/index.js';
export * from './data/index.js';
export * from './errors.js';
export * from './result/index.js';
export * from './rpc/index.js';
export * from './sdk/client.js';
export * from './sdk/contract.js';
export * from './sdk/ledger.js';
export * from './sdk/task.js';
