import '../src/shim.js';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mosaicTokenAbi } from '@mosaic/contracts';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { parseConfig } from '../src/config/load.js';
import { jsonCodec } from '../src/db/codecs.js';
import { rpc } from '../src/devnet/index.js';
import { startLedger, type TestLedger } from '../src/devnet/ledger.js';
import { MosaicNode } from '../src/node.js';

describe('MosaicNode in-process: the extension points the executor will use', { timeout: 90_000 }, () => {
  let ledger: TestLedger;
  let node: MosaicNode;
  before(async () => {
    ledger = await startLedger(5n);
  });
  after(async () => {
    await node?.stop();
    await ledger?.stop();
  });

  it('setup subscribes to chain events from the start and adds an RPC method; WS subscriptions notify', async () => {
    const config = parseConfig({
      dataDir: await mkdtemp(join(tmpdir(), 'mosaic-inproc-')),
      chain: { rpcUrl: ledger.url, deploymentFile: ledger.deploymentFile, confirmations: 0, pollIntervalMs: 50 },
      rpc: { port: 0 },
      discovery: { minConnections: 0 },
      log: { level: 'silent' },
    });
    node = await MosaicNode.start(config, {
      setup(n) {
        const epochs = n.store.namespace('test-epochs', jsonCodec(z.object({ startBlock: z.string() })));
        n.listener.on('epochs', 'EpochAdvanced', (event, batch) => {
          batch.put(epochs, String(event.args.epoch), { startBlock: String(event.args.startBlock) });
        });
        n.rpc.method({
          name: 'test_epochs',
          params: z.strictObject({}),
          handler: async () => {
            const seen: string[] = [];
            for await (const key of epochs.keys()) seen.push(key);
            return seen;
          },
        });
      },
    });
    assert.ok(node.lifecycle.complete);
    const url = node.rpcUrl as string;
    const ws = new WebSocket(url.replace('http', 'ws'));
    await new Promise((resolve) => ws.once('open', resolve));
    const messages: Record<string, unknown>[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    ws.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'mosaic_subscribe',
        params: ['chainEvents', { contract: 'token' }],
      }),
    );
    const until = async (predicate: () => boolean) => {
      const deadline = Date.now() + 20_000;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out; messages: ${JSON.stringify(messages).slice(0, 500)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until(() => messages.some((m) => m.id === 1));
    const subscription = (messages.find((m) => m.id === 1) as { result: string }).result;
    assert.match(subscription, /^0x[0-9a-f]{32}$/);

    const to = '0x000000000000000000000000000000000000dEaD';
    await ledger.send(ledger.deployer, ledger.addresses.token, mosaicTokenAbi, 'transfer', [to, 123n]);
    await until(() => messages.some((m) => m.method === 'mosaic_subscription'));
    const note = messages.find((m) => m.method === 'mosaic_subscription') as {
      params: { subscription: string; result: { contract: string; eventName: string; args: { value: string } } };
    };
    assert.equal(note.params.subscription, subscription);
    assert.equal(note.params.result.contract, 'token');
    assert.equal(note.params.result.eventName, 'Transfer');
    assert.equal(note.params.result.args.value, '123');

    // Epoch 0's event (emitted at deployment) was seen because setup ran before the listener started.
    await until(() => node.listener.height !== undefined);
    assert.deepEqual(await rpc(url, 'test_epochs'), ['0']);
    const epoch = await ledger.advanceEpoch();
    await node.listener.waitForBlock(await ledger.client.getBlockNumber({ cacheTime: 0 }), AbortSignal.timeout(20_000));
    assert.deepEqual(await rpc(url, 'test_epochs'), ['0', String(epoch)]);

    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'mosaic_unsubscribe', params: [subscription] }));
    await until(() => messages.some((m) => m.id === 2));
    assert.equal((messages.find((m) => m.id === 2) as { result: boolean }).result, true);
    // Subscriptions over HTTP are refused with their own code.
    await assert.rejects(rpc(url, 'mosaic_subscribe', ['lifecycle']), { code: -32006 });
    ws.close();
  });
});
