/**
 * The location app (issue 7) end to end on a local network: a real anvil chain with the suite deployed and five
 * `mosaic node` processes. Users store location samples, grant app X and app Y; X computes the average daily
 * distance on the stored data; a user revokes X; X's next load and next computation are refused by every node;
 * Y still computes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LocalNetwork } from '@mosaic/node/devnet';
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
    // The load: every storage member refused (access denied), so fewer than t + 1 answered.
    assert.match(result.loadRefusedBecause, /access denied|may not use the data/);
    assert.match(result.computeRefusedBecause, /skipped: stored input alice: access denied for caller/);
  });
});
