/**
 * `npm run bench -- wan`: the millionaires' call of the e2e suite on the test bed of hosts (docs/testbed.md): five
 * node processes, each in its own network namespace, committee (5, 2), one caller calling in sequence. Root and
 * `ip netns` only: elsewhere it prints why and records nothing.
 *   e2e.wan0.call.p50        ms per call on the same hosts without added delay (the relays pass bytes on at once),
 *                            calls alternating with those of the next row
 *   e2e.wan50.call.p50       ms per call with 50 ms round-trip time between every two hosts
 *   e2e.wan50.added          ms the 50 ms round-trip time adds to a call: wan50 - wan0
 *   e2e.wan50.roundTrips     the same in round trips (added / 50 ms). An MPC round, where every member sends
 *                            to every other at once and waits for theirs, costs a one-way delay: half a round trip
 *   e2e.wan50.mpc.rounds     the MPC rounds of the function by the cost model, for comparison
 */
import '../src/shim.js';
import { MosaicClient } from '@mosaic/client';
import { ANVIL_MNEMONIC } from '@mosaic/contracts/node';
import { compile, contract, costOf, fn, reveal, secret } from '@mosaic/lang';
import { bytesToHex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { WebSocket } from 'ws';
import { hostsUnavailable, startHostNetwork } from '../src/devnet/hosts/index.js';

type Record = (row: { name: string; value: number; unit: string }) => void;

const Millionaires = contract('Millionaires', {
  functions: {
    compare: fn({ a: secret.int64, b: secret.int64 }, ({ a, b }) => ({ aIsRicher: reveal(a.gt(b)) })),
  },
});

const RTT_MS = 50;
const WARMUP_CALLS = 2;
const CALLS = 15;

const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.ceil(sorted.length / 2) - 1]!;
};

export async function run(record: Record): Promise<void> {
  const unavailable = await hostsUnavailable();
  if (unavailable) {
    console.error(`wan: skipped: ${unavailable}`);
    return;
  }
  // The listener polls every 50 ms (as in the e2e suite), so that polling does not hide the links' delay.
  const net = await startHostNetwork({ count: 5, config: { chain: { pollIntervalMs: 50 } } });
  try {
    const account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 1 });
    const client = await MosaicClient.connect({
      chain: { rpcUrl: net.ledger.url, account: bytesToHex(account.getHdKey().privateKey!) },
      addresses: net.ledger.addresses,
      node: net.nodes[0]!.rpcUrl(),
      WebSocket: WebSocket as never,
    });
    const compiled = compile(Millionaires);
    const deployed = await client.deploy(compiled, { n: 5, t: 2 });
    if (!deployed.codeStored) throw new Error(`code not stored: ${deployed.codeError}`);
    await net.ledger.advanceEpoch();
    const handle = client.contract(compiled, deployed.contractId);
    const { fee } = await handle.estimate.compare();
    await net.ledger.fundMos(account.address, fee * 100n);
    await client.deposit(fee * 100n);

    let a = 1_000_000n;
    const call = async (rttMs: number) => {
      net.setLink({ rttMs });
      a += 1n;
      const start = performance.now();
      const result = await handle.call.compare({ a: a * 3n, b: a * 2n });
      if (result.outputs.aIsRicher !== true) throw new Error('wrong result');
      return performance.now() - start;
    };

    for (let k = 0; k < WARMUP_CALLS; k++) await call(0);
    // Calls with and without the delay alternate, so that a change in the machine's load (other processes
    // share its cores) weighs on both figures alike and cancels out of their difference.
    const nearTimes: number[] = [];
    const farTimes: number[] = [];
    for (let k = 0; k < CALLS; k++) {
      nearTimes.push(await call(0));
      farTimes.push(await call(RTT_MS));
    }
    const near = median(nearTimes);
    const far = median(farTimes);
    record({ name: 'e2e.wan0.call.p50', value: Math.round(near), unit: 'ms' });
    record({ name: 'e2e.wan50.call.p50', value: Math.round(far), unit: 'ms' });
    record({ name: 'e2e.wan50.added', value: Math.round(far - near), unit: 'ms' });
    record({ name: 'e2e.wan50.roundTrips', value: Math.round(((far - near) / RTT_MS) * 10) / 10, unit: 'round trips' });
    record({ name: 'e2e.wan50.mpc.rounds', value: costOf(compiled, 'compare').rounds, unit: 'rounds' });
    await client.close();
  } finally {
    await net.stop();
  }
}
