/**
 * One MPC node as its own OS process, for the multi-process test and the p2p benchmark. It speaks JSON
 * lines: it prints {type: 'ready', peerId, addrs}; it reads {type: 'session', ...} and runs `rounds`
 * multiplications of its shares over libp2p, printing {type: 'result', ms, z?}; it exits on stdin's end or
 * {type: 'stop'}. Errors are printed as {type: 'error', message} and exit with code 1.
 */
import '../src/shim.js';
import { createInterface } from 'node:readline';
import { peerIdFromString } from '@libp2p/peer-id';
import { mul, open, Party } from '@mosaic/mpc';
import { bootstrap } from '../src/p2p/bootstrap.js';
import { createHost } from '../src/p2p/host.js';
import { MpcStreams } from '../src/sessions/libp2p-transport.js';
import { fromBase64, type SessionRequest, toBase64 } from './processes.js';

const print = (message: object): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

async function main(): Promise<void> {
  const host = await createHost();
  const streams = new MpcStreams(host, {
    // Filled in from the session request: a static committee table stands in for the chain registry.
    isMember: (_sid, party, peer) => table.get(party) === peer.toString(),
  });
  const table = new Map<number, string>();
  await streams.start();
  print({ type: 'ready', peerId: host.peerId.toString(), addrs: host.getMultiaddrs().map(String) });
  const lines = createInterface({ input: process.stdin });
  try {
    for await (const line of lines) {
      const request = JSON.parse(line) as SessionRequest | { type: 'stop' };
      if (request.type === 'stop') break;
      request.members.forEach((m, i) => {
        table.set(i + 1, m.peerId);
      });
      const others = request.members.filter((_, i) => i + 1 !== request.self).map((m) => m.addr);
      await bootstrap(host, others, { attempts: 10 });
      const transport = streams.openSession({
        sessionId: Buffer.from(request.sessionId, 'hex'),
        self: request.self,
        members: request.members.map((m) => peerIdFromString(m.peerId)),
      });
      try {
        const party = new Party({ transport, t: request.t });
        const x = fromBase64(request.x);
        const y = fromBase64(request.y);
        let z = x;
        for (let i = 0; i < request.warmup; i++) z = await mul(party, x, y);
        const start = performance.now();
        const cpuStart = process.cpuUsage();
        for (let i = 0; i < request.rounds; i++) z = await mul(party, x, y);
        const ms = performance.now() - start;
        const cpu = process.cpuUsage(cpuStart);
        const opened = request.reveal ? await open(party, z) : undefined;
        print({
          type: 'result',
          ms,
          cpuMs: (cpu.user + cpu.system) / 1000,
          ...(opened ? { z: toBase64(opened) } : {}),
        });
      } finally {
        transport.close();
      }
    }
  } finally {
    await streams.stop();
    await host.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    print({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  },
);
