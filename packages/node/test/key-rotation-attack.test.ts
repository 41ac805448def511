// Attack: a leaked at-rest key. The data shares and contract state a node keeps are sealed under a key derived
// from its X25519 secret, which is registered on chain and can never change: whoever once obtained that key (or
// the derived one) could open every record the node will ever write. `mosaic keys rotate-at-rest` seals every
// record again under a fresh random root; afterwards the old key opens nothing. The rotation is killed with
// SIGKILL midway and run again: nothing is lost, and the second run resumes instead of starting over.
import '../src/shim.js';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { vec } from '@mosaic/mpc';
import { bytesToHex, type Hex } from 'viem';
import { Store } from '../src/db/store.js';
import { loadAtRestRoots } from '../src/keys/at-rest-keyring.js';
import { loadOrCreateKeys } from '../src/keys/keystore.js';
import { keyOf, type ShareRecord, ShareStore } from '../src/storage/share-store.js';
import { type ContractState, StateStore } from '../src/tasks/state-store.js';

const CLI = fileURLToPath(new URL('../../../cli/dist/src/bin.js', import.meta.url));
const POINTERS = 400;
const SEGMENTS = 10;

describe('attack: a leaked at-rest key, and its rotation killed midway', { timeout: 300_000 }, () => {
  let dataDir: string;
  let x25519SecretKey: Uint8Array;
  const records: ShareRecord[] = [];
  const state: ContractState = {
    version: 7n,
    epoch: 3n,
    shares: [vec.fromBigInts([1n, 2n, 3n]), vec.fromBigInts([4n])],
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mosaic-rotation-'));
    x25519SecretKey = (await loadOrCreateKeys(dataDir)).keys.x25519SecretKey;
    for (let p = 0; p < POINTERS; p++) {
      const pointer = bytesToHex(randomBytes(32)) as Hex;
      for (let segment = 0; segment < SEGMENTS; segment++) {
        records.push({
          pointer,
          epoch: 2n,
          member: 3,
          n: 5,
          t: 2,
          segment,
          size: 100,
          layout: 0,
          storedAt: Date.now(),
          share: vec.fromBigInts(Array.from({ length: 8 }, (_, i) => BigInt(p * 1000 + segment * 10 + i))),
        });
      }
    }
    const store = await Store.open(join(dataDir, 'store'));
    try {
      await new ShareStore(store, x25519SecretKey).putAll(records);
      const batch = store.batch();
      new StateStore(store, x25519SecretKey).put(batch, 42n, state);
      await batch.write();
    } finally {
      await store.close();
    }
  });
  after(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** How many share records open under `secret` alone, and whether every one opens under the node's keyring. */
  const census = async (secret: Uint8Array | { current: Uint8Array; previous: Uint8Array[] }) => {
    const store = await Store.open(join(dataDir, 'store'));
    try {
      const only = new ShareStore(store, secret);
      const all = new ShareStore(store, await loadAtRestRoots(dataDir, x25519SecretKey));
      let opened = 0;
      for (const r of records) {
        const bytes = (await only.records.get(keyOf(r.pointer, r.segment)))!;
        try {
          only.open(r.pointer, r.segment, bytes);
          opened++;
        } catch {
          // sealed under another root
        }
        const read = await all.get(r.pointer, r.segment);
        assert.deepEqual(read?.share, r.share, `${r.pointer}:${r.segment} is lost`);
      }
      const stateRead = await new StateStore(store, await loadAtRestRoots(dataDir, x25519SecretKey)).get(42n);
      assert.deepEqual(stateRead, state, 'the contract state is lost');
      const stateUnderSecret = await new StateStore(store, secret).get(42n).then(
        () => true,
        () => false,
      );
      return { opened, stateUnderSecret };
    } finally {
      await store.close();
    }
  };

  it('records stay readable through a SIGKILL midway; afterwards the old key opens none of them', async () => {
    // Killed after its first durable batch (one record per batch, so that there is a middle to kill it in).
    const child = spawn(process.execPath, [CLI, 'keys', 'rotate-at-rest', '--data-dir', dataDir, '--batch-size', '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/resealed \d+/.test(stderr)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the rotation ended (${code}) before it was killed: ${stderr}`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const midway = await loadAtRestRoots(dataDir, x25519SecretKey);
    assert.equal(midway.previous.length, 1, 'the keyring keeps the old root while the rotation is unfinished');
    const underNew = await census({ current: midway.current, previous: [] });
    assert.ok(underNew.opened > 0, 'some records were sealed again before the kill');
    assert.ok(underNew.opened < records.length, 'the kill came before the end (nothing to resume otherwise)');

    // Run again: it resumes under the same new root and finishes.
    const rerun = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, [CLI, 'keys', 'rotate-at-rest', '--data-dir', dataDir, '--json'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      c.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      c.stderr.on('data', (d: Buffer) => {
        err += d.toString();
      });
      c.once('exit', (code) => resolve({ code, stdout: out, stderr: err }));
    });
    assert.equal(rerun.code, 0, rerun.stderr);
    const result = JSON.parse(rerun.stdout) as { resumed: boolean; resealed: number; records: number };
    assert.equal(result.resumed, true);
    assert.equal(result.records, records.length + 1);
    assert.equal(result.resealed, records.length + 1 - underNew.opened);
    const done = await loadAtRestRoots(dataDir, x25519SecretKey);
    assert.deepEqual(done.current, midway.current, 'the resumed rotation kept the new root');
    assert.equal(done.previous.length, 0, 'the old root is dropped at the end');

    // Everything opens under the new root alone, nothing under the old key.
    const afterRotation = await census(done.current);
    assert.equal(afterRotation.opened, records.length);
    assert.equal(afterRotation.stateUnderSecret, true);
    const underOld = await census(x25519SecretKey);
    assert.equal(underOld.opened, 0, 'the old key still opens records');
    assert.equal(underOld.stateUnderSecret, false, 'the old key still opens the contract state');
    console.log(
      `# at-rest rotation: ${underNew.opened} of ${records.length} share records were sealed again before the SIGKILL; the rerun resumed and sealed ${result.resealed}`,
    );
  });
});
