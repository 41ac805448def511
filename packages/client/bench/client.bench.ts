/**
 * `npm run bench -- client` (once the suite is listed in scripts/bench.js): envelope sealing and opening for
 * 1 KB and 64 KB payloads with each X25519 provider (@noble/curves, and Web Crypto where the runtime has
 * X25519), and the sealing of a whole (5, 2) task bundle.
 */
import { vec } from '@mosaic/mpc';
import {
  type EnvelopeContext,
  generateKeyPair,
  nobleX25519,
  open,
  openMemberShares,
  seal,
  sealTaskBundle,
  webCryptoX25519,
  type X25519Provider,
} from '../src/index.js';

type Record = (row: { name: string; value: number; unit: string }) => void;

const MIN_SECONDS = 1;

async function rate(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    await fn();
    calls++;
    elapsed = (performance.now() - start) / 1000;
  } while (elapsed < MIN_SECONDS);
  return calls / elapsed;
}

const context: EnvelopeContext = {
  purpose: 'task-input',
  chainId: 31337n,
  tasks: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  contractId: 1n,
  selector: '0x01020304',
  epoch: 1n,
  memberIndex: 1,
  binding: new Uint8Array(32),
};

export async function run(record: Record): Promise<void> {
  const providers: X25519Provider[] = [nobleX25519];
  const web = await webCryptoX25519();
  if (web) providers.push(web);
  for (const provider of providers) {
    const recipient = await provider.generateKeyPair();
    record({
      name: `client.x25519.${provider.name}`,
      value: await rate(() => provider.sharedSecret(recipient.secretKey, recipient.publicKey)),
      unit: 'ops/s',
    });
    for (const [label, size] of [
      ['1k', 1024],
      ['64k', 65536],
    ] as const) {
      const payload = crypto.getRandomValues(new Uint8Array(size));
      const sealed = await seal(payload, recipient.publicKey, context, provider);
      record({
        name: `client.seal.${label}.${provider.name}`,
        value: await rate(() => seal(payload, recipient.publicKey, context, provider)),
        unit: 'envelopes/s',
      });
      record({
        name: `client.open.${label}.${provider.name}`,
        value: await rate(() => open(sealed, recipient.secretKey, context, provider, recipient.publicKey)),
        unit: 'envelopes/s',
      });
    }
  }
  const keys = await Promise.all(Array.from({ length: 5 }, () => generateKeyPair()));
  const committee = keys.map((k, i) => ({
    operator: `0x${(i + 1).toString(16).padStart(40, '0')}` as `0x${string}`,
    x25519PublicKey: k.publicKey,
  }));
  const resultKeyPair = await generateKeyPair();
  const best = web ?? nobleX25519;
  const sealBundle = () =>
    sealTaskBundle({
      chainId: 31337n,
      tasks: context.tasks,
      caller: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      contractId: 1n,
      selector: '0x01020304',
      epoch: 1n,
      t: 2,
      committee,
      secretArgs: vec.fromBigInts([1200n, 5n, 7n, 9n]),
      publicArgs: new Uint8Array(32),
      resultKeyPair,
      provider: best,
    });
  record({ name: `client.bundle.n5.seal.${best.name}`, value: await rate(sealBundle), unit: 'bundles/s' });
  const { bytes } = await sealBundle();
  record({
    name: `client.bundle.n5.openMember.${best.name}`,
    value: await rate(() =>
      openMemberShares(bytes, 1, keys[0]!.secretKey, { provider: best, memberPublicKey: keys[0]!.publicKey }),
    ),
    unit: 'envelopes/s',
  });
}
