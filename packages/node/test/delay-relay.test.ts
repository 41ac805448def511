// The delaying relay of the test bed of hosts (src/devnet/hosts): bytes arrive whole and in order in both
// directions whatever the delay, jitter and loss, a half-close passes through after the delayed bytes, a shape
// can change while connections are open, and a bad shape is refused. (No timing is asserted.)
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { checkShape, DelayRelay, seededRandom } from '../src/devnet/hosts/delay-relay.js';

/** Echoes every byte back, then ends when the client ends. */
function echoServer(): Promise<Server> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.pipe(socket);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function readAll(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  return once(socket, 'end').then(() => Buffer.concat(chunks));
}

describe('delay relay', () => {
  let echo: Server;
  before(async () => {
    echo = await echoServer();
  });
  after(() => echo.close());

  const relayTo = async (shape: ConstructorParameters<typeof DelayRelay>[0]['shape']) => {
    const port = (echo.address() as { port: number }).port;
    const relay = new DelayRelay({
      listenHost: '127.0.0.1',
      listenPort: 0,
      targetHost: '127.0.0.1',
      targetPort: port,
      shape,
      seed: 7,
    });
    return { relay, address: await relay.start() };
  };

  it('passes every byte in order both ways under delay, jitter and loss, and passes the half-close on', async () => {
    const { relay, address } = await relayTo({ delayMs: 5, jitterMs: 5, loss: 0.2, retransmitMs: 10 });
    try {
      const socket = createConnection({ ...address, allowHalfOpen: true });
      await once(socket, 'connect');
      const received = readAll(socket);
      const sent: Buffer[] = [];
      for (let i = 0; i < 200; i++) {
        const chunk = Buffer.alloc(1 + (i % 37) * 100, i & 255);
        sent.push(chunk);
        socket.write(chunk);
        if (i % 20 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      socket.end();
      assert.deepEqual(await received, Buffer.concat(sent));
    } finally {
      await relay.stop();
    }
  });

  it('takes a new shape while a connection is open, and closes its connections on stop', async () => {
    const { relay, address } = await relayTo({});
    const socket = createConnection(address);
    await once(socket, 'connect');
    socket.write('a');
    await once(socket, 'data');
    relay.setShape({ delayMs: 20, jitterMs: 10 });
    socket.write('b');
    assert.equal(String(await once(socket, 'data')), 'b');
    assert.equal(relay.connections, 1);
    const closed = once(socket, 'close');
    await relay.stop();
    await closed;
  });

  it('refuses a shape out of range', () => {
    assert.throws(() => checkShape({ delayMs: -1 }), /delayMs/);
    assert.throws(() => checkShape({ jitterMs: Number.NaN }), /jitterMs/);
    assert.throws(() => checkShape({ delayMs: 10 ** 9 }), /delayMs/);
    assert.throws(() => checkShape({ loss: 1 }), /loss/);
    assert.deepEqual(checkShape({ delayMs: 25 }), { delayMs: 25, jitterMs: 0, loss: 0, retransmitMs: 200 });
  });

  it('draws the same jitter from the same seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const draws = Array.from({ length: 5 }, () => a());
    assert.deepEqual(
      draws,
      Array.from({ length: 5 }, () => b()),
    );
    assert.ok(draws.every((x) => x >= 0 && x < 1));
  });
});
