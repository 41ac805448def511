/**
 * Rotation of the at-rest key (docs/security.md, "Rotating the at-rest key"), run while the node is stopped (the
 * store's lock refuses a second opener). Three steps, each durable before the next:
 *   1. a fresh root becomes current in the keyring file, the earlier roots kept as `previous`;
 *   2. every data share and contract state record not sealed under the current root is sealed again under it
 *      (same header and plaintext), written back in fsynced batches;
 *   3. the keyring drops the previous roots.
 * Killed anywhere, every record still opens (under the current root or a previous one, both in the keyring),
 * and running the rotation again resumes: with previous roots in the keyring, step 1 is skipped.
 */
import { join } from 'node:path';
import { Store } from '../db/store.js';
import { ShareStore } from '../storage/share-store.js';
import { StateStore } from '../tasks/state-store.js';
import { loadAtRestRoots, newAtRestRoot, writeAtRestRoots } from './at-rest-keyring.js';

export interface RotationOptions {
  /** Records per durable write batch (default 256). */
  batchSize?: number;
  /** Called after each batch with the records sealed again so far. */
  onProgress?: (resealed: number) => void;
}

export interface RotationResult {
  /** Whether an interrupted rotation was resumed (no new root was drawn). */
  resumed: boolean;
  /** Records sealed again under the new root by this run. */
  resealed: number;
  /** Records looked at. */
  records: number;
}

export async function rotateAtRestKey(
  dataDir: string,
  x25519SecretKey: Uint8Array,
  options: RotationOptions = {},
): Promise<RotationResult> {
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  let roots = await loadAtRestRoots(dataDir, x25519SecretKey);
  const resumed = roots.previous.length > 0;
  if (!resumed) {
    roots = { current: newAtRestRoot(), previous: [roots.current] };
    await writeAtRestRoots(dataDir, x25519SecretKey, roots);
  }
  const store = await Store.open(join(dataDir, 'store'));
  let resealed = 0;
  let records = 0;
  try {
    const shares = new ShareStore(store, roots);
    const state = new StateStore(store, roots);
    const stores = [
      { namespace: shares.records, reseal: (_key: string, bytes: Uint8Array) => shares.resealed(bytes) },
      { namespace: state.records, reseal: (key: string, bytes: Uint8Array) => state.resealed(key, bytes) },
    ];
    for (const { namespace, reseal } of stores) {
      let pending: [string, Uint8Array][] = [];
      const flush = async () => {
        if (pending.length === 0) return;
        const batch = store.batch();
        for (const [key, value] of pending) batch.put(namespace, key, value);
        await batch.write();
        resealed += pending.length;
        pending = [];
        options.onProgress?.(resealed);
      };
      for await (const [key, bytes] of namespace.entries()) {
        records++;
        const fresh = reseal(key, bytes);
        if (fresh === undefined) continue;
        pending.push([key, fresh]);
        if (pending.length >= batchSize) await flush();
      }
      await flush();
    }
  } finally {
    await store.close();
  }
  await writeAtRestRoots(dataDir, x25519SecretKey, { current: roots.current, previous: [] });
  return { resumed, resealed, records };
}
