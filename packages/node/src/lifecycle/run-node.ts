/**
 * One node run from command-line flags until SIGINT / SIGTERM: what `mosaic node` (the CLI) and `mosaic-node`
 * (this package's own bin, which the local-network launcher starts) both do once their flags are parsed.
 */
import { ConfigError, loadConfig } from '../config/load.js';
import { MosaicNode } from '../node.js';
import { stopOnSignals } from './signals.js';

/** The flags of `mosaic node`; the config file and the MOSAIC_* environment come first (docs/configuration.md). */
export interface NodeFlags {
  config?: string;
  dataDir?: string;
  listen?: string[];
  announce?: string[];
  bootstrap?: string[];
  chainRpc?: string;
  deployment?: string;
  confirmations?: number;
  rpcHost?: string;
  rpcPort?: number;
  operatorRpcHost?: string;
  operatorRpcPort?: number;
  minConnections?: number;
  register?: boolean;
  deposit?: string;
  logLevel?: string;
  passphraseFile?: string;
}

/** Flags shaped like the config file (undefined values are ignored by the merge). */
export function configFromFlags(flags: NodeFlags): Record<string, unknown> {
  return {
    dataDir: flags.dataDir,
    listen: flags.listen,
    announce: flags.announce,
    bootstrap: flags.bootstrap,
    chain: { rpcUrl: flags.chainRpc, deploymentFile: flags.deployment, confirmations: flags.confirmations },
    rpc: { host: flags.rpcHost, port: flags.rpcPort },
    operatorRpc: { host: flags.operatorRpcHost, port: flags.operatorRpcPort },
    discovery: { minConnections: flags.minConnections },
    register: { enabled: flags.register, deposit: flags.deposit },
    keys: { passphraseFile: flags.passphraseFile },
    log: { level: flags.logLevel },
  };
}

/** Starts the node; a bad configuration is one line on stderr (`<command>: <what is wrong>`) and exit code 1. */
export async function runNode(flags: NodeFlags, command = 'mosaic node'): Promise<MosaicNode> {
  let config: Awaited<ReturnType<typeof loadConfig>>;
  try {
    config = await loadConfig({ ...(flags.config ? { file: flags.config } : {}), flags: configFromFlags(flags) });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`${command}: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const node = await MosaicNode.start(config);
  stopOnSignals(node);
  return node;
}
