/**
 * @mosaic/node: the secret node daemon. `MosaicNode.start(config)` walks the seven lifecycle steps; the
 * building blocks (store, chain listener, membership, RPC registry, MPC streams, libp2p host, keys, config)
 * are exported for the parts that come next and for embedding.
 */
import './shim.js';

export { type ChainClients, connectChain, DeploymentError } from './chain/deployment.js';
export {
  type AnyChainEvent,
  type ChainEvent,
  CONTRACT_ABIS,
  type ContractName,
  comparePositions,
  type EventArgsOf,
  type EventNameOf,
  type EventPosition,
} from './chain/events.js';
export {
  ChainListener,
  type ChainListenerOptions,
  CURSOR_KEY,
  type Cursor,
  type EventHandler,
} from './chain/listener.js';
export {
  ChainMembership,
  type Committee,
  type CommitteeMember,
  MembershipError,
  peerIdFromBytes,
  peerIdToBytes,
  sessionIdFor,
} from './chain/membership.js';
export { ensureRegistered, type RegistrationOptions, type RegistrationOutcome } from './chain/registration.js';
export { SecretContractIndex, type SecretContractRecord } from './chain/secret-contracts.js';
export { ConfigError, ENVIRONMENT, type LoadConfigOptions, loadConfig, parseConfig } from './config/load.js';
export { type NodeConfig, type NodeConfigInput, nodeConfigSchema } from './config/schema.js';
export { CODE_PROTOCOL, CodeError, CodeService, codeCid, codeHashOf, MAX_CODE_BYTES } from './content/code.js';
export { bytesCodec, type Codec, jsonCodec, StoreDecodeError } from './db/codecs.js';
export { Namespace, type RangeOptions, Store, StoreError, WriteBatch } from './db/store.js';
export { DataHandover, type DataHandoverComponents } from './epoch/data-handover.js';
export {
  AT_REST_FILE,
  AtRestKeyringError,
  type AtRestRoots,
  loadAtRestRoots,
} from './keys/at-rest-keyring.js';
export { WrongPassphraseError } from './keys/encryption.js';
export {
  createKeys,
  KEY_FILE,
  KeyFileError,
  type KeystoreOptions,
  loadKeys,
  loadOrCreateKeys,
  type NodeKeys,
} from './keys/keystore.js';
export { type RotationOptions, type RotationResult, rotateAtRestKey } from './keys/rotate-at-rest.js';
export { configFromFlags, type NodeFlags, runNode } from './lifecycle/run-node.js';
export { stopOnSignals } from './lifecycle/signals.js';
export { LIFECYCLE_STEPS, Lifecycle, type StepName, type StepState, type StepStatus } from './lifecycle/steps.js';
export { createLogger, type Logger } from './log.js';
export { NodeMetrics } from './metrics/metrics.js';
export { MosaicNode, type StartNodeOptions } from './node.js';
export { type BootstrapOptions, type BootstrapResult, bootstrap } from './p2p/bootstrap.js';
export { ConnectionKeeper } from './p2p/discovery.js';
export { codeRecordKey, createHost, type Host, type HostOptions, MOSAIC_DHT_PROTOCOL } from './p2p/host.js';
export { PROTOCOL as MPC_PROTOCOL } from './p2p/wire.js';
export { RpcError, RpcErrorCode } from './rpc/errors.js';
export { OPERATOR_TOKEN_FILE, readOperatorToken } from './rpc/operator-token.js';
export {
  parseParams,
  type RpcContext,
  type RpcMethod,
  RpcRegistry,
  type RpcTopic,
  type SubscriptionSink,
  schemas as rpcSchemas,
} from './rpc/registry.js';
export { RpcServer, type RpcServerOptions, stringify as rpcStringify } from './rpc/server.js';
export {
  type CommitteeSession,
  type CommitteeSessionOptions,
  CommitteeSessions,
  type PeerSessionOptions,
  SessionBindings,
} from './sessions/committee-sessions.js';
export {
  type IsMember,
  MpcStreams,
  type MpcStreamsOptions,
  type Refusal,
  type SessionOptions,
  sessionKey,
} from './sessions/libp2p-transport.js';
export * from './storage/index.js';
export { BundleRelay, TASK_BUNDLE_PROTOCOL } from './tasks/bundle-relay.js';
export { ContractModules } from './tasks/contract-modules.js';
export { RECEIPT_SIGN_PROTOCOL, ReceiptBatcher } from './tasks/receipt-batcher.js';
export { TASK_RESULT_PROTOCOL, TaskResults } from './tasks/results.js';
export { registerTaskMethods, taskInfo } from './tasks/rpc.js';
export {
  agreedSenders,
  combineSubShares,
  type StoredInputFetch,
  StoredInputFetcher,
  type StoredInputFetcherComponents,
} from './tasks/stored-inputs.js';
export { TaskBook, type TaskEntry, type TaskStatus } from './tasks/task-book.js';
export { TaskServices, type TaskServicesComponents, type TaskSettings } from './tasks/task-services.js';
export { NODE_VERSION } from './version.js';
