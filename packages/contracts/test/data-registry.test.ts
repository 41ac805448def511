// DataRegistry (ZNP15): compound identities, Taccess (set / replace / revoke), Tdata with prepaid storage fees.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeAbiParameters, keccak256, toHex, zeroAddress } from 'viem';
import { advanceEpoch, eventsOf, expectRevert, MOS, startChain, type TestChain } from './fixture.js';

describe('DataRegistry', () => {
  let chain: TestChain;
  const FEE = 10n ** 12n; // per byte per epoch (the fixture's default)
  before(async () => {
    chain = await startChain({ epochLength: 5n });
  });
  after(() => chain.stop());

  it('identities, access, data, fees and views', async () => {
    const owner = chain.accounts[1]!;
    const service = chain.accounts[2]!;
    const stranger = chain.accounts[3]!;
    const d = chain.c.dataRegistry;
    const key = keccak256(toHex('identity key'));
    const content = keccak256(toHex('sha-256 of the data'));
    // The pointer binds the owner: keccak256(abi.encode(owner, content)).
    const pointer = keccak256(
      encodeAbiParameters([{ type: 'address' }, { type: 'bytes32' }], [owner.address, content]),
    );
    const MAX = 2n ** 256n - 1n;

    await expectRevert(chain.send(owner, d, 'setAccess', [service.address, 1n]), 'IdentityNotRegistered');
    await expectRevert(chain.send(owner, d, 'registerIdentity', [zeroAddress, key]), 'ZeroAddress');
    await expectRevert(
      chain.send(owner, d, 'registerIdentity', [service.address, `0x${'00'.repeat(32)}`]),
      'InvalidIdentityKey',
    );
    const reg = await chain.send(owner, d, 'registerIdentity', [service.address, key]);
    assert.deepEqual(eventsOf(d, reg, 'IdentityRegistered')[0]!.args, {
      owner: owner.address,
      service: service.address,
      identityKey: key,
    });
    await expectRevert(chain.send(owner, d, 'registerIdentity', [service.address, key]), 'IdentityAlreadyRegistered');

    // Balance and storage fees.
    await chain.send(chain.deployer, chain.c.token, 'transfer', [owner.address, 10n * MOS]);
    await chain.send(owner, chain.c.token, 'approve', [d.address, 10n * MOS]);
    await expectRevert(chain.send(owner, d, 'deposit', [0n]), 'ZeroAmount');
    const dep = await chain.send(owner, d, 'deposit', [MOS]);
    assert.deepEqual(eventsOf(d, dep, 'Deposited')[0]!.args, { account: owner.address, amount: MOS });
    assert.equal(await chain.read(d, 'storageCost', [1000n, 3n]), 1000n * 3n * FEE);
    assert.equal(await chain.read(d, 'pointerOf', [owner.address, content]), pointer);
    await expectRevert(
      chain.send(owner, d, 'storeData', [`0x${'00'.repeat(32)}`, 1, 1000n, 3n, MAX]),
      'InvalidPointer',
    );
    await expectRevert(chain.send(owner, d, 'storeData', [content, 1, 0n, 3n, MAX]), 'ZeroAmount');
    await expectRevert(chain.send(owner, d, 'storeData', [content, 1, 10n ** 9n, 3n, MAX]), 'InsufficientBalance');
    await expectRevert(chain.send(owner, d, 'storeData', [content, 1, 1000n, 3n, 3000n * FEE - 1n]), 'FeeAboveMax', [
      3000n * FEE,
      3000n * FEE - 1n,
    ]);
    const store = await chain.send(owner, d, 'storeData', [content, 1, 1000n, 3n, 3000n * FEE]);
    assert.deepEqual(eventsOf(d, store, 'DataStored')[0]!.args, {
      pointer,
      owner: owner.address,
      dataType: 1,
      size: 1000n,
      paidThroughEpoch: 2n,
      fee: 3000n * FEE,
    });
    await expectRevert(chain.send(owner, d, 'storeData', [content, 1, 1000n, 3n, MAX]), 'PointerExists', [pointer]);
    const record = await chain.read<Record<string, unknown>>(d, 'dataOf', [pointer]);
    assert.equal(record.owner, owner.address);
    assert.equal(record.dataType, 1);
    assert.equal(record.size, 1000n);
    assert.equal(await chain.read(d, 'balanceOf', [owner.address]), MOS - 3000n * FEE);
    assert.equal(await chain.read(d, 'balanceOf', [chain.deployer.address]), 3000n * FEE); // the fee recipient
    await expectRevert(chain.read(d, 'dataOf', [keccak256('0x01')]), 'UnknownPointer');

    // Taccess: owner always; service only for allowed types; setting again replaces.
    assert.equal(await chain.read(d, 'canAccess', [owner.address, pointer]), true);
    assert.equal(await chain.read(d, 'canAccess', [service.address, pointer]), false);
    const set = await chain.send(owner, d, 'setAccess', [service.address, 0b10n]);
    assert.deepEqual(eventsOf(d, set, 'AccessSet')[0]!.args, {
      owner: owner.address,
      service: service.address,
      dataTypes: 2n,
    });
    assert.equal(await chain.read(d, 'canAccess', [service.address, pointer]), true);
    assert.equal(await chain.read(d, 'canAccess', [stranger.address, pointer]), false);
    assert.deepEqual(await chain.read(d, 'identityOf', [owner.address, service.address]), [key, 2n]);
    await chain.send(owner, d, 'setAccess', [service.address, 0b100n]);
    assert.equal(await chain.read(d, 'canAccess', [service.address, pointer]), false);
    await chain.send(owner, d, 'setAccess', [service.address, 0b110n]);
    assert.equal(await chain.read(d, 'canAccess', [service.address, pointer]), true);
    assert.equal(await chain.read(d, 'canAccess', [owner.address, keccak256('0x01')]), false);

    // Storage lapses after the paid epochs; extending restores it.
    await expectRevert(chain.send(stranger, d, 'extendStorage', [pointer, 1n, MAX]), 'NotDataOwner');
    await expectRevert(chain.send(owner, d, 'extendStorage', [keccak256('0x01'), 1n, MAX]), 'UnknownPointer');
    await expectRevert(chain.send(owner, d, 'extendStorage', [pointer, 0n, MAX]), 'ZeroAmount');
    await expectRevert(chain.send(owner, d, 'extendStorage', [pointer, 2n, 2000n * FEE - 1n]), 'FeeAboveMax', [
      2000n * FEE,
      2000n * FEE - 1n,
    ]);
    for (let i = 0; i < 3; i++) await advanceEpoch(chain);
    assert.equal(await chain.read(d, 'canAccess', [owner.address, pointer]), false);
    const ext = await chain.send(owner, d, 'extendStorage', [pointer, 2n, 2000n * FEE]);
    assert.deepEqual(eventsOf(d, ext, 'StorageExtended')[0]!.args, { pointer, paidThroughEpoch: 4n, fee: 2000n * FEE });
    assert.equal(await chain.read(d, 'canAccess', [service.address, pointer]), true);
    await chain.send(owner, d, 'extendStorage', [pointer, 1n, MAX]);
    assert.equal((await chain.read<Record<string, unknown>>(d, 'dataOf', [pointer])).paidThroughEpoch, 5n);

    // Withdraw.
    await expectRevert(chain.send(owner, d, 'withdraw', [0n]), 'ZeroAmount');
    await expectRevert(chain.send(owner, d, 'withdraw', [MOS]), 'InsufficientBalance');
    const left = await chain.read<bigint>(d, 'balanceOf', [owner.address]);
    const w = await chain.send(owner, d, 'withdraw', [left]);
    assert.deepEqual(eventsOf(d, w, 'Withdrawn')[0]!.args, { account: owner.address, amount: left });
  });

  it('owner sets the fee and its recipient', async () => {
    const d = chain.c.dataRegistry;
    const other = chain.accounts[4]!;
    await expectRevert(chain.send(other, d, 'setStorageFee', [1n]), 'OwnableUnauthorizedAccount');
    await expectRevert(chain.send(other, d, 'setFeeRecipient', [other.address]), 'OwnableUnauthorizedAccount');
    await expectRevert(chain.send(chain.deployer, d, 'setFeeRecipient', [zeroAddress]), 'ZeroAddress');
    const fee = await chain.send(chain.deployer, d, 'setStorageFee', [7n]);
    assert.deepEqual(eventsOf(d, fee, 'StorageFeeSet')[0]!.args, { feePerByteEpoch: 7n });
    const rec = await chain.send(chain.deployer, d, 'setFeeRecipient', [other.address]);
    assert.deepEqual(eventsOf(d, rec, 'FeeRecipientSet')[0]!.args, { feeRecipient: other.address });
    assert.equal(await chain.read(d, 'storageFeePerByteEpoch'), 7n);
    assert.equal(await chain.read(d, 'feeRecipient'), other.address);
  });
});
