/**
 * What the ledger says about secret contracts, indexed by code hash. SecretContracts stores records by id
 * only; a record never changes its code hash, so the index reads each id once (`contractOf(1..count)`) and
 * afterwards only the ids deployed since.
 */
import type { MosaicContracts } from '@mosaic/contracts';
import type { Hex } from 'viem';

export interface SecretContractRecord {
  id: bigint;
  owner: Hex;
  codeHash: Hex;
  n: number;
  t: number;
  activeFromEpoch: bigint;
}

export class SecretContractIndex {
  private readonly byId = new Map<bigint, SecretContractRecord>();
  private readonly byHash = new Map<string, SecretContractRecord[]>();
  private refreshing: Promise<void> | undefined;

  constructor(private readonly contracts: MosaicContracts) {}

  /** Reads the records deployed since the last refresh. */
  refresh(): Promise<void> {
    // One refresh at a time; callers arriving meanwhile share it.
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** The records with this code hash (after a refresh). */
  async withCodeHash(codeHash: Hex): Promise<SecretContractRecord[]> {
    await this.refresh();
    return this.byHash.get(codeHash.toLowerCase()) ?? [];
  }

  async all(): Promise<SecretContractRecord[]> {
    await this.refresh();
    return [...this.byId.values()];
  }

  private async load(): Promise<void> {
    const count = await this.contracts.secretContracts.read.contractCount();
    for (let id = BigInt(this.byId.size) + 1n; id <= count; id++) {
      const r = await this.contracts.secretContracts.read.contractOf([id]);
      const record: SecretContractRecord = {
        id,
        owner: r.owner,
        codeHash: r.codeHash,
        n: Number(r.n),
        t: Number(r.t),
        activeFromEpoch: BigInt(r.activeFromEpoch),
      };
      this.byId.set(id, record);
      const key = r.codeHash.toLowerCase();
      this.byHash.set(key, [...(this.byHash.get(key) ?? []), record]);
    }
  }
}
