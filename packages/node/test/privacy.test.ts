// Privacy check: a secret contract runs on five node processes with distinctive secret inputs (and a private
// output, and secret state), then every node's data directory (every file, recursively, as bytes) and every log
// line the nodes wrote are searched for each secret value as decimal text, lowercase hex text, 8-byte
// little-endian and 16-byte little-endian (field element) bytes. None may appear. A positive control (the
// contract's public code hash, which the node stores) shows the search does find what is there.
import '../src/shim.js';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MosaicClient } from '@mosaic/client';
import { ANVIL_MNEMONIC } from '@mosaic/contracts/node';
import { compile, contract, fn, max, reveal, secret, state } from '@mosaic/lang';
import { bytesToHex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { WebSocket } from 'ws';
import { type LocalNetwork, startLocalNetwork } from '../src/devnet/network.js';

const A = 987_654_321_987n;
const B = 123_456_789_123n;

const vault = state({ total: secret.int64 });
const Private = contract('PrivacyCheck', {
  state: vault,
  functions: {
    compare: fn({ a: secret.int64, b: secret.int64 }, ({ a, b }) => ({
      aIsRicher: reveal(a.gt(b)),
      larger: max(a, b),
    })),
    add: fn({ x: secret.int64 }, ({ x }) => {
      vault.total = vault.total.add(x);
      return undefined;
    }),
  },
});

function littleEndian(value: bigint, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  let v = value;
  for (let i = 0; i < bytes; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** The encodings searched for one secret value. */
function needles(label: string, value: bigint): { label: string; bytes: Buffer }[] {
  return [
    { label: `${label} decimal`, bytes: Buffer.from(value.toString(10)) },
    { label: `${label} hex`, bytes: Buffer.from(value.toString(16)) },
    { label: `${label} 8-byte LE`, bytes: littleEndian(value, 8) },
    { label: `${label} 16-byte LE`, bytes: littleEndian(value, 16) },
  ];
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

describe('privacy: no secret value in any node data directory or log', { timeout: 300_000 }, () => {
  let net: LocalNetwork;
  let client: MosaicClient;
  let codeHash: string;

  before(async () => {
    // Debug level: the most the node writes in normal operation (trace is the libp2p firehose).
    net = await startLocalNetwork({ count: 5, logLevel: 'debug' });
    const caller = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 7 });
    await net.ledger.fundMos(caller.address);
    client = await MosaicClient.connect({
      chain: { rpcUrl: net.ledger.url, account: bytesToHex(caller.getHdKey().privateKey!) },
      addresses: net.ledger.addresses,
      node: net.nodes[2]!.rpcUrl(),
      WebSocket: WebSocket as never,
    });
  });
  after(async () => {
    await client?.close();
    await net?.stop();
  });

  it('runs the contract, then finds none of the secrets (and finds the public code hash)', async () => {
    const compiled = compile(Private);
    codeHash = compiled.codeHash;
    const deployed = await client.deploy(compiled, { n: 5, t: 2 });
    assert.equal(deployed.codeStored, true);
    await net.ledger.advanceEpoch();
    const handle = client.contract(compiled, deployed.contractId);

    const compared = await handle.call.compare({ a: A, b: B }, { autoDeposit: true });
    assert.equal(compared.outputs.aIsRicher, true);
    assert.equal(compared.outputs.larger, A); // the private output, reconstructed only by the caller
    await handle.call.add({ x: A }, { autoDeposit: true });
    await handle.call.add({ x: B }, { autoDeposit: true }); // secret state: A + B

    // Let receipts commit and state writes settle, then stop the nodes so that everything is on disk.
    await new Promise((r) => setTimeout(r, 3_000));
    await Promise.all(net.nodes.map((n) => n.kill('SIGTERM')));

    const secrets = [...needles('a', A), ...needles('b', B), ...needles('a+b', A + B)];
    const control = Buffer.from(codeHash.slice(2).toLowerCase());
    const found: string[] = [];
    let files = 0;
    let bytes = 0;
    let controlHits = 0;
    for (const [i, dir] of net.dataDirs.entries()) {
      for (const path of await filesUnder(dir)) {
        const content = await readFile(path);
        files++;
        bytes += content.length;
        if (content.includes(control)) controlHits++;
        for (const needle of secrets) {
          if (content.includes(needle.bytes)) found.push(`node ${i} file ${path}: ${needle.label}`);
        }
      }
    }
    let logLines = 0;
    let logControlHits = 0;
    for (const [i, node] of net.nodes.entries()) {
      for (const line of node.logs) {
        const text = Buffer.from(JSON.stringify(line));
        logLines++;
        for (const needle of secrets) {
          if (text.includes(needle.bytes))
            found.push(`node ${i} log line ${text.toString().slice(0, 200)}: ${needle.label}`);
        }
        if (text.includes(Buffer.from(String(compared.taskId)))) logControlHits++;
      }
    }

    assert.ok(files > 0 && bytes > 0, `searched ${files} files, ${bytes} bytes`);
    assert.ok(logLines > 0, 'searched no log lines');
    assert.ok(controlHits > 0, 'positive control: the public code hash is in some node data directory');
    assert.ok(logControlHits > 0, 'positive control: the public task id appears in the logs');
    assert.deepEqual(found, [], found.join('\n'));
  });
});
