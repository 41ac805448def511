export { chachaOpen, chachaSeal, nodeAead, nodeX25519 } from '../crypto/node-crypto.js';
export { MemberChannels, type MemberChannelsComponents } from './channels.js';
export {
  type DataRecordOnChain,
  StorageDirectory,
  type StorageDirectoryComponents,
  type StorageMemberInfo,
} from './directory.js';
export { describe as describeStorageError, StorageError, type StorageFailure } from './errors.js';
export { type MemberOutcome, StorageGateway, type StorageGatewayComponents } from './gateway.js';
export { type LocalMember, StorageMember, type StorageMemberComponents } from './member.js';
export { ShareRecovery, type ShareRecoveryComponents } from './recovery.js';
export { RecoveryHelper, type RecoveryHelperComponents } from './recovery-helper.js';
export { type PeerSessions, runRecovery } from './recovery-session.js';
export { registerStorageMethods, StorageErrorCode, type StorageMethodServices } from './rpc.js';
export { keyOf as shareRecordKey, type ShareRecord, ShareStore, ShareStoreError } from './share-store.js';
export {
  StoredInputServer,
  type StoredInputServerComponents,
  type StoredInputTask,
  type TaskLookup,
} from './stored-input-server.js';
export {
  HANDOVER_PROTOCOL,
  HELD_PROTOCOL,
  LOAD_PROTOCOL,
  RECOVER_PROTOCOL,
  RESHARE_PROTOCOL,
  STORE_PROTOCOL,
} from './wire.js';
