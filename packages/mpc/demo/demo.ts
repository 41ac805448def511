/**
 * `npm start` (until the local network exists): three parties compute on two secret inputs with MPC and
 * show what each of them saw on the wire: nothing but random-looking field elements.
 */
import {
  type FieldVector,
  field,
  lessThan,
  MemoryNetwork,
  mul,
  open,
  Party,
  share,
  type Transport,
  vec,
} from '../src/index.js';

const ALICE = 84_000n;
const BOB = 91_500n;
const N = 3;
const T = 1;

/** Wraps a transport to keep a copy of every frame the party receives. */
function recording(inner: Transport, log: Uint8Array[]): Transport {
  return {
    self: inner.self,
    parties: inner.parties,
    send: (to, frame) => inner.send(to, frame),
    receive: async (from, signal) => {
      const frame = await inner.receive(from, signal);
      log.push(frame);
      return frame;
    },
    close: () => inner.close(),
  };
}

function hex(v: FieldVector, i: number): string {
  return `0x${vec.get(v, i).toString(16).padStart(32, '0').slice(0, 12)}…`;
}

async function main(): Promise<void> {
  const line = '─'.repeat(78);
  console.log(line);
  console.log(`Mosaic MPC demo: ${N} parties, threshold t = ${T}: no single party can learn a secret.`);
  console.log(line);
  console.log(`Alice's secret input: ${ALICE}   Bob's secret input: ${BOB}`);
  console.log('Each input is Shamir-shared: every party receives one share, a uniformly random field element.\n');

  const aliceShares = share(vec.fromBigInts([ALICE]), N, T);
  const bobShares = share(vec.fromBigInts([BOB]), N, T);
  for (let j = 0; j < N; j++) {
    console.log(
      `  party ${j + 1} holds  share(Alice) = ${hex(aliceShares[j], 0)}   share(Bob) = ${hex(bobShares[j], 0)}`,
    );
  }

  const network = new MemoryNetwork(N);
  const logs: Uint8Array[][] = Array.from({ length: N }, () => []);
  const parties = network.transports().map((t, i) => new Party({ transport: recording(t, logs[i]), t: T }));
  const started = performance.now();
  const results = await Promise.all(
    parties.map(async (party) => {
      const a = aliceShares[party.id - 1];
      const b = bobShares[party.id - 1];
      const less = await lessThan(party, a, b);
      const product = await mul(party, a, b);
      // only the final results are opened
      return open(party, vec.concat([less, product]));
    }),
  );
  const elapsed = performance.now() - started;
  network.close();

  console.log('\nThe parties compute [Alice < Bob] and Alice x Bob together, exchanging masked values only.');
  for (const party of parties) {
    const frames = logs[party.id - 1];
    const sample = frames.find((f) => f.length > 12 + 16) ?? frames[0];
    const elements = new Uint32Array(sample.buffer.slice(sample.byteOffset + 12, sample.byteOffset + 12 + 32));
    console.log(
      `  party ${party.id} received ${frames.length} frames (${party.stats.bytesReceived} bytes), e.g. ${hex(elements, 0)} ${hex(elements, 1)}`,
    );
  }
  const [less, product] = vec.toBigInts(results[0]);
  console.log('\nOpened results (the only values anyone sees in clear):');
  console.log(`  Alice < Bob   = ${less === 1n}`);
  console.log(`  Alice x Bob   = ${field.toSigned(product)}   (check: ${ALICE * BOB})`);
  console.log(`\n${parties[0].stats.rounds} rounds, ${elapsed.toFixed(1)} ms, all three parties in this process.`);
  console.log('Next: `npm test` runs the test suite; `npm run bench -- mpc` measures the engine.');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
