import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BIN = fileURLToPath(new URL('../src/bin.js', import.meta.url));
const run = promisify(execFile);
const mosaic = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 30_000 });
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => assert.fail('expected a failure'),
    (error: { code: number; stderr: string }) => error,
  );

describe('mosaic CLI', { timeout: 60_000 }, () => {
  it('--help lists the commands; an unknown command is a usage error (exit 2)', async () => {
    const { stdout } = await mosaic(['--help']);
    assert.match(stdout, /node \[options\]/);
    assert.match(stdout, /keys/);
    const { stdout: nodeHelp } = await mosaic(['node', '--help']);
    assert.match(nodeHelp, /--config <file>/);
    assert.match(nodeHelp, /MOSAIC_CHAIN_RPC_URL/);
    assert.equal((await failure(mosaic(['frobnicate']))).code, 2);
  });

  it('keys create writes a 0600 key file and prints no secret; keys show reads it back; passphrase errors are clear', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mosaic-cli-keys-'));
    const { stdout } = await mosaic(['keys', 'create', '--data-dir', dir, '--json']);
    const created = JSON.parse(stdout) as { operator: string; peerId: string; file: string; x25519PublicKey: string };
    assert.match(created.operator, /^0x[0-9a-fA-F]{40}$/);
    assert.equal((await stat(created.file)).mode & 0o777, 0o600);
    assert.deepEqual(Object.keys(created).sort(), ['encrypted', 'file', 'operator', 'peerId', 'x25519PublicKey']);
    const shown = JSON.parse((await mosaic(['keys', 'show', '--data-dir', dir, '--json'])).stdout);
    assert.equal(shown.peerId, created.peerId);
    assert.equal((await failure(mosaic(['keys', 'create', '--data-dir', dir]))).code, 1);

    const secret = await mkdtemp(join(tmpdir(), 'mosaic-cli-keys-enc-'));
    await writeFile(join(secret, 'pass'), 'open sesame\n');
    await mosaic(['keys', 'create', '--data-dir', join(secret, 'data'), '--passphrase-file', join(secret, 'pass')]);
    const wrong = await failure(
      mosaic(['keys', 'show', '--data-dir', join(secret, 'data')], { MOSAIC_PASSPHRASE: 'nope' }),
    );
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /wrong passphrase/);
    const missing = await failure(mosaic(['keys', 'show', '--data-dir', join(secret, 'data')]));
    assert.match(missing.stderr, /passphrase is required/);
    await mosaic(['keys', 'show', '--data-dir', join(secret, 'data')], { MOSAIC_PASSPHRASE: 'open sesame' });
  });
});
