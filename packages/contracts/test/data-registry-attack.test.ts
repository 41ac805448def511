// Attacks on DataRegistry from the same block as the victim's store, ordered ahead of it by a higher priority fee:
//  - fee front-running: the owner raises the storage fee just before a store; the store carries the most its
//    sender pays (maxFee) and reverts instead of paying more;
//  - pointer squatting: an attacker copies a pending store's argument into a store of its own; the pointer is
//    derived from the sender (pointerOf(owner, content hash)), so the attacker's record lands elsewhere and the
//    victim's store goes through, owned by the victim.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { type Account, createTestClient, type Hex, http, keccak256, toHex } from 'viem';
import { foundry } from 'viem/chains';
import { dataRegistryAbi } from '../src/index.js';
import { expectRevert, MOS, startChain, type TestChain } from './fixture.js';

describe('attack: front-running a store in DataRegistry', () => {
  let chain: TestChain;
  let snapshot: Hex;
  const FEE = 10n ** 12n; // per byte per epoch (the fixture's default)
  const SIZE = 1000n;
  const EPOCHS = 3n;

  before(async () => {
    chain = await startChain({ epochLength: 50n });
    for (const account of chain.accounts.slice(1, 3)) {
      await chain.send(chain.deployer, chain.c.token, 'transfer', [account.address, 10n * MOS]);
      await chain.send(account, chain.c.token, 'approve', [chain.c.dataRegistry.address, 10n * MOS]);
      await chain.send(account, chain.c.dataRegistry, 'deposit', [MOS]);
    }
  });
  after(() => chain.stop());
  beforeEach(async () => {
    snapshot = await chain.snapshot();
  });
  afterEach(async () => {
    await chain.revert(snapshot);
  });

  /**
   * Sends the transactions unmined, in the order given, each with a lower priority fee than the one before, and
   * mines them together in one block: the first is ordered first. Returns their receipts.
   */
  const sameBlock = async (txs: { from: Account; functionName: string; args: readonly unknown[] }[]) => {
    const testClient = createTestClient({
      chain: { ...foundry, id: chain.anvil.chainId },
      transport: http(chain.anvil.url),
      mode: 'anvil',
    });
    const hashes: Hex[] = [];
    await testClient.setAutomine(false);
    try {
      for (const [i, tx] of txs.entries()) {
        hashes.push(
          await chain.walletOf(tx.from).writeContract({
            address: chain.c.dataRegistry.address,
            abi: dataRegistryAbi,
            functionName: tx.functionName as never,
            args: tx.args as never,
            account: tx.from,
            chain: null,
            gas: 300_000n,
            maxFeePerGas: 100n * 10n ** 9n,
            maxPriorityFeePerGas: BigInt(txs.length - i) * 10n ** 9n,
          }),
        );
      }
      await testClient.mine({ blocks: 1 });
    } finally {
      await testClient.setAutomine(true);
    }
    const receipts = await Promise.all(
      txs.map((_, i) => chain.publicClient.getTransactionReceipt({ hash: hashes[i]! })),
    );
    assert.equal(new Set(receipts.map((r) => r.blockNumber)).size, 1, 'one block');
    return receipts;
  };

  it('a fee raised in the same block before a store makes the store revert instead of paying more', async () => {
    const user = chain.accounts[1]!;
    const content = keccak256(toHex('the user’s data'));
    const quoted = await chain.read<bigint>(chain.c.dataRegistry, 'storageCost', [SIZE, EPOCHS]);
    assert.equal(quoted, SIZE * EPOCHS * FEE);
    const before = await chain.read<bigint>(chain.c.dataRegistry, 'balanceOf', [user.address]);
    const [raise, store] = await sameBlock([
      { from: chain.deployer, functionName: 'setStorageFee', args: [100n * FEE] },
      { from: user, functionName: 'storeData', args: [content, 1, SIZE, EPOCHS, quoted] },
    ]);
    assert.equal(raise!.status, 'success');
    assert.equal(store!.status, 'reverted', 'the store paid the raised fee');
    assert.equal(await chain.read(chain.c.dataRegistry, 'balanceOf', [user.address]), before, 'nothing was charged');
    // Why: the fee now exceeds what the user accepted.
    await expectRevert(
      chain.send(user, chain.c.dataRegistry, 'storeData', [content, 1, SIZE, EPOCHS, quoted]),
      'FeeAboveMax',
      [100n * quoted, quoted],
    );
  });

  it('a copied store lands under the attacker’s own pointer; the victim’s store goes through, owned by the victim', async () => {
    const victim = chain.accounts[1]!;
    const attacker = chain.accounts[2]!;
    const content = keccak256(toHex('the victim’s data'));
    const MAX = 2n ** 256n - 1n;
    const victimPointer = await chain.read<Hex>(chain.c.dataRegistry, 'pointerOf', [victim.address, content]);
    const [squat, store] = await sameBlock([
      { from: attacker, functionName: 'storeData', args: [content, 1, SIZE, EPOCHS, MAX] },
      { from: victim, functionName: 'storeData', args: [content, 1, SIZE, EPOCHS, MAX] },
    ]);
    assert.equal(squat!.status, 'success');
    assert.equal(store!.status, 'success', 'the victim’s store reverted (its pointer was taken)');
    const record = await chain.read<{ owner: string }>(chain.c.dataRegistry, 'dataOf', [victimPointer]);
    assert.equal(record.owner, victim.address);
    // The attacker cannot name the victim's pointer either: what it registers is derived from its own address.
    const squatted = await chain.read<Hex>(chain.c.dataRegistry, 'pointerOf', [attacker.address, content]);
    assert.notEqual(squatted, victimPointer);
    assert.equal(
      (await chain.read<{ owner: string }>(chain.c.dataRegistry, 'dataOf', [squatted])).owner,
      attacker.address,
    );
  });
});
