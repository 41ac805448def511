// Secret contracts computing on stored data: five node processes (real libp2p), a real anvil chain and
// the client SDK. An owner stores int64 samples and grants two services; a service calls a stateless secret
// contract whose input is the data's pointer: the storage committee checks the caller's permission on chain and
// reshares the values to the compute committee, which computes on them with the service's own secret argument.
// After a revocation the service's next call is skipped at every member with the access reason; the other
// service still computes; a pointer that does not exist and a caller without a grant fail cleanly.
import '../src/shim.js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MosaicClient, TaskFailedError, toHex32 } from '@mosaic/client';
import { ANVIL_MNEMONIC } from '@mosaic/contracts/node';
import { compile, contract, fn, reveal, secret, stored } from '@mosaic/lang';
import { bytesToHex } from 'viem';
import { type HDAccount, mnemonicToAccount } from 'viem/accounts';
import { WebSocket } from 'ws';
import { nodeAead } from '../src/crypto/node-crypto.js';
import { type NodeProcess, rpc } from '../src/devnet/index.js';
import type { TestLedger } from '../src/devnet/ledger.js';
import { type LocalNetwork, startLocalNetwork } from '../src/devnet/network.js';

const TYPE_HEALTH = 4;
const SAMPLES = [120n, -35n, 7n, 1_000_000n, 0n, -2n];

const Stats = contract('StoredStats', {
  functions: {
    stats: fn({ samples: stored.int64(SAMPLES.length), offset: secret.int64 }, ({ samples, offset }) => {
      const sum = samples.sum();
      return {
        // Private to the caller: the sum plus the caller's own secret argument, and the mean.
        shifted: sum.add(offset),
        mean: sum
          .assumeBits(40)
          .toFixed()
          .mul(1 / SAMPLES.length),
        // Public, in the receipt.
        count: reveal(samples.gt(0n).toInt().sum()),
      };
    }),
  },
});

describe('secret contracts computing on stored data', { timeout: 180_000 }, () => {
  let network: LocalNetwork;
  let ledger: TestLedger;
  let nodes: NodeProcess[];
  const accounts: Record<'owner' | 'appX' | 'appY' | 'stranger', HDAccount> = {} as never;
  const clients: Record<string, MosaicClient> = {};

  before(async () => {
    network = await startLocalNetwork({ count: 5 });
    ({ ledger, nodes } = network);
    const names = ['owner', 'appX', 'appY', 'stranger'] as const;
    for (const [i, name] of names.entries()) {
      accounts[name] = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 21 + i });
      await ledger.fundEth(accounts[name].address);
      await ledger.fundMos(accounts[name].address);
      clients[name] = await MosaicClient.connect({
        chain: { rpcUrl: ledger.url, account: bytesToHex(accounts[name].getHdKey().privateKey!) },
        addresses: ledger.addresses,
        node: nodes[i % nodes.length]!.rpcUrl(),
        aead: nodeAead,
        WebSocket: WebSocket as never,
      });
    }
  });
  after(async () => {
    if (process.env.MOSAIC_E2E_LOGS) for (const line of network?.timeline() ?? []) console.error(line);
    await network?.stop();
  });

  it('computes on granted stored data, refuses after revocation, a missing pointer and a caller without a grant', async () => {
    const compiled = compile(Stats);
    const deployed = await clients.appX!.deploy(compiled, { n: 5, t: 2 });
    await ledger.advanceEpoch();

    // The owner stores int64 samples (one field element per value) and grants X and Y.
    const owner = clients.owner!;
    const data = await owner.data.store({ encoding: 'int64', value: SAMPLES }, { dataType: TYPE_HEALTH });
    assert.deepEqual((await owner.data.load(data.pointer)).data, { encoding: 'int64', value: SAMPLES });
    await owner.data.grant(accounts.appX.address, [TYPE_HEALTH]);
    await owner.data.grant(accounts.appY.address, [TYPE_HEALTH]);

    const sum = SAMPLES.reduce((a, b) => a + b, 0n);
    const call = (who: 'appX' | 'appY' | 'stranger', pointer = data.pointer, offset = 5n) =>
      clients[who]!.contract(compiled, deployed.contractId).call.stats(
        { samples: pointer, offset },
        { autoDeposit: true, timeoutMs: 60_000 },
      );

    const x = await call('appX', data.pointer, 1_000n);
    assert.equal(x.outputs.shifted, sum + 1_000n);
    // 1/6 as a fixed-point constant (16 fractional bits) is off by at most 2^-17: a relative error below 1e-4.
    const mean = Number(sum) / SAMPLES.length;
    assert.ok(Math.abs(x.outputs.mean - mean) < Math.abs(mean) * 1e-4, `mean ${x.outputs.mean}, expected ${mean}`);
    assert.equal(x.outputs.count, 3n);
    assert.deepEqual(x.badMembers, []);

    // Revoked: X's next call is skipped at every member, with the access reason.
    await owner.data.revoke(accounts.appX.address);
    const denied = await call('appX').then(
      () => assert.fail('the call after revocation succeeded'),
      (error: unknown) => error,
    );
    assert.ok(denied instanceof TaskFailedError, String(denied));
    assert.equal(denied.status, 'skipped');
    assert.match(denied.message, new RegExp(`stored input samples: access denied for caller ${accounts.appX.address}`));
    for (const node of nodes) {
      const info = (await rpc(node.rpcUrl(), 'mosaic_getTask', { taskId: `0x${denied.taskId.toString(16)}` })) as {
        receiptStatus?: string;
        error?: string;
      };
      assert.equal(info.receiptStatus, 'skipped');
      assert.match(String(info.error), /access denied for caller/);
    }

    // Y still computes on the same data.
    const y = await call('appY', data.pointer, -7n);
    assert.equal(y.outputs.shifted, sum - 7n);
    assert.equal(y.outputs.count, 3n);

    // A pointer with no record, and a caller who was never granted anything.
    const missing = toHex32(new Uint8Array(randomBytes(32)));
    await assert.rejects(call('appY', missing), (e: unknown) => {
      assert.ok(e instanceof TaskFailedError);
      assert.match(e.message, /stored input samples: no data is recorded under/);
      return true;
    });
    await assert.rejects(call('stranger'), (e: unknown) => {
      assert.ok(e instanceof TaskFailedError);
      assert.match(e.message, new RegExp(`access denied for caller ${accounts.stranger.address}`));
      return true;
    });
  });
});
