/**
 * The validated IR of each secret contract, fetched once by its code hash and checked against it (the code
 * service accepts only bytes hashing to the chain's code hash).
 */
import { decodeModule, type ValidatedModule } from '@mosaic/lang';
import type { Hex } from 'viem';
import type { SecretContractRecord } from '../chain/secret-contracts.js';

export interface ContractModulesComponents {
  secretContracts: {
    all(): Promise<readonly SecretContractRecord[]>;
    refresh(): Promise<unknown>;
  };
  code: { get(codeHash: Hex): Promise<Uint8Array | undefined> };
}

export class ContractModules {
  private readonly modules = new Map<string, ValidatedModule>();

  constructor(private readonly components: ContractModulesComponents) {}

  /** The validated IR of a contract (fetched and checked against its code hash once). */
  async moduleOf(contractId: bigint): Promise<ValidatedModule> {
    const { secretContracts, code } = this.components;
    let record = (await secretContracts.all()).find((r) => r.id === contractId);
    if (!record) {
      await secretContracts.refresh();
      record = (await secretContracts.all()).find((r) => r.id === contractId);
    }
    if (!record) throw new Error(`secret contract ${contractId} is not on chain`);
    const cached = this.modules.get(record.codeHash);
    if (cached) return cached;
    const bytes = await code.get(record.codeHash);
    if (!bytes) throw new Error(`code of contract ${contractId} (${record.codeHash}) is not available`);
    const module = decodeModule(bytes);
    this.modules.set(record.codeHash, module);
    return module;
  }

  /** Whether the contract keeps state (its tasks then run one at a time, in order). */
  async isStateful(contractId: bigint): Promise<boolean> {
    return (await this.moduleOf(contractId)).state.length > 0;
  }
}
