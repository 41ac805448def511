/**
 * A local Mosaic network whose nodes run on separate hosts: each node process in its own network namespace
 * (host-lab.ts), listening and announcing its namespace's address, behind a delaying relay (delay-relay.ts) that
 * gives every link between hosts a wide-area round-trip time, jitter and loss; anvil stays in the root namespace,
 * reached from every host at the bridge's gateway address. docs/testbed.md says how to use it.
 *
 *   host i (namespace)                                         root namespace
 *   relay  <address>:4001  ──delay──▶  node <address>:4002       bridge <gateway>, anvil via <gateway>:<port>
 *
 * A node dials its peers' announced relay ports, so every libp2p connection crosses exactly one relay, which
 * delays both directions: a round trip between two hosts pays the link's RTT once.
 */

import type { TestLedger } from '../ledger.js';
import { type LocalNetwork, type LocalNetworkOptions, startLocalNetwork } from '../network.js';
import { DelayRelay, type LinkShape } from './delay-relay.js';
import { createHostLab, type HostLab, namespaceSupportProblem, removeStaleLabs } from './host-lab.js';
import { RelayProcess } from './relay-process.js';

/** The port each host's relay listens on (announced to peers), and the port its node listens on behind it. */
export const RELAY_PORT = 4001;
export const NODE_PORT = 4002;

/** A wide-area link between two hosts, as a round trip sees it. */
export interface WanLink {
  /** Round-trip time added between two hosts, in ms. */
  rttMs: number;
  /** Each one-way chunk varies within ± jitterMs / 2, in ms. */
  jitterMs: number;
  /** Probability that a chunk (in either direction) needs a retransmission (see delay-relay.ts). */
  loss: number;
}

export interface HostNetworkOptions extends Omit<LocalNetworkOptions, 'placeNode'> {
  link?: Partial<WanLink>;
  /** The link between every host and the chain (default none: a nearby Ethereum endpoint). */
  chainLink?: Partial<WanLink>;
  /** Seeds every relay's jitter and loss (relay i takes seed + i); print it to replay a run. */
  seed?: number;
}

export interface HostNetwork extends LocalNetwork {
  lab: HostLab;
  /** Reshapes the links of host `index` (default every host) from now on. */
  setLink(link: Partial<WanLink>, index?: number): void;
  /** Cuts host `index` off the network (its veth link down): the node is alive but reaches no one. */
  partition(index: number): Promise<void>;
  heal(index: number): Promise<void>;
}

/** Thrown when this machine cannot run the test bed (not root, no `ip netns`): tests skip with its message. */
export class HostsUnavailableError extends Error {}

const shapeOf = (link: Partial<WanLink>): Partial<LinkShape> => ({
  ...(link.rttMs !== undefined ? { delayMs: link.rttMs / 2 } : {}),
  ...(link.jitterMs !== undefined ? { jitterMs: link.jitterMs / 2 } : {}),
  ...(link.loss !== undefined ? { loss: link.loss } : {}),
});

/** Why this machine cannot run the test bed, or undefined when it can. */
export const hostsUnavailable = namespaceSupportProblem;

export async function startHostNetwork(options: HostNetworkOptions = {}): Promise<HostNetwork> {
  const problem = await namespaceSupportProblem();
  if (problem) throw new HostsUnavailableError(problem);
  await removeStaleLabs();
  const seed = options.seed ?? 1;
  let shape = shapeOf(options.link ?? {});
  const lab = await createHostLab();
  const relays: RelayProcess[] = [];
  let chainRelay: DelayRelay | undefined;
  const teardown = async () => {
    await Promise.allSettled(relays.map((r) => r.stop()));
    await chainRelay?.stop();
    await lab.remove();
  };

  // anvil listens on the root namespace's loopback, which no host can reach: a relay on the gateway forwards to
  // it (the chain is the ledger every host shares, not one of the hosts), with the chain link's shape.
  const chainUrl = async (ledger: TestLedger) => {
    if (!chainRelay) {
      chainRelay = new DelayRelay({
        listenHost: lab.gateway,
        listenPort: 0,
        targetHost: '127.0.0.1',
        targetPort: ledger.anvil.port,
        shape: shapeOf(options.chainLink ?? {}),
        seed: seed - 1,
      });
      await chainRelay.start();
    }
    return `http://${lab.gateway}:${chainRelay.listening.port}`;
  };

  const placeNode = async (index: number, ledger: TestLedger) => {
    const host = lab.hosts[index] ?? (await lab.addHost());
    // A restarted node keeps its host and the host's relay.
    relays[index] ??= await RelayProcess.start({
      commandPrefix: host.exec,
      listen: { host: host.address, port: RELAY_PORT },
      target: { host: host.address, port: NODE_PORT },
      shape,
      seed: seed + index,
    });
    return {
      commandPrefix: host.exec,
      chainRpc: await chainUrl(ledger),
      args: [
        '--listen',
        `/ip4/${host.address}/tcp/${NODE_PORT}`,
        '--announce',
        `/ip4/${host.address}/tcp/${RELAY_PORT}`,
        '--rpc-host',
        host.address,
      ],
    };
  };

  let network: LocalNetwork;
  try {
    network = await startLocalNetwork({ ...options, placeNode });
  } catch (error) {
    await teardown();
    throw error;
  }
  return {
    ...network,
    lab,
    setLink(link, index) {
      const next = shapeOf(link);
      if (index === undefined) {
        shape = { ...shape, ...next };
        for (const relay of relays) relay.setShape(shape);
      } else {
        const relay = relays[index];
        if (!relay) throw new RangeError(`no host ${index}`);
        relay.setShape({ ...shape, ...next });
      }
    },
    partition: (index) => lab.cut(index),
    heal: (index) => lab.restore(index),
    async stop(stopOptions) {
      try {
        await network.stop(stopOptions);
      } finally {
        await teardown();
      }
    },
  };
}
