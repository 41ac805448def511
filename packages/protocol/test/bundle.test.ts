import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconstruct, vec } from '@mosaic/mpc';
import fc from 'fast-check';
import { keccak256 } from 'viem';
import {
  bundleHash,
  bundleHeaderHash,
  decodeBundle,
  decodeSharePayload,
  EnvelopeOpenError,
  encodeBundle,
  encodeSharePayload,
  FormatError,
  generateKeyPair,
  headerOf,
  openMemberShares,
  sealTaskBundle,
  type TaskBundle,
  type X25519KeyPair,
} from '../src/index.js';

const P = (1n << 127n) - 1n;
const operators = [
  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65',
  '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc',
] as const;

async function committee(
  n: number,
): Promise<{ keys: X25519KeyPair[]; members: { operator: `0x${string}`; x25519PublicKey: Uint8Array }[] }> {
  const keys = await Promise.all(Array.from({ length: n }, () => generateKeyPair()));
  return { keys, members: keys.map((k, i) => ({ operator: operators[i]!, x25519PublicKey: k.publicKey })) };
}

async function sealed(n = 5, t = 2, secrets: bigint[] = [1200n, P - 5n, 0n]) {
  const { keys, members } = await committee(n);
  const resultKeyPair = await generateKeyPair();
  const result = await sealTaskBundle({
    chainId: 31337n,
    tasks: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    caller: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    contractId: 3n,
    selector: '0xAABBCCDD',
    epoch: 5n,
    t,
    committee: members,
    secretArgs: vec.fromBigInts(secrets),
    publicArgs: Uint8Array.from([1, 2, 3]),
    resultKeyPair,
  });
  return { ...result, keys, resultKeyPair, secrets };
}

