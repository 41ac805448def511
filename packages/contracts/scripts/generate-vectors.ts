// Generates test-vectors/committee-selection.json from the TypeScript stake walk (src/selection.ts).
// The tests check every case against both implementations (TS and Epochs.select on a real chain).
// Deterministic: the cases come from a keccak-based generator, so rerunning rewrites the same file.
// Run: npm run build && npm run vectors -w @mosaic/contracts && npx biome format --write packages/contracts/test-vectors
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Hex, hexToBigInt, keccak256, toHex } from 'viem';
import { MIN_STAKE, selectCommittee } from '../src/index.js';

export interface SelectionVector {
  name: string;
  seed: Hex;
  id: Hex;
  stakes: string[];
  size: number;
  expected: number[];
}

let counter = 0n;
function random(): bigint {
  counter += 1n;
  return hexToBigInt(keccak256(toHex(`mosaic-selection-vectors:${counter}`)));
}
const randomInt = (max: number) => Number(random() % BigInt(max));
const randomWord = (): Hex => toHex(random(), { size: 32 });

function vector(name: string, stakes: bigint[], size: number): SelectionVector {
  const seed = randomWord();
  const id = randomWord();
  return { name, seed, id, stakes: stakes.map(String), size, expected: selectCommittee(seed, id, stakes, size) };
}

const MOS = 10n ** 18n;
const vectors: SelectionVector[] = [];
// Edge cases.
for (let i = 0; i < 20; i++) vectors.push(vector(`one node #${i}`, [MIN_STAKE + (random() % (1000n * MOS))], 1));
for (let i = 0; i < 60; i++) {
  const count = 2 + randomInt(30);
  const size = 1 + randomInt(count);
  vectors.push(vector(`equal stakes #${i}`, Array(count).fill(MIN_STAKE * 4n), size));
}
for (let i = 0; i < 60; i++) {
  const count = 2 + randomInt(30);
  const stakes = Array.from({ length: count }, (_, k) =>
    k % 3 === 0 ? MIN_STAKE : MIN_STAKE + (random() % (10n ** 6n * MOS)),
  );
  vectors.push(vector(`stakes of exactly the minimum #${i}`, stakes, 1 + randomInt(Math.min(count, 9))));
}
for (let i = 0; i < 60; i++) {
  const count = 1 + randomInt(12);
  const stakes = Array.from({ length: count }, () => MIN_STAKE + (random() % (200_000n * MOS)));
  vectors.push(vector(`size = number of nodes #${i}`, stakes, count));
}
for (let i = 0; i < 20; i++) {
  const stakes = [MIN_STAKE, MIN_STAKE, 50_000_000n * MOS, MIN_STAKE + 1n];
  vectors.push(vector(`one whale #${i}`, stakes, 1 + randomInt(4)));
}
// General cases.
while (vectors.length < 1050) {
  const count = 1 + randomInt(30);
  const stakes = Array.from({ length: count }, () => MIN_STAKE + (random() % (5_000_000n * MOS)));
  vectors.push(vector(`random #${vectors.length}`, stakes, 1 + randomInt(Math.min(count, 25))));
}

const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-vectors', 'committee-selection.json');
writeFileSync(
  file,
  `${JSON.stringify({ algorithm: 'mosaic stake walk v1', count: vectors.length, vectors }, null, 2)}\n`,
);
console.log(`wrote ${vectors.length} vectors to ${file}`);
