// The JSON-RPC method schemas: params read in every spelling docs/json-rpc.md allows, answers read strictly in
// the node's one spelling and decoded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RECEIPT_STATUSES, receiptStatusName, rpc, toBase64 } from '../src/index.js';

const caller = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const hash = `0x${'AB'.repeat(32)}`;

function taskInfo(change: Record<string, unknown> = {}) {
  return {
    taskId: '0x10000000000000000',
    contractId: '0x1',
    selector: '0x0102030A',
    caller,
    epoch: '0x2',
    bundleHash: hash,
    createdBlock: '0x10',
    status: 'receipted',
    updatedAt: 1_700_000_000_000,
    ...change,
  };
}

describe('JSON-RPC method schemas', () => {
  it('read uint64 and uint256 params as a number, a decimal or a 0x string, within bounds', () => {
    for (const contractId of [7, '7', '0x7']) {
      assert.deepEqual(rpc.committee.params.parse({ contractId }), { contractId: 7n });
    }
    assert.equal(rpc.committee.params.safeParse({ contractId: '0x10000000000000000' }).success, false);
    assert.equal(rpc.committee.params.safeParse({ contractId: -1 }).success, false);
    assert.equal(rpc.committee.params.safeParse({ contractId: 1, extra: 1 }).success, false, 'strict');
    assert.deepEqual(rpc.getTask.params.parse({ taskId: '18446744073709551616' }), { taskId: 1n << 64n });
    assert.equal(rpc.getTask.params.safeParse({ taskId: `0x1${'0'.repeat(64)}` }).success, false);
    assert.deepEqual(rpc.submitTask.positional, ['taskId', 'bundle']);
  });

  it('decode a task answer: quantities to bigints, the caller checksummed, hex lowercased, null as absent', () => {
    const info = rpc.taskInfo.parse(taskInfo({ receiptStatus: 'success', error: null }));
    assert.equal(info.taskId, 1n << 64n);
    assert.equal(info.selector, '0x0102030a');
    assert.equal(info.caller, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8');
    assert.equal(info.bundleHash, hash.toLowerCase());
    assert.equal(info.receiptStatus, 'success');
    assert.equal('error' in info, false);
    for (const change of [{ taskId: '0x01' }, { taskId: 1 }, { status: 'done' }, { selector: '0x01' }]) {
      assert.equal(rpc.taskInfo.safeParse(taskInfo(change)).success, false, JSON.stringify(change));
    }
    const result = rpc.taskResult.parse({ taskId: '0x1', status: 'completed', error: null, resultEnvelopes: [] });
    assert.deepEqual(result, { taskId: 1n, status: 'completed', publicOutput: '0x', resultEnvelopes: [] });
  });

  it('take store envelopes as base64 or raw bytes, bounded', () => {
    const store = (envelope: unknown) => ({
      pointer: hash,
      n: 5,
      t: 2,
      segment: 0,
      firstSegment: 0,
      segmentHashes: [hash],
      expiresAt: 1,
      shareHashes: [hash, hash, hash, hash, hash],
      signature: `0x${'11'.repeat(65)}`,
      shares: [{ member: 1, envelope }],
    });
    const bytes = new Uint8Array(100);
    assert.equal(rpc.storeData.params.parse(store(bytes)).shares[0]!.envelope, bytes);
    assert.equal(rpc.storeData.params.parse(store(toBase64(bytes))).layout, 0, 'layout defaults to packed');
    assert.equal(
      rpc.storeData.params.safeParse(store(new Uint8Array(rpc.MAX_SHARE_ENVELOPE_BYTES + 1))).success,
      false,
    );
    assert.equal(rpc.storeData.params.safeParse(store(42)).success, false);
  });

  it('tell a load answer with an envelope from one with an error', () => {
    const answer = rpc.loadData.result.parse({
      pointer: hash,
      segment: 0,
      size: 100,
      epoch: '0x3',
      answers: [
        { member: 1, operator: caller, envelope: 'AAAA', digest: true },
        { member: 2, operator: caller, error: 'unavailable: offline' },
      ],
    });
    assert.equal(answer.epoch, 3n);
    assert.equal(answer.layout, 0);
    assert.ok('envelope' in answer.answers[0]! && answer.answers[0].digest === true);
    assert.ok('error' in answer.answers[1]! && answer.answers[1].error === 'unavailable: offline');
    assert.equal(rpc.loadData.result.safeParse({ ...answer, epoch: '3' }).success, false);
  });

  it('name receipt statuses by their on-chain code', () => {
    assert.deepEqual([1, 2, 3].map(receiptStatusName), [...RECEIPT_STATUSES]);
    assert.throws(() => receiptStatusName(0), RangeError);
  });
});
