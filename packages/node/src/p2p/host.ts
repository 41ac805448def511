/**
 * The node's libp2p host: TCP, noise, yamux, identify, ping and kad-dht (server mode).
 *
 * kad-dht defaults to client mode and strips private addresses from what it stores and returns; a Mosaic
 * network on loopback or a LAN would then never find anyone, so the DHT runs as a server with a
 * pass-through peer-info mapper. A public deployment can pass its own mapper.
 *
 * Anyone may connect (a node that has not registered yet bootstraps its DHT from here), so what an
 * unauthenticated peer can cost is bounded here (docs/security.md, "Unauthenticated peers"): connections in
 * total, pending and per second from one address (the connection manager); streams per connection (yamux and
 * each protocol's limit); small identify and DHT limits; and, with a `gate`, every Mosaic protocol but the DHT
 * runs its handler only for streams of registered nodes, the others reset before anything is read.
 */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { identify } from '@libp2p/identify';
import type { Libp2p, PeerInfo, PrivateKey, StreamHandler } from '@libp2p/interface';
import { type KadDHT, kadDHT, passthroughMapper } from '@libp2p/kad-dht';
import { type Ping, ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';
import { bytesToHex, keccak256 } from 'viem';

export interface HostOptions {
  /** Multiaddrs to listen on (default one ephemeral TCP port on 127.0.0.1). */
  listen?: string[];
  /** Multiaddrs announced to peers instead of the listen addresses (default: the listen addresses). */
  announce?: string[];
  /** The libp2p identity; a fresh Ed25519 key when absent (persisting keys is the store's job). */
  privateKey?: PrivateKey;
  /** Maps peer records before the DHT stores or returns them (default: keep every address). */
  peerInfoMapper?: (peer: PeerInfo) => PeerInfo;
  /** DHT protocol name, so that separate networks never merge (default the Mosaic one). */
  dhtProtocol?: string;
  /** Admits inbound streams of Mosaic protocols (p2p/peer-gate.ts); absent, every peer is admitted. */
  gate?: StreamGate;
}

/** What the host asks before it hands an inbound Mosaic stream to its handler (PeerGate). */
export interface StreamGate {
  guard(protocol: string, handler: StreamHandler): StreamHandler;
  isBanned(peerId: string): boolean;
}

export interface HostServices extends Record<string, unknown> {
  dht: KadDHT;
  ping: Ping;
  identify: unknown;
}

export type Host = Libp2p<HostServices>;

export const MOSAIC_DHT_PROTOCOL = '/mosaic/kad/1.0.0';
/** Every protocol under this prefix but the DHT is for registered nodes only. */
const MOSAIC_PROTOCOL_PREFIX = '/mosaic/';

export async function createHost(options: HostOptions = {}): Promise<Host> {
  const privateKey = options.privateKey ?? (await generateKeyPair('Ed25519'));
  const gate = options.gate;
  const dhtProtocol = options.dhtProtocol ?? MOSAIC_DHT_PROTOCOL;
  const node = await createLibp2p({
    privateKey,
    addresses: {
      listen: options.listen ?? ['/ip4/127.0.0.1/tcp/0'],
      ...(options.announce?.length ? { announce: options.announce } : {}),
    },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [
      // Larger windows than the 256 KiB default: MPC frames are megabytes, and a small window costs a round
      // trip per window on every frame. A stream the gate refuses is reset before its first window is read.
      yamux({
        maxInboundStreams: 512,
        streamOptions: { initialStreamWindowSize: 4 << 20, maxStreamWindowSize: 16 << 20 },
      }),
    ],
    connectionManager: {
      maxConnections: 300,
      maxIncomingPendingConnections: 16,
      // Connection attempts per second from one host (libp2p's default is 5).
      inboundConnectionThreshold: 10,
    },
    ...(gate ? { connectionGater: { denyInboundEncryptedConnection: (peer) => gate.isBanned(peer.toString()) } } : {}),
    services: {
      // identify's own defaults: one inbound stream per connection, messages of at most 8 KiB.
      identify: identify({ maxInboundStreams: 2, maxMessageSize: 8_192 }),
      // libp2p's connection monitor pings peers itself; a caller pinging at the same moment would exceed the
      // default of one outbound ping stream per connection, so allow a few.
      ping: ping({ maxOutboundStreams: 8 }),
      dht: kadDHT({
        protocol: dhtProtocol,
        maxInboundStreams: 16,
        clientMode: false,
        peerInfoMapper: options.peerInfoMapper ?? passthroughMapper,
        // Records under /mosaic-code/<keccak-256 hex> hold contract code; any node can check them.
        validators: { 'mosaic-code': validateCodeRecord },
        selectors: { 'mosaic-code': () => 0 },
      }),
    },
  });
  if (gate) {
    // libp2p's own stream middleware would be the place for this check, but libp2p 3.3 appends each inbound
    // stream's handler to the shared middleware list (registrar.getMiddleware), so handlers are wrapped here.
    const handle = node.handle.bind(node);
    node.handle = (protocols, handler, handleOptions) => {
      const list = Array.isArray(protocols) ? protocols : [protocols];
      const gated = list.every((p) => p.startsWith(MOSAIC_PROTOCOL_PREFIX) && p !== dhtProtocol);
      return handle(protocols, gated ? gate.guard(list.join(','), handler) : handler, handleOptions);
    };
  }
  return node as unknown as Host;
}

/** DHT key of a code record: `/mosaic-code/<code hash, 0x-hex>`. */
export function codeRecordKey(codeHash: string): Uint8Array {
  return new TextEncoder().encode(`/mosaic-code/${codeHash.toLowerCase()}`);
}

/** A code record is valid when its value hashes (keccak-256) to the hash in its key. */
function validateCodeRecord(key: Uint8Array, value: Uint8Array): void {
  const hash = new TextDecoder().decode(key).split('/')[2] ?? '';
  if (!/^0x[0-9a-f]{64}$/.test(hash) || keccak256(value) !== hash) {
    throw new Error(`code record does not hash to its key (${bytesToHex(key.subarray(0, 24))}…)`);
  }
}
