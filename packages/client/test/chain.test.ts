// Committee verification, deploy and createTask against a real anvil chain with the real contracts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MIN_STAKE, nodeRegistryAbi, tasksAbi } from '@mosaic/contracts';
import { vec } from '@mosaic/mpc';
import { keccak256, parseEventLogs, toHex } from 'viem';
import {
  CommitteeVerificationError,
  createTask,
  deploySecretContract,
  depositFees,
  feeBalance,
  generateKeyPair,
  type Ledger,
  MosaicClientError,
  openMemberShares,
  sealTaskBundle,
  verifyCommittee,
} from '../src/index.js';
import { type ClientTestChain, startClientChain, type TestNode } from './chain-fixture.js';

describe('on a real chain', () => {
  let chain: ClientTestChain;
  let ledger: Ledger;
  let nodes: TestNode[];
  let contractId: bigint;
  let epoch: bigint;

  before(async () => {
    chain = await startClientChain();
    nodes = [];
    for (const account of chain.accounts.slice(1, 7)) nodes.push(await chain.setupNode(account));
    await chain.advanceEpoch(); // the nodes enter the snapshot
    ledger = {
      publicClient: chain.publicClient,
      walletClient: chain.walletOf(chain.accounts[0]!),
      addresses: chain.deployment.addresses,
    };
    const deployed = await deploySecretContract(ledger, keccak256(toHex('auction IR')), 5, 2);
    contractId = deployed.contractId;
    assert.equal(contractId, 1n);
    epoch = await chain.advanceEpoch(); // active from the epoch after its deployment
    assert.equal(deployed.activeFromEpoch, epoch);
  });

  after(async () => {
    await chain?.stop();
  });

  it('deploy validates (n, t) before sending', async () => {
    await assert.rejects(deploySecretContract(ledger, keccak256(toHex('x')), 4, 2), MosaicClientError);
    await assert.rejects(deploySecretContract(ledger, `0x${'00'.repeat(32)}`, 5, 2), MosaicClientError);
  });

  it('verifies the committee: registered, logged in, staked, with the registered keys', async () => {
    const committee = await verifyCommittee(chain.publicClient, chain.deployment.addresses, contractId);
    assert.equal(committee.epoch, epoch);
    assert.equal(committee.n, 5);
    assert.equal(committee.t, 2);
    assert.equal(committee.members.length, 5);
    assert.deepEqual(
      committee.members.map((m) => m.index),
      [1, 2, 3, 4, 5],
    );
    for (const member of committee.members) {
      const node = nodes.find((n) => n.account.address === member.operator);
      assert.ok(node, `member ${member.operator} is one of the staked nodes`);
      assert.deepEqual(member.x25519PublicKey, node.x25519.publicKey);
      assert.equal(member.peerId, node.peerId);
      assert.equal(member.stake, MIN_STAKE);
    }
  });

  it('refuses an unknown contract and a contract that is not active yet', async () => {
    await assert.rejects(verifyCommittee(chain.publicClient, chain.deployment.addresses, 99n), /not deployed/);
    const fresh = await deploySecretContract(ledger, keccak256(toHex('later')), 3, 1);
    await assert.rejects(
      verifyCommittee(chain.publicClient, chain.deployment.addresses, fresh.contractId),
      /active from epoch/,
    );
  });

  it('deposits fees and creates a task whose record holds the bundle hash', async () => {
    const committee = await verifyCommittee(chain.publicClient, chain.deployment.addresses, contractId);
    const resultKeyPair = await generateKeyPair();
    const sealed = await sealTaskBundle({
      chainId: BigInt(chain.anvil.chainId),
      tasks: chain.deployment.addresses.tasks,
      caller: chain.accounts[0]!.address,
      contractId,
      selector: '0xdeadbeef',
      epoch: committee.epoch,
      t: committee.t,
      committee: committee.members,
      secretArgs: vec.fromBigInts([1200n]),
      publicArgs: new Uint8Array(),
      resultKeyPair,
    });
    const before = await feeBalance(ledger);
    await depositFees(ledger, 1_000_000n);
    assert.equal(await feeBalance(ledger), before + 1_000_000n);
    await assert.rejects(
      createTask(ledger, {
        contractId,
        selector: '0xdeadbeef',
        bundleHash: sealed.hash,
        gasLimit: 10n ** 9n,
        gasPrice: 1n,
      }),
      /InsufficientBalance/,
    );
    const created = await createTask(ledger, {
      contractId,
      selector: '0xdeadbeef',
      bundleHash: sealed.hash,
      gasLimit: 100_000n,
      gasPrice: 2n,
    });
    assert.equal(created.taskId, contractId << 64n);
    assert.equal(created.epoch, committee.epoch);
    assert.equal(await feeBalance(ledger), before + 1_000_000n - 200_000n);
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: created.transactionHash });
    const [event] = parseEventLogs({ abi: tasksAbi, logs: receipt.logs, eventName: 'TaskCreated' });
    assert.equal(event?.args.bundleHash, sealed.hash);
    assert.equal(event?.args.fn, '0xdeadbeef');
    // Each member opens its own shares with the key it registered on chain.
    for (const member of committee.members) {
      const node = nodes.find((n) => n.account.address === member.operator)!;
      const opened = await openMemberShares(sealed.bytes, member.index, node.x25519.secretKey, {
        expectedOperator: member.operator,
      });
      assert.equal(vec.size(opened.secretShares), 1);
    }
  });

  it('names a committee member that logged out', async () => {
    const committee = await verifyCommittee(chain.publicClient, chain.deployment.addresses, contractId);
    const leaving = committee.members[2]!;
    const node = nodes.find((n) => n.account.address === leaving.operator)!;
    await chain.send(node.account, chain.deployment.addresses.nodeRegistry, nodeRegistryAbi, 'logout');
    await assert.rejects(
      verifyCommittee(chain.publicClient, chain.deployment.addresses, contractId),
      (error: unknown) =>
        error instanceof CommitteeVerificationError &&
        error.member === 3 &&
        error.operator === leaving.operator &&
        error.message.includes('is not logged in'),
    );
    // In the next epoch the snapshot no longer holds it: the new committee verifies again.
    await chain.advanceEpoch();
    const next = await verifyCommittee(chain.publicClient, chain.deployment.addresses, contractId);
    assert.ok(!next.members.some((m) => m.operator === leaving.operator));
  });
});
