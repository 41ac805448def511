// Epochs: advancing, seeds, snapshots (shared when unchanged), committeeOf against the TypeScript walk, and the
// login / logout / unbonding timeline across several epochs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Account, encodeAbiParameters, type Hex, keccak256 } from 'viem';
import { contractSelectionId, MIN_STAKE, selectCommitteeMembers } from '../src/index.js';
import { advanceEpoch, eventsOf, expectRevert, MOS, setupNode, startChain, type TestChain } from './fixture.js';

describe('Epochs', () => {
  let chain: TestChain;
  let nodes: Account[];
  before(async () => {
    chain = await startChain({ epochLength: 10n });
    nodes = chain.accounts.slice(1, 7);
  });
  after(() => chain.stop());

  it('starts at epoch 0 with no nodes and refuses to advance early', async () => {
    assert.equal(await chain.read(chain.c.epochs, 'currentEpoch'), 0n);
    assert.equal(await chain.read(chain.c.epochs, 'epochCount'), 1n);
    assert.equal(await chain.read(chain.c.epochs, 'epochLength'), 10n);
    assert.equal(await chain.read(chain.c.epochs, 'registry'), chain.c.nodeRegistry.address);
    const [, start, count, total] = await chain.read<[Hex, bigint, bigint, bigint]>(chain.c.epochs, 'epochInfo', [0n]);
    assert.equal(count, 0n);
    assert.equal(total, 0n);
    assert.equal(await chain.read(chain.c.epochs, 'nextAdvanceBlock'), start + 10n);
    await expectRevert(chain.send(chain.deployer, chain.c.epochs, 'advanceEpoch'), 'EpochNotOver', [0n, start + 10n]);
    await expectRevert(chain.read(chain.c.epochs, 'seedOf', [1n]), 'UnknownEpoch', [1n]);
    await expectRevert(
      chain.read(chain.c.epochs, 'committeeOf', [contractSelectionId(1n), 0n, 1n]),
      'CommitteeTooLarge',
    );
    assert.deepEqual(await chain.read(chain.c.epochs, 'snapshotOf', [0n]), [[], []]);
  });

  it('advances in two steps: a snapshot, then the seed from a block SEED_DELAY later', async () => {
    for (const [i, node] of nodes.entries()) await setupNode(chain, node, MIN_STAKE + BigInt(i) * 1000n * MOS);
    const previousSeed = await chain.read<Hex>(chain.c.epochs, 'seedOf', [0n]);
    const next = await chain.read<bigint>(chain.c.epochs, 'nextAdvanceBlock');
    await chain.mine(Number(next - (await chain.blockNumber()) - 1n));
    const delay = await chain.read<bigint>(chain.c.epochs, 'SEED_DELAY');
    assert.ok(delay >= 2n, 'the seed block must lie beyond the RANDAO look-ahead of the snapshot block');
    const snapshotReceipt = await chain.send(chain.accounts[9]!, chain.c.epochs, 'advanceEpoch'); // anyone may
    const [snapshotted] = eventsOf(chain.c.epochs, snapshotReceipt, 'EpochSnapshotted');
    assert.equal(snapshotted!.args.epoch, 1n);
    assert.equal(snapshotted!.args.seedBlock, snapshotReceipt.blockNumber + delay);
    assert.equal(snapshotted!.args.nodeCount, 6n);
    assert.equal(eventsOf(chain.c.epochs, snapshotReceipt, 'EpochAdvanced').length, 0);
    assert.equal(await chain.read(chain.c.epochs, 'epochCount'), 1n);
    assert.equal(await chain.read(chain.c.epochs, 'nextAdvanceBlock'), snapshotReceipt.blockNumber + delay);
    // Too early for the seed: the block whose randomness seeds the epoch does not exist yet.
    await expectRevert(chain.send(chain.deployer, chain.c.epochs, 'advanceEpoch'), 'SeedNotReady', [
      1n,
      snapshotReceipt.blockNumber + delay,
    ]);
    // A stake change after the snapshot does not count for this epoch.
    await chain.send(chain.deployer, chain.c.token, 'transfer', [nodes[0]!.address, MOS]);
    await chain.send(nodes[0]!, chain.c.token, 'approve', [chain.c.nodeRegistry.address, MOS]);
    await chain.send(nodes[0]!, chain.c.nodeRegistry, 'deposit', [MOS]);
    const pendingStake = (await chain.read<[bigint, bigint, bigint]>(chain.c.epochs, 'pendingSnapshot'))[2];
    const seedBlock = snapshotReceipt.blockNumber + delay;
    await chain.mine(Number(seedBlock - (await chain.blockNumber()) - 1n));
    const receipt = await chain.send(chain.accounts[9]!, chain.c.epochs, 'advanceEpoch');
    assert.equal(receipt.blockNumber, seedBlock);
    const block = await chain.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    const expectedSeed = keccak256(
      encodeAbiParameters(
        [{ type: 'bytes32' }, { type: 'uint256' }, { type: 'uint256' }],
        [previousSeed, BigInt(block.mixHash), 1n],
      ),
    );
    const [event] = eventsOf(chain.c.epochs, receipt, 'EpochAdvanced');
    assert.equal(event!.args.epoch, 1n);
    assert.equal(event!.args.seed, expectedSeed);
    assert.equal(event!.args.startBlock, receipt.blockNumber + 1n);
    assert.equal(event!.args.nodeCount, 6n);
    // The advance block still belongs to epoch 0; epoch 1 begins in the next block.
    assert.equal(await chain.read(chain.c.epochs, 'currentEpoch'), 0n);
    await chain.mine(1);
    assert.equal(await chain.read(chain.c.epochs, 'currentEpoch'), 1n);
    const [, end0] = await chain.read<[bigint, bigint]>(chain.c.epochs, 'epochBounds', [0n]);
    assert.equal(end0, receipt.blockNumber + 1n);
    const [start, end] = await chain.read<[bigint, bigint]>(chain.c.epochs, 'epochBounds', [1n]);
    assert.equal(start, receipt.blockNumber + 1n);
    assert.equal(end, 2n ** 64n - 1n);
    const snapshot = await chain.read<[Hex[], bigint[]]>(chain.c.epochs, 'snapshotOf', [1n]);
    const [activeNow, stakesNow] = await chain.read<[Hex[], bigint[]]>(chain.c.nodeRegistry, 'activeSet');
    assert.deepEqual(snapshot[0], activeNow);
    // The snapshot holds the stakes as they were at step 1, before the late deposit.
    assert.equal(snapshot[1][0], stakesNow[0]! - MOS);
    assert.deepEqual(snapshot[1].slice(1), stakesNow.slice(1));
    const [seed, , count, total] = await chain.read<[Hex, bigint, bigint, bigint]>(chain.c.epochs, 'epochInfo', [1n]);
    assert.equal(seed, expectedSeed);
    assert.equal(count, 6n);
    assert.equal(
      total,
      snapshot[1].reduce((a, b) => a + b, 0n),
    );
    assert.equal(total, pendingStake);
    await expectRevert(chain.read(chain.c.epochs, 'epochBounds', [2n]), 'UnknownEpoch');
  });

  it('committeeOf matches the TypeScript stake walk on the snapshot', async () => {
    const snapshot = await chain.read<[Hex[], bigint[]]>(chain.c.epochs, 'snapshotOf', [1n]);
    const seed = await chain.read<Hex>(chain.c.epochs, 'seedOf', [1n]);
    for (let id = 1n; id <= 10n; id++) {
      for (const size of [1, 3, 6]) {
        const onChain = await chain.read(chain.c.epochs, 'committeeOf', [contractSelectionId(id), 1n, BigInt(size)]);
        const inTs = selectCommitteeMembers(
          seed,
          contractSelectionId(id),
          { operators: snapshot[0], stakes: snapshot[1] },
          size,
        );
        assert.deepEqual(onChain, inTs);
      }
    }
    await expectRevert(
      chain.read(chain.c.epochs, 'committeeOf', [contractSelectionId(1n), 1n, 7n]),
      'CommitteeTooLarge',
      [7n, 6n],
    );
    await expectRevert(chain.read(chain.c.epochs, 'committeeOf', [contractSelectionId(1n), 1n, 0n]), 'EmptyCommittee');
  });

  it('shares the previous snapshot when the active set did not change', async () => {
    // Epoch 2 takes in the deposit made after epoch 1's snapshot; epoch 3 changes nothing.
    assert.equal(await advanceEpoch(chain), 2n);
    let gas = 0n;
    let receipt!: Awaited<ReturnType<TestChain['send']>>;
    for (let step = 0; step < 2; step++) {
      const next = await chain.read<bigint>(chain.c.epochs, 'nextAdvanceBlock');
      await chain.mine(Number(next - (await chain.blockNumber()) - 1n));
      receipt = await chain.send(chain.deployer, chain.c.epochs, 'advanceEpoch');
      gas += receipt.gasUsed;
    }
    await chain.mine(1);
    const [event] = eventsOf(chain.c.epochs, receipt, 'EpochAdvanced');
    const previous = (
      await chain.publicClient.getContractEvents({
        address: chain.c.epochs.address,
        abi: chain.c.epochs.abi,
        eventName: 'EpochAdvanced',
        fromBlock: 0n,
      })
    ).map((log) => (log as unknown as { args: { snapshot: string } }).args.snapshot);
    assert.equal(event!.args.snapshot, previous[2]);
    assert.ok(gas < 200_000n, `an unchanged advance (both steps) used ${gas} gas`);
    assert.deepEqual(
      await chain.read(chain.c.epochs, 'snapshotOf', [3n]),
      await chain.read(chain.c.epochs, 'snapshotOf', [2n]),
    );
  });

  it('timeline: login and logout take effect at the next snapshot; unbonding lasts one full epoch', async () => {
    // Epoch 3 now. A node logs out during epoch 3: it stays in epoch 3's snapshot.
    const leaving = nodes[0]!;
    const epochNow = await chain.read<bigint>(chain.c.epochs, 'currentEpoch');
    assert.equal(epochNow, 3n);
    await chain.send(leaving, chain.c.nodeRegistry, 'logout');
    const [inSnapshot3] = await chain.read<[Hex[]]>(chain.c.epochs, 'snapshotOf', [3n]);
    assert.ok(inSnapshot3.includes(leaving.address));
    // A new node logs in during epoch 3: absent from 3, present from 4.
    const joining = chain.accounts[8]!;
    await setupNode(chain, joining);
    assert.equal(await advanceEpoch(chain), 4n);
    const [inSnapshot4] = await chain.read<[Hex[]]>(chain.c.epochs, 'snapshotOf', [4n]);
    assert.ok(!inSnapshot4.includes(leaving.address));
    assert.ok(inSnapshot4.includes(joining.address));
    // Epoch 4 is the full unbonding epoch; withdraw works from epoch 5.
    await expectRevert(chain.send(leaving, chain.c.nodeRegistry, 'withdraw', [1n]), 'Unbonding', [4n, 5n]);
    assert.equal(await advanceEpoch(chain), 5n);
    await chain.send(leaving, chain.c.nodeRegistry, 'withdraw', [MIN_STAKE]);
    // Logging back in restarts nothing: a later logout unbonds again from its own epoch.
    await chain.send(chain.deployer, chain.c.token, 'transfer', [leaving.address, MIN_STAKE]);
    await chain.send(leaving, chain.c.token, 'approve', [chain.c.nodeRegistry.address, MIN_STAKE]);
    await chain.send(leaving, chain.c.nodeRegistry, 'deposit', [MIN_STAKE]);
    await chain.send(leaving, chain.c.nodeRegistry, 'login');
    assert.equal(await advanceEpoch(chain), 6n);
    await chain.send(leaving, chain.c.nodeRegistry, 'logout');
    const info = await chain.read<{ withdrawableFromEpoch: bigint }>(chain.c.nodeRegistry, 'nodeOf', [leaving.address]);
    assert.equal(info.withdrawableFromEpoch, 8n);
  });

  it('a snapshot whose seed window passed is taken again, with the stakes of that moment', async () => {
    const epoch = await chain.read<bigint>(chain.c.epochs, 'currentEpoch');
    const next = await chain.read<bigint>(chain.c.epochs, 'nextAdvanceBlock');
    await chain.mine(Number(next - (await chain.blockNumber()) - 1n));
    const first = await chain.send(chain.deployer, chain.c.epochs, 'advanceEpoch');
    const [delay, window] = await Promise.all([
      chain.read<bigint>(chain.c.epochs, 'SEED_DELAY'),
      chain.read<bigint>(chain.c.epochs, 'SEED_WINDOW'),
    ]);
    // Nobody draws the seed within the window: the snapshot expires.
    await chain.mine(Number(delay + window));
    assert.deepEqual(await chain.read(chain.c.epochs, 'pendingSnapshot'), [0n, 0n, 0n]);
    const joining = chain.accounts[7]!;
    await setupNode(chain, joining);
    const retake = await chain.send(chain.deployer, chain.c.epochs, 'advanceEpoch');
    const [snapshotted] = eventsOf(chain.c.epochs, retake, 'EpochSnapshotted');
    assert.equal(snapshotted!.args.epoch, epoch + 1n);
    assert.equal(snapshotted!.args.seedBlock, retake.blockNumber + delay);
    assert.ok(retake.blockNumber > first.blockNumber + delay + window);
    assert.equal(eventsOf(chain.c.epochs, retake, 'EpochAdvanced').length, 0);
    await chain.mine(Number(delay - 1n));
    await chain.send(chain.deployer, chain.c.epochs, 'advanceEpoch');
    await chain.mine(1);
    assert.equal(await chain.read(chain.c.epochs, 'currentEpoch'), epoch + 1n);
    const [operators] = await chain.read<[Hex[]]>(chain.c.epochs, 'snapshotOf', [epoch + 1n]);
    assert.ok(operators.includes(joining.address), 'the retaken snapshot has the node that logged in since');
  });
});
