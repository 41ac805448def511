/**
 * The location app on a network: three users store a day of location samples each (int64 data) and
 * grant app X and app Y; X computes the users' average daily distance in a secret contract; alice revokes X;
 * X's next load of her data and X's next computation are refused by every node, and Y still computes.
 * Run by hand: `node examples/dist/location-app/script.js` (see README.md).
 */
import { type MosaicClient, NodeRpcError, TaskFailedError } from '@mosaic/client';
import { compile } from '@mosaic/lang';
import type { Address, Hex } from 'viem';
import { mainIf } from '../common/cli.js';
import { type Connection, Network } from '../common/connection.js';
import locationApp, { SAMPLES } from './contract.js';

/** The data type the app stores locations under (the users grant it to the apps). */
export const TYPE_LOCATION = 3;

/** A day of samples per user: x metres, then y metres. */
export const DEFAULT_DAYS: Record<'alice' | 'bob' | 'carol', { x: bigint[]; y: bigint[] }> = {
  alice: { x: [0n, 400n, 400n, 1_200n, 900n, 0n], y: [0n, 0n, 300n, 300n, -100n, 0n] },
  bob: { x: [50n, 50n, -700n, -700n, 50n, 50n], y: [10n, 2_010n, 2_010n, 10n, 10n, 10n] },
  carol: { x: [-300n, -250n, -250n, 100n, 100n, -300n], y: [40n, 40n, 90n, 90n, 40n, 40n] },
};

/** What the contract computes, in plain JavaScript (for checking). */
export function averageDistance(days = DEFAULT_DAYS): bigint {
  const abs = (v: bigint) => (v < 0n ? -v : v);
  const walk = (c: bigint[]) => c.slice(1).reduce((sum, v, i) => sum + abs(v - c[i]!), 0n);
  const total = Object.values(days).reduce((sum, d) => sum + walk(d.x) + walk(d.y), 0n);
  return total / BigInt(Object.keys(days).length);
}

export interface LocationAppResult {
  contractId: bigint;
  pointers: Record<string, Hex>;
  /** X's average before the revocation, Y's after it. */
  averageByX: bigint;
  averageByY: bigint;
  /** App X's account (the caller the nodes name when they refuse it). */
  appX: Address;
  /** Why X's load and X's computation were refused after the revocation. */
  loadRefusedBecause: string;
  computeRefusedBecause: string;
  /** Each storage member's own answer to X's refused load, as the gateway relayed them (its error's data). */
  loadRefusal: { answered: number[]; failures: { member: number; operator: string; error: string }[] } | undefined;
  /** X's refused computation, to ask each node about it. */
  computeRefusedTaskId: bigint;
}

export async function run(connection: Connection, days = DEFAULT_DAYS): Promise<LocationAppResult> {
  const network = await Network.open(connection);
  try {
    const compiled = compile(locationApp);
    const deployer = await network.connect(connection.accountKey);
    const { contractId } = await deployer.deploy(compiled, network.committee);
    network.log(`deployed LocationApp as secret contract ${contractId}`);
    network.log(`active from epoch ${await network.nextEpoch()}`);
    const [alice, bob, carol, appX, appY] = await network.users(['alice', 'bob', 'carol', 'app-x', 'app-y']);
    const owners = { alice: alice!, bob: bob!, carol: carol! };

    // Each user's phone stores the day's samples in the network and grants both apps the location type.
    const pointers: Record<string, Hex> = {};
    for (const [name, user] of Object.entries(owners)) {
      const day = days[name as keyof typeof days];
      if (day.x.length !== SAMPLES || day.y.length !== SAMPLES) throw new Error(`${name}: ${SAMPLES} samples a day`);
      const stored = await user.client.data.store(
        { encoding: 'int64', value: [...day.x, ...day.y] },
        { dataType: TYPE_LOCATION },
      );
      pointers[name] = stored.pointer;
      await user.client.data.grant(appX!.account.address, [TYPE_LOCATION]);
      await user.client.data.grant(appY!.account.address, [TYPE_LOCATION]);
      network.log(`${name} stored ${2 * SAMPLES} values at ${stored.pointer} and granted app X and app Y`);
    }
    const compute = (app: MosaicClient) =>
      app
        .contract(compiled, contractId)
        .call.averageDistance(
          { alice: pointers.alice!, bob: pointers.bob!, carol: pointers.carol! },
          { autoDeposit: true, timeoutMs: 90_000 },
        );

    const byX = await compute(appX!.client);
    network.log(`app X: the users walked ${byX.outputs.averageMetres} m a day on average (task ${byX.taskId})`);

    // Alice revokes X: X can no longer load her data, nor compute on it.
    await alice!.client.data.revoke(appX!.account.address);
    network.log('alice revoked app X');
    const loadRefused = await appX!.client.data.load(pointers.alice!).then(
      () => {
        throw new Error("app X loaded alice's data after the revocation");
      },
      (error: unknown) => error as Error,
    );
    const loadRefusedBecause = String(loadRefused.message);
    network.log(`app X's load of alice's data: refused (${loadRefusedBecause.slice(0, 120)})`);
    const computeRefused = await compute(appX!.client).then(
      () => {
        throw new Error("app X computed on alice's data after the revocation");
      },
      (error: unknown) => {
        if (!(error instanceof TaskFailedError)) throw error;
        return error;
      },
    );
    const computeRefusedBecause = computeRefused.message;
    network.log(`app X's computation: refused (${computeRefusedBecause})`);

    const byY = await compute(appY!.client);
    network.log(`app Y: ${byY.outputs.averageMetres} m a day on average (task ${byY.taskId})`);
    return {
      contractId,
      pointers,
      averageByX: byX.outputs.averageMetres,
      averageByY: byY.outputs.averageMetres,
      appX: appX!.account.address,
      loadRefusedBecause,
      computeRefusedBecause,
      loadRefusal:
        loadRefused instanceof NodeRpcError ? (loadRefused.data as LocationAppResult['loadRefusal']) : undefined,
      computeRefusedTaskId: computeRefused.taskId,
    };
  } finally {
    await network.close();
  }
}

mainIf(import.meta.url, run);
