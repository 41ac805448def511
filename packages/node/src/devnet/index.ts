/**
 * `@mosaic/node/devnet`: the one launcher of a local Mosaic network, for `mosaic devnet`, the tests, the
 * benchmarks and the examples. anvil (from @foundry-rs/anvil) with the suite deployed (startLedger), node processes
 * of this package's `mosaic-node` bin (startNodeProcess), a throwaway network of N nodes for a test
 * (startLocalNetwork), the same across Linux network namespaces with wide-area links (startHostNetwork), and a
 * network kept in a data directory that a second start resumes (Devnet).
 */
export { type PersistentAnvilOptions, startPersistentAnvil } from './anvil.js';
export {
  Devnet,
  type DevnetNetwork,
  type DevnetNode,
  type DevnetOptions,
  type DevnetProgress,
  DevnetStoppedError,
} from './devnet.js';
export * from './hosts/index.js';
export { rpc } from './json-rpc.js';
export {
  type Ledger,
  ledgerOn,
  localDeployer,
  localDeployParameters,
  startLedger,
  type TestLedger,
} from './ledger.js';
export {
  DIAGNOSTIC_LINE,
  type LocalNetwork,
  type LocalNetworkOptions,
  type NodePlacement,
  startLocalNetwork,
} from './network.js';
export {
  localNodeArgs,
  type NodeProcess,
  type NodeProcessOptions,
  startNodeProcess,
  stepDone,
  waitRegistered,
} from './node-process.js';
