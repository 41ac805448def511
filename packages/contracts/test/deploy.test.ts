// deploy() against a JSON-RPC endpoint, the deployments file, and the anvil launcher.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createPublicClient, http } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { mosaicContracts, validateDeployParameters } from '../src/index.js';
import { ANVIL_MNEMONIC, anvilBinaryPath, deploy, readDeployment, startAnvil } from '../src/node.js';

describe('deploy and anvil', () => {
  it('deploys the suite to an endpoint and writes <chainId>.json', async () => {
    const anvil = await startAnvil({ chainId: 4242 });
    const dir = await mkdtemp(join(tmpdir(), 'mosaic-deployments-'));
    try {
      const account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 0 });
      const deployment = await deploy({
        rpcUrl: anvil.url,
        account,
        epochLength: 10n,
        taskTimeoutBlocks: 20n,
        storageFeePerByteEpoch: 1n,
        deploymentsDir: dir,
      });
      assert.equal(deployment.chainId, 4242);
      assert.equal(deployment.file, join(dir, '4242.json'));
      const read = await readDeployment(dir, 4242);
      assert.deepEqual(read.addresses, deployment.addresses);
      assert.equal(read.parameters.epochLength, 10n);
      const client = createPublicClient({ transport: http(anvil.url) });
      const contracts = mosaicContracts(read.addresses, { public: client });
      assert.equal(await contracts.token.read.symbol(), 'MOS');
      assert.equal(await contracts.nodeRegistry.read.epochs(), read.addresses.epochs);
      assert.equal(await contracts.secretContracts.read.tasks(), read.addresses.tasks);
      assert.equal(await contracts.epochs.read.epochLength(), 10n);
      // A corrupted file is rejected.
      const file = join(dir, '4242.json');
      const json = JSON.parse(await readFile(file, 'utf8'));
      json.addresses.tasks = 'nope';
      await writeFile(file, JSON.stringify(json));
      await assert.rejects(readDeployment(dir, 4242), /addresses.tasks/);
      await assert.rejects(readDeployment(dir, 1), /ENOENT/);
    } finally {
      await anvil.stop();
      await anvil.stop(); // idempotent
      await rm(dir, { recursive: true, force: true });
    }
    assert.equal(
      await fetch(anvil.url).then(
        () => 'up',
        () => 'down',
      ),
      'down',
    );
  });

  it('validates deploy inputs', async () => {
    assert.throws(() =>
      validateDeployParameters({ epochLength: 0n, taskTimeoutBlocks: 1n, storageFeePerByteEpoch: 0n }),
    );
    assert.throws(() =>
      validateDeployParameters({ epochLength: 1n, taskTimeoutBlocks: 1n, storageFeePerByteEpoch: -1n }),
    );
    assert.throws(() =>
      validateDeployParameters({ epochLength: 1n, taskTimeoutBlocks: 1n, storageFeePerByteEpoch: 0n, owner: '0x12' }),
    );
    await assert.rejects(
      deploy({
        rpcUrl: 'ftp://x',
        account: '0x00',
        epochLength: 1n,
        taskTimeoutBlocks: 1n,
        storageFeePerByteEpoch: 0n,
      }),
      /rpcUrl/,
    );
    assert.match(anvilBinaryPath(), /anvil/);
  });
});
