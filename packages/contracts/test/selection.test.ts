// Committee selection: the shared vectors against the TypeScript walk and the Solidity walk (Epochs.select on
// anvil), input validation, and stake-weighted fairness over 1,000,000 draws.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type Hex, keccak256, toHex } from 'viem';
import { DrawInput, MIN_STAKE, StakeWalk, selectCommittee, selectCommitteeMembers } from '../src/index.js';
import { expectRevert, startChain, type TestChain } from './fixture.js';

interface Vector {
  name: string;
  seed: Hex;
  id: Hex;
  stakes: string[];
  size: number;
  expected: number[];
}

const vectorsFile = new URL('../../test-vectors/committee-selection.json', import.meta.url);
const { vectors } = JSON.parse(readFileSync(vectorsFile, 'utf8')) as { vectors: Vector[] };

describe('committee selection vectors', () => {
  let chain: TestChain;
  before(async () => {
    chain = await startChain();
  });
  after(() => chain.stop());

  it('has at least 1,000 cases including the edge cases', () => {
    assert.ok(vectors.length >= 1000);
    assert.ok(vectors.some((v) => v.stakes.length === 1));
    assert.ok(vectors.some((v) => new Set(v.stakes).size === 1 && v.stakes.length > 1));
    assert.ok(vectors.some((v) => v.stakes.includes(MIN_STAKE.toString())));
    assert.ok(vectors.some((v) => v.size === v.stakes.length && v.size > 1));
  });

  it('TypeScript selection reproduces every vector', () => {
    for (const v of vectors) {
      assert.deepEqual(selectCommittee(v.seed, v.id, v.stakes.map(BigInt), v.size), v.expected, v.name);
    }
  });

  it('Solidity selection (Epochs.select) reproduces every vector', async () => {
    const batch = 25;
    for (let i = 0; i < vectors.length; i += batch) {
      const slice = vectors.slice(i, i + batch);
      const results = await Promise.all(
        slice.map((v) =>
          chain.read<bigint[]>(chain.c.epochs, 'select', [v.seed, v.id, v.stakes.map(BigInt), BigInt(v.size)]),
        ),
      );
      results.forEach((got, k) => {
        assert.deepEqual(got.map(Number), slice[k]!.expected, slice[k]!.name);
      });
    }
  });

  it('Solidity rejects what TypeScript rejects', async () => {
    const seed = keccak256(toHex('s'));
    await expectRevert(chain.read(chain.c.epochs, 'select', [seed, seed, [1n, 2n], 3n]), 'CommitteeTooLarge', [3n, 2n]);
    await expectRevert(chain.read(chain.c.epochs, 'select', [seed, seed, [1n, 2n], 0n]), 'EmptyCommittee');
    await expectRevert(chain.read(chain.c.epochs, 'select', [seed, seed, [1n, 0n], 1n]), 'ZeroStake', [1n]);
    assert.throws(() => selectCommittee(seed, seed, [1n, 2n], 3), RangeError);
    assert.throws(() => selectCommittee(seed, seed, [1n, 2n], 0), RangeError);
    assert.throws(() => selectCommittee(seed, seed, [1n, 0n], 1), RangeError);
    assert.throws(() => selectCommittee(seed, seed, [], 1), RangeError);
    assert.throws(() => selectCommittee('0x12', seed, [1n], 1), TypeError);
  });
});

describe('committee selection in TypeScript', () => {
  it('maps indices to operators', () => {
    const seed = keccak256(toHex('seed'));
    const id = keccak256(toHex('id'));
    const operators = [
      '0x1111111111111111111111111111111111111111',
      '0x2222222222222222222222222222222222222222',
    ] as const;
    const members = selectCommitteeMembers(seed, id, { operators, stakes: [MIN_STAKE, MIN_STAKE] }, 2);
    assert.deepEqual([...members].sort(), [...operators].sort());
    assert.throws(() => selectCommitteeMembers(seed, id, { operators, stakes: [MIN_STAKE] }, 1), RangeError);
  });

  it('draws are stake-weighted: 1,000,000 draws within a chi-square bound', () => {
    // Stakes from 1x to 40x the minimum across 12 nodes.
    const multiples = [1n, 1n, 2n, 3n, 5n, 7n, 10n, 13n, 17n, 22n, 30n, 40n];
    const stakes = multiples.map((m) => m * MIN_STAKE);
    const walk = new StakeWalk(stakes);
    const input = new DrawInput(keccak256(toHex('fairness seed')), keccak256(toHex('fairness id')));
    const draws = 1_000_000;
    const counts = new Array<number>(stakes.length).fill(0);
    for (let nonce = 0; nonce < draws; nonce++) counts[walk.pick(input.setNonce(nonce))]!++;
    const total = Number(walk.total / MIN_STAKE);
    let chiSquare = 0;
    counts.forEach((observed, i) => {
      const expected = (draws * Number(multiples[i]!)) / total;
      chiSquare += (observed - expected) ** 2 / expected;
    });
    // 11 degrees of freedom: P(chi2 > 31.26) = 0.001.
    assert.ok(chiSquare < 31.26, `chi-square ${chiSquare.toFixed(2)} over ${draws} draws`);
  });
});
