// Nothing in Mosaic assumes one host: five node processes, each in its own Linux network namespace with its own
// address from 198.18.0.0/15, links between hosts with 50 ms round-trip time and jitter (user-space relays), anvil
// in the root namespace. The network comes up, a secret call completes with the right result, and a node cut off
// (its link down) and restored rejoins and computes the next task. Skipped, with the reason, where namespaces are
// unavailable (not root, no `ip netns`). No timing is asserted.
import '../src/shim.js';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { MosaicClient, type SecretContract } from '@mosaic/client';
import { ANVIL_MNEMONIC } from '@mosaic/contracts/node';
import { compile, contract, fn, reveal, secret } from '@mosaic/lang';
import { bytesToHex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { WebSocket } from 'ws';
import {
  type HostNetwork,
  hostsUnavailable,
  RELAY_PORT,
  removeStaleLabs,
  startHostNetwork,
} from '../src/devnet/hosts/index.js';
import { rpc } from '../src/devnet/json-rpc.js';

const Millionaires = contract('Millionaires', {
  functions: {
    compare: fn({ a: secret.int64, b: secret.int64 }, ({ a, b }) => ({ aIsRicher: reveal(a.gt(b)) })),
  },
});

const compiled = compile(Millionaires);
const BENCHMARK_RANGE = /^198\.(18|19)\.\d+\.\d+$/;
const PARTITIONED = 4;

const unavailable = await hostsUnavailable();
if (unavailable) console.log(`# skipping the test bed of hosts: ${unavailable}`);

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const peerIds = async (url: string) => ((await rpc(url, 'mosaic_peers')) as { peerId: string }[]).map((p) => p.peerId);

describe('a network of hosts (network namespaces, 50 ms RTT)', { timeout: 300_000, skip: unavailable }, () => {
  let network: HostNetwork;
  let client: MosaicClient;
  let handle: SecretContract<typeof compiled>;
  const seed = Number(process.env.MOSAIC_HOSTS_SEED ?? Date.now() % 100_000);

  before(async () => {
    console.log(`# hosts seed ${seed} (MOSAIC_HOSTS_SEED=${seed} replays the links' jitter)`);
    network = await startHostNetwork({ count: 5, link: { rttMs: 50, jitterMs: 10 }, seed });
    const caller = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 7 });
    await network.ledger.fundMos(caller.address);
    client = await MosaicClient.connect({
      chain: { rpcUrl: network.ledger.url, account: bytesToHex(caller.getHdKey().privateKey!) },
      addresses: network.ledger.addresses,
      node: network.nodes[0]!.rpcUrl(),
      WebSocket: WebSocket as never,
    });
  });
  after(async () => {
    if (process.env.MOSAIC_E2E_LOGS) for (const line of network?.timeline() ?? []) console.error(line);
    await network?.stop();
    // Nothing of the run is left: no namespace and no link carry its prefix.
    const left = execFileSync('ip', ['-o', 'link', 'show']).toString() + execFileSync('ip', ['netns', 'list']);
    assert.doesNotMatch(left, new RegExp(`msc${process.pid}`));
  });

  it('brings five nodes up on five hosts, each announcing its own address', async () => {
    const hosts = network.lab.hosts;
    assert.equal(new Set(hosts.map((h) => h.namespace)).size, 5);
    assert.match(network.lab.gateway, BENCHMARK_RANGE);
    for (const [i, node] of network.nodes.entries()) {
      const host = hosts[i]!;
      assert.match(host.address, BENCHMARK_RANGE);
      assert.equal(new URL(node.rpcUrl()).hostname, host.address);
      const info = (await rpc(node.rpcUrl(), 'mosaic_info')) as { addresses: string[] };
      assert.ok(info.addresses.length > 0);
      for (const address of info.addresses) assert.ok(address.startsWith(`/ip4/${host.address}/tcp/${RELAY_PORT}/`));
    }
    // Every node is connected to another host, through the relays.
    for (const node of network.nodes) {
      await waitUntil(async () => (await peerIds(node.rpcUrl())).length > 0, 30_000, 'a peer');
    }
  });

  it('computes a secret call across hosts with 50 ms round trips', async () => {
    const deployed = await client.deploy(compiled, { n: 5, t: 2 });
    assert.equal(deployed.codeStored, true);
    await network.ledger.advanceEpoch();
    handle = client.contract(compiled, deployed.contractId);
    const richer = await handle.call.compare({ a: 1_200_000n, b: 35n }, { autoDeposit: true });
    assert.equal(richer.outputs.aIsRicher, true);
    assert.deepEqual(richer.badMembers, []);
    const poorer = await handle.call.compare({ a: -5n, b: 35n }, { autoDeposit: true });
    assert.equal(poorer.outputs.aIsRicher, false);
  });

  it('a node cut off and restored rejoins, and the next task completes with it in the committee', async () => {
    const cut = network.nodes[PARTITIONED]!;
    const cutId = ((await rpc(cut.rpcUrl(), 'mosaic_info')) as { peerId: string }).peerId;
    await network.partition(PARTITIONED);
    // Cut off: the test reaches it no more (its RPC is on the host's address, behind the cut link).
    await assert.rejects(
      fetch(cut.rpcUrl(), { method: 'POST', signal: AbortSignal.timeout(2_000), body: '{}' }),
      'the partitioned host still answers',
    );
    // The others give up on their connections to it (their pings go unanswered): rejoining is then a new
    // connection, not a stalled one resuming.
    await waitUntil(
      async () => !(await peerIds(network.nodes[0]!.rpcUrl())).includes(cutId),
      90_000,
      'node 0 to drop the cut node',
    );
    await network.heal(PARTITIONED);
    await waitUntil(
      async () => (await peerIds(network.nodes[0]!.rpcUrl())).includes(cutId),
      60_000,
      'the restored node to be connected again',
    );
    // The committee is all five nodes: the task completes only if the restored node computes its part.
    const result = await handle.call.compare({ a: 7n, b: 6n }, { autoDeposit: true });
    assert.equal(result.outputs.aIsRicher, true);
    assert.deepEqual(result.badMembers, []);
  });
});

describe('a crashed run of the test bed', { skip: unavailable }, () => {
  it('leaves namespaces and links that the next run removes, and only those of dead runs', async () => {
    // A pid no process holds any more: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const names = { ns: `msc${dead}n0`, link: `msc${dead}br`, ours: `msc${process.pid}n998` };
    execFileSync('ip', ['netns', 'add', names.ns]);
    execFileSync('ip', ['link', 'add', names.link, 'type', 'bridge']);
    execFileSync('ip', ['netns', 'add', names.ours]);
    try {
      const removed = await removeStaleLabs();
      assert.ok(removed.includes(names.ns) && removed.includes(names.link), removed.join(','));
      assert.ok(!removed.includes(names.ours));
      const left = execFileSync('ip', ['-o', 'link', 'show']).toString() + execFileSync('ip', ['netns', 'list']);
      assert.doesNotMatch(left, new RegExp(`msc${dead}`));
    } finally {
      execFileSync('ip', ['netns', 'del', names.ours]);
    }
  });
});
