// @mosaic/protocol: every format the dApp SDK (@mosaic/client) and the node (@mosaic/node) both speak: task
// bundles, sealed envelopes, result envelopes, the stored-data share format, JSON-RPC with binary attachments,
// and one schema per JSON-RPC method (under `rpc`). Browser-safe: no Node.js module is imported.
export * from './bundle/index.js';
export * from './bytes.js';
export * from './data/index.js';
export * from './envelope/index.js';
export * from './errors.js';
export * from './field.js';
export * from './keys/index.js';
export * from './result/index.js';
export * from './rpc/binary.js';
export { type ContractName, MAX_CODE_BYTES, type SubscriptionNotification } from './rpc/core.js';
export * as rpc from './rpc/index.js';
export {
  RECEIPT_STATUSES,
  type ReceiptStatusName,
  receiptStatusName,
  TASK_STATES,
  type TaskState,
} from './rpc/tasks.js';
export { type HexQuantity, toHexQuantity } from './rpc/values.js';