describe('task bundle', () => {
  it('round-trips, hashes with keccak256, and every member opens only its own shares', async () => {
    const { bundle, bytes, hash, keys, secrets } = await sealed();
    assert.equal(hash, keccak256(bytes));
    assert.equal(bundleHash(bytes), hash);
    const decoded = decodeBundle(bytes);
    assert.deepEqual(decoded, bundle);
    assert.deepEqual(encodeBundle(decoded), bytes);
    assert.equal(decoded.selector, '0xaabbccdd');
    const opened = await Promise.all(keys.map((k, i) => openMemberShares(bytes, i + 1, k.secretKey)));
    // Any t+1 = 3 members reconstruct the secrets; all five are consistent.
    const all = reconstruct(
      [1, 2, 3, 4, 5],
      opened.map((o) => o.secretShares),
      2,
    );
    assert.deepEqual(vec.toBigInts(all), secrets);
    const alpha = reconstruct(
      [2, 4, 5],
      [1, 3, 4].map((i) => opened[i]!.outputMacKeyShare),
      2,
    );
    assert.notEqual(vec.get(alpha, 0), 0n);
    await assert.rejects(openMemberShares(bytes, 2, keys[0]!.secretKey), EnvelopeOpenError);
  });

  it('refuses an envelope moved to another slot or into a bundle with another result key', async () => {
    const { bundle, keys } = await sealed();
    const swapped: TaskBundle = { ...bundle, members: [...bundle.members] };
    [swapped.members[0], swapped.members[1]] = [bundle.members[1]!, bundle.members[0]!];
    await assert.rejects(openMemberShares(encodeBundle(swapped), 2, keys[0]!.secretKey), EnvelopeOpenError);
    const other = await generateKeyPair();
    const rekeyed = encodeBundle({ ...bundle, resultPublicKey: other.publicKey });
    await assert.rejects(openMemberShares(rekeyed, 1, keys[0]!.secretKey), EnvelopeOpenError);
    const reargued = encodeBundle({ ...bundle, publicArgs: Uint8Array.from([9]) });
    await assert.rejects(openMemberShares(reargued, 1, keys[0]!.secretKey), EnvelopeOpenError);
  });

  it('checks the slot owner and the member index', async () => {
    const { bytes, keys } = await sealed(3, 1, [42n]);
    await assert.rejects(
      openMemberShares(bytes, 1, keys[0]!.secretKey, { expectedOperator: operators[1] }),
      FormatError,
    );
    await assert.rejects(openMemberShares(bytes, 4, keys[0]!.secretKey), FormatError);
    await assert.rejects(openMemberShares(bytes, 0, keys[0]!.secretKey), FormatError);
    const ok = await openMemberShares(bytes, 1, keys[0]!.secretKey, { expectedOperator: operators[0] });
    assert.equal(vec.size(ok.secretShares), 1);
  });

  it('binds the caller: it round-trips, and another caller is another header hash, bundle and hash', async () => {
    const { bytes, bundle, hash } = await sealed(3, 1, [7n]);
    assert.equal(decodeBundle(bytes).caller, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8');
    const other = { ...bundle, caller: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' as const };
    assert.notDeepEqual(bundleHeaderHash(headerOf(other)), bundleHeaderHash(headerOf(bundle)));
    assert.notEqual(keccak256(encodeBundle(other)), hash);
  });

  it('rejects bad committee parameters when sealing', async () => {
    const { members } = await committee(3);
    const resultKeyPair = await generateKeyPair();
    const base = {
      chainId: 1n,
      tasks: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const,
      caller: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as const,
      contractId: 1n,
      selector: '0x00000001' as const,
      epoch: 1n,
      committee: members,
      secretArgs: vec.fromBigInts([1n]),
      publicArgs: new Uint8Array(),
      resultKeyPair,
    };
    await assert.rejects(sealTaskBundle({ ...base, t: 2 }), FormatError);
    await assert.rejects(sealTaskBundle({ ...base, t: 0 }), FormatError);
    await assert.rejects(sealTaskBundle({ ...base, t: 1, contractId: 0n }), FormatError);
    await assert.rejects(sealTaskBundle({ ...base, t: 1, selector: '0x01' }), FormatError);
  });

  it('rejects truncations, trailing bytes, wrong magic and version, and duplicate operators', async () => {
    const { bytes, bundle } = await sealed(3, 1, [7n]);
    for (let cut = 0; cut < bytes.length; cut += 7)
      assert.throws(() => decodeBundle(bytes.subarray(0, cut)), FormatError);
    assert.throws(() => decodeBundle(Uint8Array.from([...bytes, 0])), FormatError);
    const magic = bytes.slice();
    magic[0] = 0;
    assert.throws(() => decodeBundle(magic), /bad magic/);
    const version = bytes.slice();
    version[3] = 1; // the version without the caller
    assert.throws(() => decodeBundle(version), /unsupported version/);
    const duplicate = { ...bundle, members: [bundle.members[0]!, bundle.members[0]!, bundle.members[2]!] };
    assert.throws(() => decodeBundle(encodeBundle(duplicate)), /twice/);
  });

  it('share payloads reject non-canonical elements', () => {
    const payload = encodeSharePayload({
      secretShares: vec.fromBigInts([5n]),
      outputMacKeyShare: vec.fromBigInts([1n]),
    });
    const bad = payload.slice();
    bad.fill(0xff, payload.length - 16); // element = 2^128 - 1 >= p
    assert.throws(() => decodeSharePayload(bad), /not canonical/);
    const atP = payload.slice();
    atP.fill(0xff, payload.length - 16);
    atP[payload.length - 1] = 0x7f; // exactly p
    assert.throws(() => decodeSharePayload(atP), /not canonical/);
    assert.deepEqual(vec.toBigInts(decodeSharePayload(payload).secretShares), [5n]);
  });

  it('decodes 10,000+ arbitrary and mutated inputs without crashing: only FormatError or a valid bundle', async () => {
    const { bytes } = await sealed(3, 1, [1n, 2n]);
    const check = (input: Uint8Array) => {
      try {
        const decoded = decodeBundle(input);
        // Whatever decodes re-encodes to the same bytes (canonical).
        assert.deepEqual(encodeBundle(decoded), input);
      } catch (error) {
        if (!(error instanceof FormatError)) throw error;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), check), { numRuns: 4000 });
    // Mutations of a valid bundle reach deep into the format: flipped bytes, overwritten length fields, cuts.
    const mutation = fc.record({
      edits: fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      cut: fc.option(fc.nat({ max: bytes.length }), { nil: undefined }),
      extra: fc.uint8Array({ maxLength: 8 }),
    });
    fc.assert(
      fc.property(mutation, ({ edits, cut, extra }) => {
        const mutated = Uint8Array.from([...bytes.subarray(0, cut ?? bytes.length), ...extra]);
        for (const [at, value] of edits) if (at < mutated.length) mutated[at] = value;
        check(mutated);
      }),
      { numRuns: 6000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (input) => {
        try {
          decodeSharePayload(input);
        } catch (error) {
          if (!(error instanceof FormatError)) throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
