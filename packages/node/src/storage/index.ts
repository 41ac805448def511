export { chachaOpen, chachaSeal, nodeAead, nodeX25519 } from '../crypto/node-crypto.js';
export { registerStorageMethods, StorageErrorCode } from './rpc.js';
export {
  describe as describeStorageError,
  LOAD_PROTOCOL,
  STORE_PROTOCOL,
  StorageError,
  type StorageFailure,
  StorageService,
  type StorageServiceOptions,
} from './service.js';
export { keyOf as shareRecordKey, type ShareRecord, ShareStore, ShareStoreError } from './share-store.js';
export {
  agreedSenders,
  combineSubShares,
  RESHARE_PROTOCOL,
  type StoredInputFetch,
  StoredInputs,
  type StoredInputsOptions,
} from './stored-inputs.js';
