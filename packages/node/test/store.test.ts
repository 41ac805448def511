import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { jsonCodec, StoreDecodeError } from '../src/db/codecs.js';
import { Store } from '../src/db/store.js';

const WRITER = fileURLToPath(new URL('./store-writer.js', import.meta.url));

describe('store', { timeout: 60_000 }, () => {
  it('namespaces are separate, batches are atomic, ranges and prefixes iterate in order', async () => {
    const store = await Store.open(await mkdtemp(join(tmpdir(), 'mosaic-store-')));
    try {
      await store.code.put('a', new Uint8Array([1]));
      await store.shares.put('a', new Uint8Array([2]));
      assert.deepEqual(await store.code.get('a'), new Uint8Array([1]));
      assert.deepEqual(await store.shares.get('a'), new Uint8Array([2]));
      assert.equal(await store.tasks.get('a'), undefined);
      await store
        .batch()
        .put(store.meta, 'x', { n: 5n })
        .put(store.tasks, 't:1', 'one')
        .put(store.tasks, 't:2', 'two')
        .del(store.code, 'a')
        .write();
      assert.deepEqual(await store.meta.get('x'), { n: 5n });
      assert.equal(await store.code.get('a'), undefined);
      const keys: string[] = [];
      for await (const [k] of store.tasks.entries({ prefix: 't:' })) keys.push(k);
      assert.deepEqual(keys, ['t:1', 't:2']);
      const typed = store.namespace('typed', jsonCodec(z.object({ v: z.number() })));
      await assert.rejects(typed.put('k', { v: 'no' } as never));
      const loose = jsonCodec().encode({ v: 'no' });
      assert.throws(() => jsonCodec(z.object({ v: z.number() })).decode(loose), StoreDecodeError);
      assert.throws(() => jsonCodec().decode(new Uint8Array([0xff, 0x00])), StoreDecodeError);
      await assert.rejects(store.code.put('', new Uint8Array()), /keys are strings/);
    } finally {
      await store.close();
    }
  });

  it('every acknowledged write survives kill -9 of the writing process', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mosaic-crash-'));
    const child = spawn(process.execPath, [WRITER, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked: number[] = [];
    const killed = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('writer did not acknowledge 300 writes in time')), 30_000);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const n = Number(line);
        if (!Number.isInteger(n)) return;
        acked.push(n);
        // Kill while it is writing (it never stops on its own).
        if (acked.length === 300) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await killed;
    await new Promise((resolve) => child.once('exit', resolve));
    const store = await Store.open(dir);
    try {
      for (const n of acked) {
        const value = await store.shares.get(`share:${n}`);
        assert.ok(value, `acknowledged write ${n} lost`);
        assert.equal(value.length, 1024);
        assert.equal(value[0], n & 255);
        // The batch's second half is there too (atomic with the first).
        assert.deepEqual(await store.tasks.get(`task:${n}`), { n, state: 'stored' });
      }
    } finally {
      await store.close();
    }
  });
});
