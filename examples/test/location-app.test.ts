/**
 * The location app end to end on a local network: a real anvil chain with the suite deployed and five
 * `mosaic node` processes. Users store location samples, grant app X and app Y; X computes the average daily
 * distance on the stored data; a user revokes X; X's next load and next computation are refused by every node;
 * Y still computes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LocalNetwork, rpc } from '@mosaic/node/devnet';
import type { Connection } from '../common/connection.js';
import { averageDistance, run } from '../location-app/script.js';
import { startExampleNetwork } from './example-network.js';

describe('the location app on a five-node network', { timeout: 240_000 }, () => {
  let network: LocalNetwork;
  let connection: Connection;

  before(async () => {
    ({ network, connection } = await startExampleNetwork({ addressIndex: 9, node: 3 }));
  });
  after(async () => {
    await network?.stop();
  });

  it('X computes the average daily distance; after a revocation X is refused by every node; Y still works', async () => {
    const result = await run(connection);
    const expected = averageDistance();
    assert.equal(result.averageByX, expected);
    assert.equal(result.averageByY, expected);
    assert.match(result.loadRefusedBecause, /access denied|may not use the data/);
    assert.match(result.computeRefusedBecause, /skipped: stored input alice: access denied for caller/);
    // The load: each of the five storage members refused on its own (none answered), each with access denied.
    assert.ok(result.loadRefusal, "the refused load carries every member's answer");
    assert.deepEqual(result.loadRefusal.answered, []);
    assert.deepEqual(result.loadRefusal.failures.map((f) => f.member).sort(), [1, 2, 3, 4, 5]);
    const operators = await Promise.all(
      network.nodes.map(async (n) => ((await rpc(n.rpcUrl(), 'mosaic_info')) as { operator: string }).operator),
    );
    assert.deepEqual(
      result.loadRefusal.failures.map((f) => f.operator.toLowerCase()).sort(),
      operators.map((o) => o.toLowerCase()).sort(),
      'each node refused as one member',
    );
    for (const failure of result.loadRefusal.failures) {
      assert.match(failure.error, /^access-denied: .*may not use the data/, `member ${failure.member}`);
    }
    // The computation: each node skipped X's task itself, naming X as the refused caller.
    const taskId = `0x${result.computeRefusedTaskId.toString(16)}`;
    for (const [i, node] of network.nodes.entries()) {
      const info = (await rpc(node.rpcUrl(), 'mosaic_getTask', { taskId })) as {
        receiptStatus?: string;
        error?: string;
      };
      assert.equal(info.receiptStatus, 'skipped', `node ${i}`);
      assert.match(String(info.error), new RegExp(`access denied for caller ${result.appX}`), `node ${i}`);
    }
  });
});
