/**
 * One delaying relay as its own process, started inside a node's network namespace (`ip netns exec <ns> node
 * relay-main.js <listen host> <listen port> <target host> <target port> <seed> <shape JSON>`): a process of the
 * test cannot open a socket in another namespace itself. It prints `{"listening":{...}}` once it listens, takes
 * a new shape as one JSON line on stdin, and exits when stdin closes, so that it never outlives its parent.
 */
import { createInterface } from 'node:readline';
import { DelayRelay } from './delay-relay.js';

function fail(message: string): never {
  console.error(`relay: ${message}`);
  process.exit(1);
}

const [listenHost, listenPort, targetHost, targetPort, seed, shape] = process.argv.slice(2);
const port = (text: string | undefined) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) fail(`bad port ${text}`);
  return n;
};
if (!listenHost || !targetHost) fail('usage: relay-main <listen host> <port> <target host> <port> <seed> <shape>');
let relay: DelayRelay;
try {
  relay = new DelayRelay({
    listenHost,
    listenPort: port(listenPort),
    targetHost,
    targetPort: port(targetPort),
    seed: Number(seed ?? 1),
    shape: JSON.parse(shape ?? '{}'),
  });
  console.log(JSON.stringify({ listening: await relay.start() }));
} catch (error) {
  fail((error as Error).message);
}

createInterface({ input: process.stdin })
  .on('line', (line) => {
    try {
      relay.setShape(JSON.parse(line));
    } catch (error) {
      console.error(`relay: shape refused: ${(error as Error).message}`);
    }
  })
  .on('close', () => {
    void relay.stop().then(() => process.exit(0));
  });
