// @mosaic/contracts: the ledger's ABIs and bytecode, typed bindings, deployment through any wallet client,
// committee selection (mirroring the Solidity), and receipt-batch signing. Browser-safe; the anvil launcher and
// deployments files are in '@mosaic/contracts/node'.
export * from './anvil-epoch.js';
export * from './artifacts.js';
export * from './bindings.js';
export * from './committee-risk.js';
export * from './deploy.js';
export * from './receipts.js';
export * from './selection.js';

/** Minimum stake to log in (25,000 MOS), as NodeRegistry.MIN_STAKE. */
export const MIN_STAKE = 25_000n * 10n ** 18n;
/** MOS total supply (150,000,000 MOS), as MosaicToken.TOTAL_SUPPLY. */
export const MOS_TOTAL_SUPPLY = 150_000_000n * 10n ** 18n;
