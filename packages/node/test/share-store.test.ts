// The at-rest share records (storage/share-store.ts): full shares and seeds round-trip, a seed reads back as
// the share it expands to, and a record edited on disk (bytes or kind) fails authentication.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { vec } from '@mosaic/mpc';
import { DATA_LAYOUTS, expandShareSeed } from '@mosaic/protocol';
import type { Hex } from 'viem';
import { nodeAead } from '../src/crypto/node-crypto.js';
import { Store } from '../src/db/store.js';
import { ShareStore, ShareStoreError } from '../src/storage/share-store.js';

const pointer = `0x${'ab'.repeat(32)}` as Hex;
const base = { pointer, epoch: 3n, n: 5, t: 2, size: 1000, layout: DATA_LAYOUTS.packed, storedAt: 1 } as const;

describe('share records at rest', () => {
  it('keeps full shares and seeds, reads a seed back as its share, and refuses edited records', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mosaic-shares-'));
    const store = await Store.open(dir);
    try {
      const shares = new ShareStore(store, new Uint8Array(randomBytes(32)));
      const seed = new Uint8Array(randomBytes(32));
      const elements = 4096;
      const full = expandShareSeed(new Uint8Array(randomBytes(32)), elements, nodeAead);
      const fullBytes = await shares.put({ ...base, member: 4, segment: 0, share: full });
      const seedBytes = await shares.put({ ...base, member: 1, segment: 1, seed, elements });
      assert.ok(fullBytes > 16 * elements);
      assert.ok(seedBytes < 200, `a seed record is small (${seedBytes} bytes)`);

      const readFull = await shares.get(pointer, 0);
      assert.deepEqual(readFull?.share, full);
      assert.equal(readFull?.member, 4);
      const readSeeded = await shares.get(pointer, 1);
      assert.deepEqual(readSeeded?.share, expandShareSeed(seed, elements, nodeAead));
      assert.equal(vec.size(readSeeded!.share), elements);
      assert.equal(readSeeded?.epoch, 3n);
      assert.deepEqual(
        (await shares.segmentsOf(pointer)).map((r) => r.segment),
        [0, 1],
      );

      assert.throws(
        () => shares.seal({ ...base, member: 1, segment: 2, seed: new Uint8Array(31), elements }),
        ShareStoreError,
      );
      // A flipped ciphertext byte, and a seed record relabelled as a full share (the header is authenticated).
      const key = `${pointer}:00000001`;
      const sealed = (await shares.records.get(key))!;
      const flipped = sealed.slice();
      flipped[flipped.length - 20]! ^= 1;
      assert.throws(() => shares.open(pointer, 1, flipped), /authentication/);
      const relabelled = sealed.slice();
      relabelled.set(new TextEncoder().encode('MDS2'), 0);
      assert.throws(() => shares.open(pointer, 1, relabelled), /authentication/);
      assert.throws(() => shares.open(pointer, 0, sealed), /another pointer or segment/);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
