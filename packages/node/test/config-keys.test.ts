import '../src/shim.js';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { WrongPassphraseError } from '../src/keys/encryption.js';
import { createKeys, KeyFileError, loadKeys, loadOrCreateKeys } from '../src/keys/keystore.js';

const FAST_SCRYPT = { logN: 10, r: 8, p: 1 };
const ADDRESSES = {
  token: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  nodeRegistry: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
  epochs: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0',
  secretContracts: '0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9',
  tasks: '0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9',
  dataRegistry: '0x5FC8d32690cc91D4c39d9d3abcBD16989F875707',
};

const temp = () => mkdtemp(join(tmpdir(), 'mosaic-node-unit-'));

describe('config', { timeout: 10_000 }, () => {
  it('merges file, then MOSAIC_* environment, then flags (later wins), with defaults', async () => {
    const dir = await temp();
    const file = join(dir, 'node.json');
    await writeFile(
      file,
      JSON.stringify({
        dataDir: '/from/file',
        chain: { rpcUrl: 'http://127.0.0.1:1', addresses: ADDRESSES, confirmations: 5 },
        rpc: { port: 1000 },
        bootstrap: ['/ip4/1.2.3.4/tcp/1/p2p/x'],
      }),
    );
    const config = await loadConfig({
      file,
      env: { MOSAIC_RPC_PORT: '2000', MOSAIC_CONFIRMATIONS: '7', MOSAIC_REGISTER: 'true', UNRELATED: 'x' },
      flags: { rpc: { port: 3000 }, dataDir: undefined },
    });
    assert.equal(config.dataDir, '/from/file');
    assert.equal(config.chain.confirmations, 7);
    assert.equal(config.rpc.port, 3000);
    assert.equal(config.register.enabled, true);
    assert.equal(config.rpc.host, '127.0.0.1');
    assert.deepEqual(config.bootstrap, ['/ip4/1.2.3.4/tcp/1/p2p/x']);
    assert.equal(config.discovery.minConnections, 3);
    assert.deepEqual(config.announce, []);
  });

  it('takes the addresses to announce from the environment or the flags', async () => {
    const base = { dataDir: '/d', chain: { rpcUrl: 'http://127.0.0.1:1', addresses: ADDRESSES } };
    const fromEnv = await loadConfig({
      env: { MOSAIC_ANNOUNCE: '/ip4/198.18.0.10/tcp/4001,/ip4/198.18.0.10/tcp/4003' },
      flags: base,
    });
    assert.deepEqual(fromEnv.announce, ['/ip4/198.18.0.10/tcp/4001', '/ip4/198.18.0.10/tcp/4003']);
    const fromFlags = await loadConfig({ env: {}, flags: { ...base, announce: ['/ip4/198.18.0.11/tcp/4001'] } });
    assert.deepEqual(fromFlags.announce, ['/ip4/198.18.0.11/tcp/4001']);
  });

  it('names the bad field and where it came from', async () => {
    const base = { dataDir: '/d', chain: { rpcUrl: 'http://127.0.0.1:1', addresses: ADDRESSES } };
    await assert.rejects(
      loadConfig({ env: { MOSAIC_RPC_PORT: '70000' }, flags: base }),
      (error: Error) =>
        error instanceof ConfigError && /rpc\.port/.test(error.message) && /environment/.test(error.message),
    );
    await assert.rejects(
      loadConfig({ env: {}, flags: { ...base, chain: { rpcUrl: 'ftp://x', addresses: ADDRESSES } } }),
      /chain\.rpcUrl/,
    );
    await assert.rejects(loadConfig({ env: {}, flags: { ...base, listen: ['not a multiaddr'] } }), /listen\.0/);
    await assert.rejects(loadConfig({ env: {}, flags: { ...base, announce: ['/ip4/x'] } }), /announce\.0/);
    await assert.rejects(loadConfig({ env: {}, flags: { ...base, bogus: 1 } }), /bogus/);
    await assert.rejects(
      loadConfig({ env: {}, flags: { dataDir: '/d', chain: { rpcUrl: 'http://a:1' } } }),
      /deploymentFile/,
    );
    const dir = await temp();
    await writeFile(join(dir, 'bad.json'), '{ not json');
    await assert.rejects(loadConfig({ file: join(dir, 'bad.json'), env: {} }), /not valid JSON/);
    await assert.rejects(loadConfig({ file: join(dir, 'missing.json'), env: {} }), /cannot read config file/);
  });
});

describe('keys', { timeout: 30_000 }, () => {
  it('generates keys on first start into a 0600 file and loads the same keys again', async () => {
    const dir = await temp();
    const first = await loadOrCreateKeys(dir);
    assert.equal(first.created, true);
    assert.equal((await stat(first.file)).mode & 0o777, 0o600);
    const again = await loadOrCreateKeys(dir);
    assert.equal(again.created, false);
    assert.equal(again.keys.operator.address, first.keys.operator.address);
    assert.equal(again.keys.peerId.toString(), first.keys.peerId.toString());
    assert.equal(again.keys.x25519PublicKey, first.keys.x25519PublicKey);
    // Another directory, other keys (a CSPRNG, not a constant).
    const other = await loadOrCreateKeys(await temp());
    assert.notEqual(other.keys.operator.address, first.keys.operator.address);
    assert.notEqual(other.keys.x25519PublicKey, first.keys.x25519PublicKey);
    // Printing the keys shows no secret.
    const printed = JSON.stringify(first.keys);
    const secrets = JSON.parse(await readFile(first.file, 'utf8')).keys as Record<string, string>;
    for (const secret of Object.values(secrets)) assert.ok(!printed.includes(secret.slice(2)), 'a secret was printed');
    await assert.rejects(createKeys(dir), /never overwritten/);
  });

  it('refuses a key file readable by others, or tightens it when told to', async () => {
    const dir = await temp();
    const { file } = await loadOrCreateKeys(dir);
    await chmod(file, 0o644);
    await assert.rejects(loadKeys(dir), (e: Error) => e instanceof KeyFileError && /0644/.test(e.message));
    await loadKeys(dir, { fixPermissions: true });
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  it('encrypts with a passphrase; a wrong or missing passphrase is a clear error', async () => {
    const dir = await temp();
    const created = await loadOrCreateKeys(dir, { passphrase: 'correct horse', scrypt: FAST_SCRYPT });
    const text = await readFile(created.file, 'utf8');
    assert.match(text, /"encrypted": true/);
    assert.doesNotMatch(text, /"operator"/);
    const loaded = await loadKeys(dir, { passphrase: 'correct horse' });
    assert.equal(loaded.operator.address, created.keys.operator.address);
    await assert.rejects(loadKeys(dir, { passphrase: 'wrong horse' }), WrongPassphraseError);
    await assert.rejects(loadKeys(dir), /passphrase is required/);
  });

  it('reports a malformed key file without crashing', async () => {
    const dir = await temp();
    const { file } = await loadOrCreateKeys(dir);
    await writeFile(file, JSON.stringify({ version: 1, encrypted: false, keys: { operator: '0x12' } }), {
      mode: 0o600,
    });
    await assert.rejects(loadKeys(dir), /malformed/);
  });
});
