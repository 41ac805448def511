/**
 * `@mosaic/node/testing`: a local Mosaic network for tests, benchmarks and examples in this repository — a real
 * anvil chain with the contracts deployed (startLedger) and `mosaic node` processes (startNodeProcess,
 * startLocalNetwork). The node processes run the CLI from this monorepo (packages/cli/dist), so this entry point
 * is for the repository's own tests, not for a published install.
 */
export { startLedger, type TestLedger } from './chain.js';
export { type LocalNetwork, type LocalNetworkOptions, startLocalNetwork } from './network.js';
export { type NodeProcess, rpc, startNodeProcess, stepDone } from './node-process.js';
