// MosaicToken and NodeRegistry: every external function, revert and event.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { type Account, type Hex, keccak256, toHex, zeroAddress } from 'viem';
import { MIN_STAKE, MOS_TOTAL_SUPPLY } from '../src/index.js';
import { advanceEpoch, eventsOf, expectRevert, MOS, setupNode, startChain, type TestChain } from './fixture.js';

describe('MosaicToken', () => {
  let chain: TestChain;
  before(async () => {
    chain = await startChain();
  });
  after(() => chain.stop());

  it('is "Mosaic"/"MOS", 18 decimals, 150,000,000 minted to the deployer', async () => {
    assert.equal(await chain.read(chain.c.token, 'name'), 'Mosaic');
    assert.equal(await chain.read(chain.c.token, 'symbol'), 'MOS');
    assert.equal(await chain.read(chain.c.token, 'decimals'), 18);
    assert.equal(await chain.read(chain.c.token, 'totalSupply'), MOS_TOTAL_SUPPLY);
    assert.equal(await chain.read(chain.c.token, 'TOTAL_SUPPLY'), MOS_TOTAL_SUPPLY);
    assert.equal(await chain.read(chain.c.token, 'balanceOf', [chain.deployer.address]), MOS_TOTAL_SUPPLY);
  });
});

