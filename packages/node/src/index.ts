/**
 * @mosaic/node: the secret node daemon. This first slice holds the libp2p host (with bootstrap) and the MPC
 * transport over libp2p streams.
 */
import './shim.js';

export {
  type IsMember,
  MpcStreams,
  type MpcStreamsOptions,
  type Refusal,
  type SessionOptions,
  sessionKey,
} from './mpc/libp2p-transport.js';
export { PROTOCOL as MPC_PROTOCOL } from './mpc/wire.js';
export { type BootstrapOptions, type BootstrapResult, bootstrap } from './p2p/bootstrap.js';
export { createHost, type Host, type HostOptions, MOSAIC_DHT_PROTOCOL } from './p2p/host.js';
