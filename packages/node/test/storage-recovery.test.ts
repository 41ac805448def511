// Lost-disk recovery (docs/storage.md): the masked re-sharing towards the lost member's point, in memory.
// The lost member gets exactly its share; no single helper message equals the helper's unmasked contribution.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lagrangeCoefficients, type Party, runParties, share, vec } from '@mosaic/mpc';
import { recoverySessionThreshold, runRecovery } from '../src/storage/recovery-session.js';

describe('lost-disk recovery by masked re-sharing', () => {
  for (const [n, t, helpers, lost] of [
    [5, 2, [1, 3, 5], 2],
    [3, 1, [2, 3], 1],
    [7, 3, [4, 5, 6, 7], 1],
  ] as const) {
    it(`(${n}, ${t}): helpers ${helpers.join(', ')} restore member ${lost}'s shares of two segments`, async () => {
      const segments = [vec.random(40), vec.random(7)];
      const shares = segments.map((s) => share(s, n, t)); // shares[segment][member - 1]
      const sizes = segments.map((s) => vec.size(s));
      const seen: vec.FieldVector[] = [];
      const results = await runParties(
        helpers.length + 1,
        recoverySessionThreshold(helpers.length + 1),
        async (party: Party) => {
          if (party.id === helpers.length + 1) {
            // Record what the lost member receives, to check no message is a bare contribution.
            const exchange = party.exchange.bind(party);
            party.exchange = async (step, out, incoming) => {
              const got = await exchange(step, out, incoming);
              for (const v of got.values()) seen.push(v);
              return got;
            };
          }
          const member = helpers[party.id - 1];
          return runRecovery(party, {
            helpers,
            lost,
            sizes,
            held: member === undefined ? undefined : shares.map((s) => s[member - 1]!),
          });
        },
      );
      const recovered = results[helpers.length]!;
      assert.ok(recovered);
      for (const [segment, s] of shares.entries()) assert.ok(vec.equal(recovered[segment]!, s[lost - 1]!));
      for (const r of results.slice(0, helpers.length)) assert.equal(r, undefined);
      // Each message is masked: none equals lambda_h * s_h for its helper.
      const lambdas = lagrangeCoefficients(helpers, lost);
      assert.equal(seen.length, helpers.length);
      for (const [i, h] of helpers.entries()) {
        const bare = vec.scale(vec.concat(shares.map((s) => s[h - 1]!)), lambdas[i]!);
        assert.ok(
          seen.every((m) => !vec.equal(m, bare)),
          `helper ${h}'s contribution travels masked`,
        );
      }
    });
  }

  it('a helper without the shares fails instead of sending', async () => {
    await assert.rejects(
      runParties(
        3,
        1,
        async (party: Party) => runRecovery(party, { helpers: [1, 2], lost: 3, sizes: [4], held: undefined }),
        { timeoutMs: 2_000 },
      ),
    );
  });
});
