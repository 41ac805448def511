/**
 * The network every example test runs on: a real anvil chain with the suite deployed, five `mosaic node`
 * processes, and one funded account whose Connection the examples' scripts take (the same shape as the devnet's).
 * MOSAIC_EXAMPLES_LOG=1 prints the scripts' progress lines.
 */
import { ANVIL_MNEMONIC } from '@mosaic/contracts/node';
import { type LocalNetwork, startLocalNetwork } from '@mosaic/node/devnet';
import { bytesToHex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import type { Connection } from '../common/connection.js';

const quiet = process.env.MOSAIC_EXAMPLES_LOG ? (line: string) => console.log(line) : () => {};

export interface ExampleNetwork {
  network: LocalNetwork;
  connection: Connection;
}

/** Starts the network; the account (an anvil mnemonic index) gets ETH and 1,000 MOS; the scripts use `node`. */
export async function startExampleNetwork(options: { addressIndex: number; node: number }): Promise<ExampleNetwork> {
  const network = await startLocalNetwork({ count: 5 });
  const { ledger, nodes } = network;
  const account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: options.addressIndex });
  await ledger.fundEth(account.address);
  await ledger.fundMos(account.address, 1_000n * 10n ** 18n);
  const connection: Connection = {
    chainRpcUrl: ledger.url,
    nodeRpcUrl: nodes[options.node]!.rpcUrl(),
    addresses: ledger.addresses,
    accountKey: bytesToHex(account.getHdKey().privateKey!),
    advanceEpoch: () => ledger.advanceEpoch(),
    committee: { n: 5, t: 2 },
    log: quiet,
  };
  return { network, connection };
}
