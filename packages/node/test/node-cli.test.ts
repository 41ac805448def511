import '../src/shim.js';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Address, keccak256, toHex } from 'viem';
import { Store } from '../src/db/store.js';
import { localNodeArgs, type NodeProcess, rpc, startNodeProcess, stepDone } from '../src/devnet/index.js';
import { startLedger, type TestLedger } from '../src/devnet/ledger.js';
import { LIFECYCLE_STEPS } from '../src/lifecycle/steps.js';

const CLI = fileURLToPath(new URL('../../../cli/dist/src/bin.js', import.meta.url));
const run = promisify(execFile);

interface Info {
  peerId: string;
  operator: string;
  addresses: string[];
  chainId: number;
  currentEpoch: string | number;
  lifecycle: {
    step: number;
    name: string;
    status: string;
    startedAt?: string;
    finishedAt?: string;
    detail?: unknown;
  }[];
}

describe('mosaic node (CLI) against a local anvil', { timeout: 180_000 }, () => {
  let ledger: TestLedger;
  const nodes: NodeProcess[] = [];
  before(async () => {
    ledger = await startLedger(5n);
  });
  after(async () => {
    await Promise.allSettled(nodes.map((n) => n.kill('SIGKILL')));
    await ledger?.stop();
  });

  const createNode = async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mosaic-cli-node-'));
    const { stdout } = await run(process.execPath, [CLI, 'keys', 'create', '--data-dir', dataDir, '--json']);
    const keys = JSON.parse(stdout) as { operator: Address; peerId: string };
    return { dataDir, keys };
  };
  const launch = (dataDir: string, extra: string[] = []) => {
    const node = startNodeProcess([
      ...localNodeArgs({ dataDir, chainRpc: ledger.url, deploymentFile: ledger.deploymentFile }),
      ...extra,
    ]);
    nodes.push(node);
    return node;
  };

  it('walks the seven lifecycle steps in order, registers once, stops on SIGTERM; code moves between nodes', async () => {
    const a = await createNode();
    // An operator without ETH or MOS: registration says so and the node keeps running.
    const poor = launch(a.dataDir, ['--register']);
    const failed = await poor.waitFor(stepDone('register'), 60_000);
    assert.equal(failed.status, 'failed');
    assert.match(JSON.stringify(failed.detail), /no ETH/);
    assert.equal(await poor.kill('SIGTERM'), 0, 'graceful shutdown exits 0');

    await ledger.fundEth(a.keys.operator);
    await ledger.fundMos(a.keys.operator);
    const nodeA = launch(a.dataDir, ['--register']);
    await nodeA.waitFor(stepDone('register'), 60_000);
    const info = (await rpc(nodeA.rpcUrl(), 'mosaic_info')) as Info;
    assert.equal(info.peerId, a.keys.peerId);
    assert.equal(info.operator, a.keys.operator);
    assert.deepEqual(
      info.lifecycle.map((s) => s.name),
      [...LIFECYCLE_STEPS],
    );
    for (const step of info.lifecycle) {
      assert.equal(step.status, 'done', `${step.name}: ${JSON.stringify(step.detail)}`);
      assert.ok(step.startedAt && step.finishedAt && step.startedAt <= step.finishedAt);
    }
    for (let i = 1; i < info.lifecycle.length; i++) {
      assert.ok((info.lifecycle[i - 1].finishedAt ?? '') <= (info.lifecycle[i].startedAt ?? ''), 'steps out of order');
    }
    const registered = info.lifecycle[6].detail as { loggedIn: boolean; transactions: number };
    assert.equal(registered.loggedIn, true);
    assert.ok(registered.transactions >= 3);
    // The log lines came in the same order.
    const order = nodeA.logs.filter((l) => l.status === 'running').map((l) => l.name);
    assert.deepEqual(order, [...LIFECYCLE_STEPS]);

    // Two more nodes, bootstrapped from A, also registered.
    const bootstrapAddress = info.addresses[0];
    const others = [await createNode(), await createNode()];
    const started: NodeProcess[] = [];
    for (const other of others) {
      await ledger.fundEth(other.keys.operator);
      await ledger.fundMos(other.keys.operator);
      const p = launch(other.dataDir, ['--register', '--bootstrap', bootstrapAddress]);
      started.push(p);
    }
    for (const p of started) {
      const step = await p.waitFor(stepDone('register'), 60_000);
      assert.equal(step.status, 'done', JSON.stringify(step.detail));
    }
    // A secret contract whose committee (n = 3) is exactly these three nodes from the next epoch.
    const code = new TextEncoder().encode(`contract IR ${Date.now()}`);
    const codeHash = keccak256(code);
    await ledger.deploySecretContract(codeHash, 3, 1);
    const epoch = await ledger.advanceEpoch();
    const committee = (await rpc(nodeA.rpcUrl(), 'mosaic_committee', { contractId: 1 })) as {
      epoch: string;
      members: { peerId: string }[];
    };
    assert.equal(BigInt(committee.epoch), epoch);
    assert.deepEqual(
      new Set(committee.members.map((m) => m.peerId)),
      new Set([a.keys.peerId, ...others.map((o) => o.keys.peerId)]),
    );

    // putCode checks the hash and the chain.
    await assert.rejects(rpc(nodeA.rpcUrl(), 'mosaic_putCode', { codeHash, code: toHex(code.subarray(1)) }), {
      code: -32002,
    });
    const stray = new TextEncoder().encode('never deployed');
    await assert.rejects(rpc(nodeA.rpcUrl(), 'mosaic_putCode', [keccak256(stray), toHex(stray)]), { code: -32003 });
    const put = (await rpc(nodeA.rpcUrl(), 'mosaic_putCode', { codeHash, code: toHex(code) })) as { stored: boolean };
    assert.equal(put.stored, true);
    // Node B has not got it: it fetches it from the provider (A) found in the DHT.
    const got = (await rpc(started[0].rpcUrl(), 'mosaic_getCode', { codeHash })) as { code: string };
    assert.equal(got.code, toHex(code));
    await assert.rejects(rpc(started[0].rpcUrl(), 'mosaic_getCode', [keccak256(stray)]), { code: -32001 });

    // Node C restarts without the code (removed from its disk if it had taken it already): its sync step finds
    // itself in the committee and fetches the code, hash-checked.
    assert.equal(await started[1].kill('SIGTERM'), 0);
    const storeOfC = await Store.open(join(others[1].dataDir, 'store'));
    try {
      await storeOfC.code.del(codeHash.toLowerCase());
      assert.equal(await storeOfC.code.has(codeHash.toLowerCase()), false);
    } finally {
      await storeOfC.close();
    }
    const restarted = launch(others[1].dataDir, ['--register', '--bootstrap', bootstrapAddress]);
    const sync = await restarted.waitFor(stepDone('sync'), 60_000);
    assert.equal(sync.status, 'done');
    const detail = sync.detail as { member: number; fetched: number; held: number };
    assert.equal(detail.member, 1);
    assert.equal(detail.fetched, 1, 'the restarted node fetched the code');
    assert.equal(detail.held, 0);
    const announce = await restarted.waitFor(stepDone('announce'), 60_000);
    assert.equal((announce.detail as { held: number }).held, 1);
    // Registration is idempotent: nothing left to send.
    const again = await restarted.waitFor(stepDone('register'), 60_000);
    assert.equal((again.detail as { transactions: number }).transactions, 0);
    const health = await fetch(`${restarted.rpcUrl()}/healthz`);
    assert.equal(health.status, 200);
    const metrics = await (await fetch(`${restarted.rpcUrl()}/metrics`)).text();
    assert.match(metrics, /^mosaic_peers [1-9]/m);
    assert.match(metrics, /^mosaic_listener_height \d+/m);
  });

  it('refuses a bad configuration with a message naming the field (exit code 1, a usage error)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mosaic-cli-bad-'));
    const result = await run(process.execPath, [CLI, 'node', '--data-dir', dataDir, '--chain-rpc', 'not a url'], {
      env: { ...process.env },
    }).catch((error: { code: number; stderr: string }) => error);
    assert.equal((result as { code: number }).code, 1);
    assert.match((result as { stderr: string }).stderr, /chain\.rpcUrl/);
  });
});
