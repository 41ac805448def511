// The SDK against a real anvil chain with the real contracts and a contract compiled by @mosaic/lang. No node
// runs here (the node's task methods come later): the call goes through committee verification, sealing, fee
// prepayment and Tasks.createTask on chain, and stops at mosaic_submitTask with a clear NodeRpcError.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tasksAbi } from '@mosaic/contracts';
import { compile, contract, fn, pub, reveal, secret } from '@mosaic/lang';
import { MosaicClient, MosaicClientError, NodeRpcError, type TaskProgress } from '../src/index.js';
import { type ClientTestChain, startClientChain } from './chain-fixture.js';

const doubler = compile(
  contract('doubler', {
    functions: {
      scale: fn({ x: secret.int64, k: pub.int32 }, ({ x, k }) => ({ y: x.mul(k), large: reveal(x.gt(100n)) })),
    },
  }),
);

describe('MosaicClient on a real chain', () => {
  let chain: ClientTestChain;
  let client: MosaicClient;

  before(async () => {
    chain = await startClientChain();
    for (const account of chain.accounts.slice(1, 6)) await chain.setupNode(account);
    await chain.advanceEpoch();
    client = await MosaicClient.connect({
      chain: { rpcUrl: chain.anvil.url, account: chain.accounts[0]! },
      addresses: chain.deployment.addresses,
      node: 'http://127.0.0.1:9', // nothing listens: node calls fail, chain calls work
      rpcTimeoutMs: 2000,
    });
  });

  after(async () => {
    await client?.close();
    await chain?.stop();
  });

  it('connect validates its options', async () => {
    await assert.rejects(
      MosaicClient.connect({ chain: { rpcUrl: 'ftp://x' }, addresses: chain.deployment.addresses, node: 'http://x' }),
      MosaicClientError,
    );
    await assert.rejects(
      MosaicClient.connect({ chain: { rpcUrl: chain.anvil.url }, addresses: {} as never, node: 'http://x' }),
      /addresses/,
    );
    await assert.rejects(
      MosaicClient.connect({ chain: { rpcUrl: chain.anvil.url }, addresses: chain.deployment.addresses, node: 'nope' }),
      MosaicClientError,
    );
  });

  it('deploys on chain, reports the failed code upload, estimates, prepays and creates the task', async () => {
    const deployed = await client.deploy(doubler, { n: 5, t: 2 });
    assert.equal(deployed.contractId, 1n);
    assert.equal(deployed.codeHash, doubler.codeHash);
    assert.equal(deployed.codeStored, false);
    assert.match(deployed.codeError ?? '', /mosaic_putCode/);
    await chain.advanceEpoch();

    const handle = client.contract(doubler, deployed.contractId);
    const estimate = await handle.estimate.scale();
    assert.ok(estimate.gasLimit > 0n);
    assert.equal(estimate.fee, estimate.gasLimit * estimate.gasPrice);
    assert.equal(estimate.shortfall, estimate.fee - estimate.balance);

    await assert.rejects(handle.call.scale({ x: 7n, k: 3n }), /below the fee .* deposit/);
    // Bad arguments fail before anything is paid or sent.
    await assert.rejects(handle.call.scale({ x: 1n << 70n, k: 3n }), /does not fit/);
    // @ts-expect-error: x is a secret int64, typed as bigint from the contract source
    await assert.rejects(handle.call.scale({ x: 7, k: 3n }));

    const progress: TaskProgress[] = [];
    await assert.rejects(
      handle.call.scale({ x: 7n, k: 3n }, { autoDeposit: true, onProgress: (p) => progress.push(p) }),
      (error: unknown) => error instanceof NodeRpcError && /mosaic_submitTask/.test(error.message),
    );
    assert.deepEqual(
      progress.map((p) => p.stage),
      ['verified', 'sealed', 'created'],
    );
    const taskId = progress[2]!.taskId!;
    assert.equal(taskId, deployed.contractId << 64n);
    const status = await chain.publicClient.readContract({
      address: chain.deployment.addresses.tasks,
      abi: tasksAbi,
      functionName: 'taskStatus',
      args: [taskId],
    });
    assert.equal(status, 1); // Pending
    assert.equal(await client.balance(), 0n); // the whole deposit is escrowed
  });

  it('refuses to call a contract id that runs other code', async () => {
    const other = compile(contract('other', { functions: { id: fn({ x: secret.int64 }, ({ x }) => ({ x })) } }));
    await assert.rejects(client.contract(other, 1n).call.id({ x: 1n }, { gasLimit: 1n }), /code hash/);
  });
});