describe('NodeRegistry', () => {
  let chain: TestChain;
  let snapshot: Hex;
  let node: Account;
  let other: Account;
  before(async () => {
    chain = await startChain({ epochLength: 10n });
    node = chain.accounts[1]!;
    other = chain.accounts[2]!;
  });
  after(() => chain.stop());
  beforeEach(async () => {
    snapshot = await chain.snapshot();
  });
  afterEach(async () => {
    await chain.revert(snapshot);
  });

  const key = keccak256(toHex('x25519'));
  const peerId = toHex('12D3KooWexamplepeerid');

  it('registers keys and exposes them by operator and by peer id', async () => {
    const receipt = await chain.send(node, chain.c.nodeRegistry, 'register', [key, peerId]);
    const [event] = eventsOf(chain.c.nodeRegistry, receipt, 'NodeRegistered');
    assert.deepEqual(event!.args, { operator: node.address, x25519PublicKey: key, peerId });
    assert.deepEqual(await chain.read(chain.c.nodeRegistry, 'keysOf', [node.address]), [key, peerId]);
    const [operator, info] = await chain.read<[string, { registered: boolean; peerId: Hex }]>(
      chain.c.nodeRegistry,
      'nodeByPeerId',
      [peerId],
    );
    assert.equal(operator, node.address);
    assert.equal(info.registered, true);
    assert.equal(info.peerId, peerId);
    const [none] = await chain.read<[string]>(chain.c.nodeRegistry, 'nodeByPeerId', ['0x01']);
    assert.equal(none, zeroAddress);
  });

  it('rejects bad registrations', async () => {
    await expectRevert(
      chain.send(node, chain.c.nodeRegistry, 'register', [`0x${'00'.repeat(32)}`, peerId]),
      'InvalidX25519Key',
    );
    await expectRevert(chain.send(node, chain.c.nodeRegistry, 'register', [key, '0x']), 'InvalidPeerId');
    await expectRevert(
      chain.send(node, chain.c.nodeRegistry, 'register', [key, toHex(new Uint8Array(129))]),
      'InvalidPeerId',
    );
    await chain.send(node, chain.c.nodeRegistry, 'register', [key, peerId]);
    await expectRevert(chain.send(node, chain.c.nodeRegistry, 'register', [key, '0x02']), 'AlreadyRegistered');
    await expectRevert(chain.send(other, chain.c.nodeRegistry, 'register', [key, peerId]), 'PeerIdTaken', [
      node.address,
    ]);
    await expectRevert(chain.read(chain.c.nodeRegistry, 'keysOf', [other.address]), 'NotRegistered', [other.address]);
  });

  it('deposits with SafeERC20 and enforces the 25,000 MOS minimum at login', async () => {
    await expectRevert(chain.send(node, chain.c.nodeRegistry, 'deposit', [1n]), 'NotRegistered');
    await expectRevert(chain.send(node, chain.c.nodeRegistry, 'login', []), 'NotRegistered');
    await chain.send(node, chain.c.nodeRegistry, 'register', [key, peerId]);
    await expectRevert(chain.send(node, chain.c.nodeRegistry, 'deposit', [0n]), 'ZeroAmount');
    await chain.send(chain.deployer, chain.c.token, 'transfer', [node.address, MIN_STAKE]);
    await expectRevert(chain.send(node, chain.c.nodeRegistry, 'deposit', [MIN_STAKE]), 'ERC20InsufficientAllowance');
    await chain.send(node, chain.c.token, 'approve', [chain.c.nodeRegistry.address, MIN_STAKE]);
    const below = MIN_STAKE - 1n;
    const receipt = await chain.send(node, chain.c.nodeRegistry, 'deposit', [below]);
    assert.deepEqual(eventsOf(chain.c.nodeRegistry, receipt, 'Deposited')[0]!.args, {
      operator: node.address,
      amount: below,
      stake: below,
    });
    await expectRevert(chain.send(node, chain.c.nodeRegistry, 'login', []), 'StakeBelowMinimum', [below, MIN_STAKE]);
    await chain.send(node, chain.c.nodeRegistry, 'deposit', [1n]);
    const login = await chain.send(node, chain.c.nodeRegistry, 'login', []);
    assert.deepEqual(eventsOf(chain.c.nodeRegistry, login, 'LoggedIn')[0]!.args, {
      operator: node.address,
      epoch: 0n,
      stake: MIN_STAKE,
    });
    await expectRevert(chain.send(node, chain.c.nodeRegistry, 'login', []), 'AlreadyLoggedIn');
    assert.equal(await chain.read(chain.c.nodeRegistry, 'activeCount'), 1n);
    assert.deepEqual(await chain.read(chain.c.nodeRegistry, 'activeSet'), [[node.address], [MIN_STAKE]]);
    const entries = await chain.read<Hex[]>(chain.c.nodeRegistry, 'activeEntries');
    assert.equal(BigInt(entries[0]!), (BigInt(node.address) << 96n) | MIN_STAKE);
  });

  it('deposits while logged in update the active entry and the set version', async () => {
    await setupNode(chain, node);
    const version = await chain.read<bigint>(chain.c.nodeRegistry, 'activeSetVersion');
    await chain.send(chain.deployer, chain.c.token, 'approve', [chain.c.nodeRegistry.address, 5n * MOS]);
    await chain.send(chain.deployer, chain.c.nodeRegistry, 'register', [keccak256(toHex('k0')), '0x0a']);
    await chain.send(node, chain.c.token, 'approve', [chain.c.nodeRegistry.address, 0n]);
    await chain.send(chain.deployer, chain.c.token, 'transfer', [node.address, 5n * MOS]);
    await chain.send(node, chain.c.token, 'approve', [chain.c.nodeRegistry.address, 5n * MOS]);
    await chain.send(node, chain.c.nodeRegistry, 'deposit', [5n * MOS]);
    assert.deepEqual(await chain.read(chain.c.nodeRegistry, 'activeSet'), [[node.address], [MIN_STAKE + 5n * MOS]]);
    assert.equal(await chain.read(chain.c.nodeRegistry, 'activeSetVersion'), version + 1n);
  });

  it('logout starts unbonding: withdraw only after one full epoch', async () => {
    await setupNode(chain, node);
    await expectRevert(chain.send(node, chain.c.nodeRegistry, 'withdraw', [1n]), 'StillLoggedIn');
    const logout = await chain.send(node, chain.c.nodeRegistry, 'logout', []);
    assert.deepEqual(eventsOf(chain.c.nodeRegistry, logout, 'LoggedOut')[0]!.args, {
      operator: node.address,
      epoch: 0n,
      withdrawableFromEpoch: 2n,
    });
    await expectRevert(chain.send(node, chain.c.nodeRegistry, 'logout', []), 'NotLoggedIn');
    await expectRevert(chain.send(node, chain.c.nodeRegistry, 'withdraw', [1n]), 'Unbonding', [0n, 2n]);
    assert.equal(await advanceEpoch(chain), 1n);
    await expectRevert(chain.send(node, chain.c.nodeRegistry, 'withdraw', [1n]), 'Unbonding', [1n, 2n]);
    assert.equal(await advanceEpoch(chain), 2n);
    await expectRevert(chain.send(node, chain.c.nodeRegistry, 'withdraw', [0n]), 'ZeroAmount');
    await expectRevert(chain.send(node, chain.c.nodeRegistry, 'withdraw', [MIN_STAKE + 1n]), 'InsufficientStake');
    const receipt = await chain.send(node, chain.c.nodeRegistry, 'withdraw', [MIN_STAKE]);
    assert.deepEqual(eventsOf(chain.c.nodeRegistry, receipt, 'Withdrawn')[0]!.args, {
      operator: node.address,
      amount: MIN_STAKE,
      stake: 0n,
    });
    assert.equal(await chain.read(chain.c.token, 'balanceOf', [node.address]), MIN_STAKE);
    await expectRevert(chain.send(other, chain.c.nodeRegistry, 'withdraw', [1n]), 'NotRegistered');
  });

  it('a node that never logged in withdraws at once; logout swaps the last active node into place', async () => {
    await setupNode(chain, node, MIN_STAKE, false);
    await chain.send(node, chain.c.nodeRegistry, 'withdraw', [MIN_STAKE]);
    const a = chain.accounts[3]!;
    const b = chain.accounts[4]!;
    await setupNode(chain, a);
    await setupNode(chain, b);
    await setupNode(chain, other);
    await chain.send(a, chain.c.nodeRegistry, 'logout', []);
    assert.deepEqual(await chain.read(chain.c.nodeRegistry, 'activeSet'), [
      [other.address, b.address],
      [MIN_STAKE, MIN_STAKE],
    ]);
    await chain.send(other, chain.c.nodeRegistry, 'logout', []);
    await chain.send(a, chain.c.nodeRegistry, 'login', []);
    assert.deepEqual(await chain.read(chain.c.nodeRegistry, 'activeSet'), [
      [b.address, a.address],
      [MIN_STAKE, MIN_STAKE],
    ]);
    const info = await chain.read<{ loggedIn: boolean; stake: bigint }>(chain.c.nodeRegistry, 'nodeOf', [a.address]);
    assert.equal(info.loggedIn, true);
    assert.equal(info.stake, MIN_STAKE);
  });

  it('slash: only allowlisted slashers; below the minimum the node is logged out', async () => {
    const slasher = chain.accounts[5]!;
    await setupNode(chain, node, MIN_STAKE + 10n * MOS);
    await expectRevert(
      chain.send(slasher, chain.c.nodeRegistry, 'slash', [node.address, 1n, slasher.address]),
      'NotSlasher',
    );
    await expectRevert(
      chain.send(slasher, chain.c.nodeRegistry, 'setSlasher', [slasher.address, true]),
      'OwnableUnauthorizedAccount',
    );
    await expectRevert(
      chain.send(chain.deployer, chain.c.nodeRegistry, 'setSlasher', [zeroAddress, true]),
      'ZeroAddress',
    );
    const set = await chain.send(chain.deployer, chain.c.nodeRegistry, 'setSlasher', [slasher.address, true]);
    assert.deepEqual(eventsOf(chain.c.nodeRegistry, set, 'SlasherSet')[0]!.args, {
      slasher: slasher.address,
      allowed: true,
    });
    assert.equal(await chain.read(chain.c.nodeRegistry, 'isSlasher', [slasher.address]), true);
    await expectRevert(
      chain.send(slasher, chain.c.nodeRegistry, 'slash', [node.address, 0n, slasher.address]),
      'ZeroAmount',
    );
    await expectRevert(
      chain.send(slasher, chain.c.nodeRegistry, 'slash', [node.address, 1n, zeroAddress]),
      'ZeroAddress',
    );
    await expectRevert(
      chain.send(slasher, chain.c.nodeRegistry, 'slash', [other.address, 1n, slasher.address]),
      'NotRegistered',
    );
    // 10 MOS: still above the minimum, stays logged in with the reduced stake.
    const first = await chain.send(slasher, chain.c.nodeRegistry, 'slash', [node.address, 10n * MOS, other.address]);
    assert.deepEqual(eventsOf(chain.c.nodeRegistry, first, 'Slashed')[0]!.args, {
      operator: node.address,
      slasher: slasher.address,
      amount: 10n * MOS,
      recipient: other.address,
    });
    assert.deepEqual(await chain.read(chain.c.nodeRegistry, 'activeSet'), [[node.address], [MIN_STAKE]]);
    // More than the stake: capped; below the minimum: logged out.
    const second = await chain.send(slasher, chain.c.nodeRegistry, 'slash', [
      node.address,
      MIN_STAKE * 2n,
      other.address,
    ]);
    assert.equal(eventsOf(chain.c.nodeRegistry, second, 'Slashed')[0]!.args.amount, MIN_STAKE);
    assert.equal(eventsOf(chain.c.nodeRegistry, second, 'LoggedOut').length, 1);
    assert.equal(await chain.read(chain.c.nodeRegistry, 'activeCount'), 0n);
    assert.equal(await chain.read(chain.c.token, 'balanceOf', [other.address]), MIN_STAKE + 10n * MOS);
    await expectRevert(
      chain.send(slasher, chain.c.nodeRegistry, 'slash', [node.address, 1n, other.address]),
      'InsufficientStake',
    );
    await chain.send(chain.deployer, chain.c.nodeRegistry, 'setSlasher', [slasher.address, false]);
    await expectRevert(
      chain.send(slasher, chain.c.nodeRegistry, 'slash', [node.address, 1n, other.address]),
      'NotSlasher',
    );
  });

  it('setEpochs: once, by the owner', async () => {
    await expectRevert(
      chain.send(chain.deployer, chain.c.nodeRegistry, 'setEpochs', [other.address]),
      'EpochsAlreadySet',
    );
    await expectRevert(chain.send(chain.deployer, chain.c.nodeRegistry, 'setEpochs', [zeroAddress]), 'ZeroAddress');
    await expectRevert(
      chain.send(other, chain.c.nodeRegistry, 'setEpochs', [other.address]),
      'OwnableUnauthorizedAccount',
    );
    assert.equal(await chain.read(chain.c.nodeRegistry, 'epochs'), chain.c.epochs.address);
    assert.equal(await chain.read(chain.c.nodeRegistry, 'MIN_STAKE'), MIN_STAKE);
  });
});
