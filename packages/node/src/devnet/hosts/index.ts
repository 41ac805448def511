/**
 * The test bed of hosts (docs/testbed.md): nodes in separate Linux network namespaces, links with wide-area
 * delay, jitter and loss from user-space relays, partitions by cutting a host's link.
 */
export {
  checkShape,
  DelayRelay,
  type DelayRelayOptions,
  type LinkShape,
  NO_SHAPE,
  seededRandom,
} from './delay-relay.js';
export {
  createHostLab,
  type HostLab,
  type LabHost,
  MAX_HOSTS,
  namespaceSupportProblem,
  removeStaleLabs,
} from './host-lab.js';
export {
  type HostNetwork,
  type HostNetworkOptions,
  HostsUnavailableError,
  hostsUnavailable,
  NODE_PORT,
  RELAY_PORT,
  startHostNetwork,
  type WanLink,
} from './host-network.js';
export { RelayProcess, type RelayProcessOptions } from './relay-process.js';
