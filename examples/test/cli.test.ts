// How a script run by hand finds its network: flags, then environment, then the devnet's devnet.json.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectionFromCli } from '../common/cli.js';

const addresses = (digit: string) =>
  Object.fromEntries(
    ['token', 'nodeRegistry', 'epochs', 'secretContracts', 'tasks', 'dataRegistry'].map((k, i) => [
      k,
      `0x${digit.repeat(39)}${i}`,
    ]),
  );
const KEY = `0x${'ab'.repeat(32)}`;

describe('connectionFromCli', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mosaic-examples-cli-'));
    await writeFile(
      join(dir, 'devnet.json'),
      JSON.stringify({
        format: 'mosaic-devnet/v1',
        chainRpc: 'http://127.0.0.1:8545',
        nodeRpcs: ['http://127.0.0.1:8645', 'http://127.0.0.1:8646'],
        addresses: addresses('1'),
        account: { privateKey: KEY },
      }),
    );
    await writeFile(join(dir, '31337.json'), JSON.stringify({ chainId: 31337, addresses: addresses('2') }));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads devnet.json when nothing else is given', async () => {
    const c = await connectionFromCli(['--devnet-dir', dir], {});
    assert.equal(c.chainRpcUrl, 'http://127.0.0.1:8545');
    assert.equal(c.nodeRpcUrl, 'http://127.0.0.1:8645');
    assert.equal(c.addresses.tasks, addresses('1').tasks);
    assert.equal(c.accountKey, KEY);
    assert.equal(c.committee, undefined);
  });

  it('prefers flags over the environment over devnet.json', async () => {
    const env = {
      MOSAIC_CHAIN_RPC: 'http://env:1',
      MOSAIC_NODE_RPC: 'http://env:2',
      MOSAIC_DEPLOYMENT: join(dir, '31337.json'),
      MOSAIC_ACCOUNT_KEY: `0x${'cd'.repeat(32)}`,
    };
    const fromEnv = await connectionFromCli(['--devnet-dir', dir], env);
    assert.deepEqual([fromEnv.chainRpcUrl, fromEnv.nodeRpcUrl], ['http://env:1', 'http://env:2']);
    assert.equal(fromEnv.addresses.tasks, addresses('2').tasks);
    assert.equal(fromEnv.accountKey, env.MOSAIC_ACCOUNT_KEY);
    const fromFlags = await connectionFromCli(
      ['--devnet-dir', dir, '--chain-rpc', 'http://flag:1', '--node-rpc', 'http://flag:2', '--n', '3', '--t', '1'],
      env,
    );
    assert.deepEqual([fromFlags.chainRpcUrl, fromFlags.nodeRpcUrl], ['http://flag:1', 'http://flag:2']);
    assert.deepEqual(fromFlags.committee, { n: 3, t: 1 });
  });

  it('names what is missing', async () => {
    const none = join(dir, 'none');
    await assert.rejects(connectionFromCli(['--devnet-dir', none], {}), /no chain RPC URL: pass --chain-rpc/);
    await assert.rejects(
      connectionFromCli(['--devnet-dir', none, '--chain-rpc', 'http://a', '--node-rpc', 'http://b'], {
        MOSAIC_DEPLOYMENT: join(dir, '31337.json'),
      }),
      /no account: set MOSAIC_ACCOUNT_KEY/,
    );
    await assert.rejects(connectionFromCli(['--devnet-dir', dir, '--bogus'], {}), /bogus/);
    await assert.rejects(connectionFromCli(['--devnet-dir', dir, '--n', '4', '--t', '2'], {}), /2t \+ 1 <= n/);
  });
});
