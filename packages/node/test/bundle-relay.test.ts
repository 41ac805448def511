// A member's wait for a task's bundle ends when the bundle is kept, also when it is kept while the wait is
// reading the store (the read returns the old "none"): the wait must not sleep through that arrival until the
// bundle time-out, which made a member miss the first round of a task that had its bundle all along.
import '../src/shim.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { keccak256 } from 'viem';
import type { Committee } from '../src/chain/membership.js';
import { createHost, type Host } from '../src/p2p/host.js';
import { BundleRelay } from '../src/tasks/bundle-relay.js';
import { type TaskEntry, taskKey } from '../src/tasks/task-book.js';

describe('bundle relay', () => {
  let host: Host;
  let relay: BundleRelay | undefined;
  before(async () => {
    host = await createHost();
  });
  after(async () => {
    // Also ends a wait that is still sleeping when the test fails.
    await relay?.stop();
    await host.stop();
  });

  it('a bundle kept while the wait reads the store wakes the wait', { timeout: 60_000 }, async () => {
    const bundle = new Uint8Array([1, 2, 3, 4]);
    const entry = {
      taskId: (7n << 64n) | 3n,
      contractId: 7n,
      sequence: 3n,
      epoch: 1n,
      member: 2,
      bundleHash: keccak256(bundle),
    } as TaskEntry;
    const stored = new Map<string, Uint8Array>();
    let reads = 0;
    const book = {
      waitFor: async () => entry,
      storeBundle: async (e: TaskEntry, b: Uint8Array) => {
        stored.set(taskKey(e.contractId, e.sequence), b);
        return true;
      },
      // The first read sees the store as it was, and the bundle arrives (and is kept) before it returns.
      bundleOf: async (key: string) => {
        const before = stored.get(key);
        if (reads++ === 0) await relay!.submit(entry.taskId, bundle);
        return before;
      },
    };
    const committee = { members: [{ peerId: host.peerId.toString(), index: 2 }] } as unknown as Committee;
    relay = new BundleRelay({
      host,
      book,
      committees: { committee: async () => committee },
      self: host.peerId,
      logger: pino({ level: 'silent' }),
      // Far beyond the test's own time-out: a wait that sleeps through the arrival fails the test.
      bundleTimeoutMs: 10 * 60_000,
    });
    const got = await relay.waitFor(entry);
    assert.deepEqual(got, bundle);
    assert.equal(reads, 2, 'read once more after the arrival');
  });
});
