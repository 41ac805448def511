// The compiled contracts (ABI + creation bytecode), generated from src/*.sol by scripts/compile.js.
export {
  auctionSettlementAbi,
  auctionSettlementBytecode,
  dataRegistryAbi,
  dataRegistryBytecode,
  epochsAbi,
  epochsBytecode,
  mosaicTokenAbi,
  mosaicTokenBytecode,
  nodeRegistryAbi,
  nodeRegistryBytecode,
  secretContractsAbi,
  secretContractsBytecode,
  tasksAbi,
  tasksBytecode,
} from './generated/artifacts.generated.js';

import {
  auctionSettlementAbi,
  dataRegistryAbi,
  epochsAbi,
  mosaicTokenAbi,
  nodeRegistryAbi,
  secretContractsAbi,
  tasksAbi,
} from './generated/artifacts.generated.js';

/** Every custom error of the suite, to decode a revert that crossed contracts (e.g. Tasks -> Epochs). */
export const mosaicErrorsAbi = dedupeErrors([
  ...mosaicTokenAbi,
  ...nodeRegistryAbi,
  ...epochsAbi,
  ...secretContractsAbi,
  ...tasksAbi,
  ...dataRegistryAbi,
  ...auctionSettlementAbi,
]);

function dedupeErrors<T extends { type: string }>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  const errors: T[] = [];
  for (const item of items) {
    if (item.type !== 'error') continue;
    const key = JSON.stringify(item);
    if (!seen.has(key)) {
      seen.add(key);
      errors.push(item);
    }
  }
  return errors;
}
