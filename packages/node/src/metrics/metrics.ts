/**
 * Prometheus metrics of one node, in a registry of its own (several nodes in one process must not share
 * counters): peers, RPC requests by method and code, the listener's height, MPC bytes, refused peer streams, and Node's process
 * metrics. Method labels are the registered names only ("unknown"/"invalid" otherwise), so that random
 * method names cannot grow the label set.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export class NodeMetrics {
  readonly registry = new Registry();
  readonly peers: Gauge;
  readonly rpcRequests: Counter<'method' | 'code'>;
  readonly listenerHeight: Gauge;
  readonly chainHead: Gauge;
  readonly mpcBytes: Counter<'direction'>;
  readonly chainEvents: Counter;
  readonly peerStreamsRefused: Counter<'reason'>;

  constructor(peerCount: () => number) {
    collectDefaultMetrics({ register: this.registry, prefix: 'mosaic_' });
    this.peers = new Gauge({
      name: 'mosaic_peers',
      help: 'Connected libp2p peers',
      registers: [this.registry],
      collect() {
        this.set(peerCount());
      },
    });
    this.rpcRequests = new Counter({
      name: 'mosaic_rpc_requests_total',
      help: 'JSON-RPC requests answered, by method and error code (0: success)',
      labelNames: ['method', 'code'],
      registers: [this.registry],
    });
    this.listenerHeight = new Gauge({
      name: 'mosaic_listener_height',
      help: 'Last block whose events the chain listener has delivered',
      registers: [this.registry],
    });
    this.chainHead = new Gauge({
      name: 'mosaic_chain_head',
      help: 'Latest block the chain listener has seen',
      registers: [this.registry],
    });
    this.mpcBytes = new Counter({
      name: 'mosaic_mpc_bytes_total',
      help: 'MPC frame bytes over libp2p streams',
      labelNames: ['direction'],
      registers: [this.registry],
    });
    this.chainEvents = new Counter({
      name: 'mosaic_chain_events_total',
      help: 'Chain events delivered to subscribers',
      registers: [this.registry],
    });
    this.peerStreamsRefused = new Counter({
      name: 'mosaic_peer_streams_refused_total',
      help: 'Inbound Mosaic streams reset unread: not a registered node, or over its stream rate',
      labelNames: ['reason'],
      registers: [this.registry],
    });
  }
}
