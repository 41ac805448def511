// The node-facing pieces without a node: answer validation, and result verification and progress following
// driven by an in-memory fetch that answers like a node would (real sealed and signed envelopes).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { field, share, vec } from '@mosaic/mpc';
import { keccak256 } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  bytesToHex,
  concatBytes,
  deserializePendingTask,
  fetchTaskResult,
  generateKeyPair,
  NodeConnection,
  NodeRpcError,
  outputMacKeyOf,
  type PendingTask,
  parseTaskInfo,
  parseTaskResult,
  resultEnvelopeDigest,
  sealResultShares,
  serializePendingTask,
  TaskFailedError,
  type TaskProgress,
  toHexQuantity,
  waitForTask,
} from '../src/index.js';

const members = Array.from({ length: 5 }, (_, i) => privateKeyToAccount(`0x${(i + 1).toString(16).padStart(64, '0')}`));

function taskInfo(taskId: bigint, status: string) {
  return {
    taskId: toHexQuantity(taskId),
    contractId: '0x1',
    selector: '0x01020304',
    caller: members[0]!.address,
    epoch: '0x2',
    bundleHash: `0x${'ab'.repeat(32)}`,
    createdBlock: '0x10',
    status,
    updatedAt: Date.now(),
  };
}

/** A fetch that serves JSON-RPC from `answer(method, params)`. */
function fakeNode(answer: (method: string, params: Record<string, unknown>) => unknown): typeof fetch {
  return (async (_url: string, init: { body: string }) => {
    const request = JSON.parse(init.body);
    let body: unknown;
    try {
      body = { jsonrpc: '2.0', id: request.id, result: answer(request.method, request.params) };
    } catch (error) {
      const { code, message } = error as { code: number; message: string };
      body = { jsonrpc: '2.0', id: request.id, error: { code, message } };
    }
    return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
}

async function pendingTask(): Promise<PendingTask> {
  return {
    chainId: 31337n,
    tasks: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    contractId: 1n,
    selector: '0x01020304',
    epoch: 2n,
    taskId: 1n << 64n,
    bundleHash: `0x${'ab'.repeat(32)}`,
    t: 2,
    operators: members.map((m) => m.address),
    resultKeyPair: await generateKeyPair(),
  };
}

/** The result envelopes honest members (and optionally one lying member) would publish. */
async function resultEnvelopes(task: PendingTask, y: bigint[], liar?: number) {
  const alpha = outputMacKeyOf(task.resultKeyPair.secretKey);
  const shares = share(vec.fromBigInts(y), 5, 2);
  const macs = share(vec.fromBigInts(y.map((v) => field.mul(alpha, v))), 5, 2);
  if (liar) vec.set(shares[liar - 1]!, 0, field.add(vec.get(shares[liar - 1]!, 0), 1n));
  return Promise.all(
    members.map(async (account, i) => {
      const envelope = await sealResultShares(
        { outputShares: shares[i]!, macShares: macs[i]! },
        task.resultKeyPair.publicKey,
        task,
        i + 1,
      );
      const signature = await account.signMessage({ message: { raw: resultEnvelopeDigest(task, i + 1, envelope) } });
      return { member: i + 1, operator: account.address, envelope: bytesToHex(envelope), signature };
    }),
  );
}

describe('node answers are validated', () => {
  it('parses a task and rejects malformed fields', () => {
    const info = parseTaskInfo(taskInfo(5n, 'running'));
    assert.equal(info.taskId, 5n);
    assert.equal(info.status, 'running');
    for (const change of [
      { status: 'done' },
      { taskId: 5 },
      { taskId: '0x05' },
      { selector: '0x01' },
      { caller: '0x12' },
      { updatedAt: 'now' },
      { receiptStatus: 'ok' },
    ]) {
      assert.throws(() => parseTaskInfo({ ...taskInfo(5n, 'running'), ...change }), NodeRpcError);
    }
    assert.throws(() => parseTaskInfo(null), NodeRpcError);
    assert.throws(() => parseTaskResult({ taskId: '0x1', status: 'completed', resultEnvelopes: {} }), NodeRpcError);
    assert.throws(
      () =>
        parseTaskResult({
          taskId: '0x1',
          status: 'completed',
          publicOutput: '0x',
          resultEnvelopes: [{ member: 0, operator: members[0]!.address, envelope: '0x', signature: '0x' }],
        }),
      /member/,
    );
  });

  it('pending tasks round-trip through JSON', async () => {
    const task = await pendingTask();
    const back = await deserializePendingTask(JSON.parse(JSON.stringify(serializePendingTask(task))));
    assert.deepEqual(back, task);
  });
});

describe('task results from a node', () => {
  it('verifies signatures, opens envelopes, reconstructs, and names a lying member', async () => {
    const task = await pendingTask();
    const envelopes = await resultEnvelopes(task, [42n, field.P - 3n], 4);
    const outputHash = keccak256(concatBytes(envelopes.map((e) => keccak256(e.envelope, 'bytes'))));
    const node = new NodeConnection(
      { http: 'http://node.invalid' },
      {
        fetch: fakeNode((method) => {
          assert.equal(method, 'mosaic_getTaskResult');
          return {
            taskId: toHexQuantity(task.taskId),
            status: 'completed',
            publicOutput: '0x',
            outputHash,
            resultEnvelopes: envelopes,
          };
        }),
      },
    );
    const result = await fetchTaskResult(node, task, { expectedCount: 2 });
    assert.deepEqual(vec.toBigInts(result.outputs), [42n, field.P - 3n]);
    assert.ok(result.authenticated);
    assert.deepEqual(
      result.badMembers.map((b) => [b.member, b.operator, b.reason]),
      [[4, members[3]!.address, 'returned a wrong share']],
    );
  });

  it('drops envelopes not signed by their member, and warns on an outputHash mismatch', async () => {
    const task = await pendingTask();
    const envelopes = await resultEnvelopes(task, [9n]);
    envelopes[1] = { ...envelopes[1]!, signature: envelopes[0]!.signature };
    const node = new NodeConnection(
      { http: 'http://node.invalid' },
      {
        fetch: fakeNode(() => ({
          taskId: toHexQuantity(task.taskId),
          status: 'receipted',
          receiptStatus: 'success',
          publicOutput: '0x',
          outputHash: `0x${'00'.repeat(32)}`,
          resultEnvelopes: envelopes.slice(0, 4),
        })),
      },
    );
    const result = await fetchTaskResult(node, task, { expectedCount: 1 });
    assert.deepEqual(vec.toBigInts(result.outputs), [9n]);
    assert.deepEqual(
      result.badMembers.map((b) => [b.member, b.reason.split(' (')[0]]),
      [
        [2, 'envelope not signed by the member'],
        [5, 'no result envelope'],
      ],
    );
    assert.match(result.warnings[0]!, /outputHash/);
  });

  it('a failed task is a TaskFailedError with its reason', async () => {
    const task = await pendingTask();
    const node = new NodeConnection(
      { http: 'http://node.invalid' },
      {
        fetch: fakeNode(() => ({
          taskId: toHexQuantity(task.taskId),
          status: 'failed',
          error: 'member 2 could not open its envelope',
          publicOutput: '0x',
          resultEnvelopes: [],
        })),
      },
    );
    await assert.rejects(
      fetchTaskResult(node, task),
      (e: unknown) => e instanceof TaskFailedError && /open its envelope/.test(e.message),
    );
  });

  it('waitForTask polls through every state until completed, reporting each once', async () => {
    const states = ['created', 'created', 'submitted', 'running', 'running', 'completed'];
    let call = 0;
    const node = new NodeConnection(
      { http: 'http://node.invalid' },
      {
        fetch: fakeNode((method, params) => {
          assert.equal(method, 'mosaic_getTask');
          assert.equal(params.taskId, '0x7');
          if (call === 0) {
            call++;
            throw Object.assign(new Error('unknown task'), { code: -32001 });
          }
          return taskInfo(7n, states[Math.min(call++ - 1, states.length - 1)]!);
        }),
      },
    );
    const progress: TaskProgress[] = [];
    const final = await waitForTask(node, 7n, { pollIntervalMs: 1, onProgress: (p) => progress.push(p) });
    assert.equal(final.status, 'completed');
    assert.deepEqual(
      progress.map((p) => p.stage),
      ['created', 'submitted', 'running', 'completed'],
    );
  });

  it('waitForTask gives up at its deadline with a TaskFailedError', async () => {
    const node = new NodeConnection(
      { http: 'http://node.invalid' },
      { fetch: fakeNode(() => taskInfo(7n, 'running')) },
    );
    await assert.rejects(waitForTask(node, 7n, { pollIntervalMs: 5, timeoutMs: 30 }), TaskFailedError);
  });
});
