/**
 * One task at one committee member (docs/task-execution.md, steps 3 to 8): check the bundle, agree with the
 * other members on whether to run, run the function's IR over the MPC session, seal this member's output
 * shares (with MAC shares) to the caller, and agree on the receipt's output hash and state commitment.
 *
 * Every member reaches the same receipt: the run/skip decision is taken in one round by all, the public
 * outputs are opened, and the two hashes are computed from values every member exchanges.
 */
import {
  decodeBundle,
  decodePublicArgs,
  type OpenedMemberShares,
  openMemberShares,
  sealResultShares,
  signResultEnvelope,
  type TaskBundle,
} from '@mosaic/client';
import {
  costOfFunction,
  elementCount,
  execute,
  selectorOf,
  signatureOf,
  type ValidatedFunction,
  type ValidatedModule,
} from '@mosaic/lang';
import { type FieldVector, mul, type Party, vec } from '@mosaic/mpc';
import { type Address, bytesToHex, getAddress, type Hex, keccak256, type PrivateKeyAccount } from 'viem';
import type { Committee } from '../chain/membership.js';
import type { StoredReceipt, TaskEntry } from './task-book.js';

export const STATUS = { success: 1, failure: 2, skipped: 3 } as const;
const ZERO_HASH = `0x${'00'.repeat(32)}` as Hex;
const NO_TARGET = '0x0000000000000000000000000000000000000000';
const NO_SELECTOR = '0x00000000';

export interface TaskRunInput {
  entry: TaskEntry;
  committee: Committee;
  module: ValidatedModule;
  bundle: Uint8Array | undefined;
  /** The contract's state shares at version entry.sequence (undefined: a fresh contract). */
  state: FieldVector[] | undefined;
  chainId: bigint;
  tasks: Address;
  operator: PrivateKeyAccount;
  x25519SecretKey: Uint8Array;
  /** The session's party (members only); its transport is closed by the caller. */
  party: Party;
}

export interface TaskRunOutcome {
  receipt: StoredReceipt;
  receiptStatus: 'success' | 'failure' | 'skipped';
  /** Why the task did not run (skipped/failure), for the task's status; never holds a secret. */
  error?: string;
  /** This member's result envelope and its signature (success with private outputs). */
  envelope?: Uint8Array;
  signature?: Hex;
  /** The state after the task (unchanged on skip/failure). */
  newState: FieldVector[] | undefined;
}

/** The function a task calls, by its selector. */
export function functionBySelector(module: ValidatedModule, selector: Hex): ValidatedFunction | undefined {
  return module.functions.find((f) => selectorOf(signatureOf(f)) === selector.toLowerCase());
}

export async function runTask(input: TaskRunInput): Promise<TaskRunOutcome> {
  const { entry, committee, module, party } = input;
  const f = functionBySelector(module, entry.selector as Hex);
  const gas = f ? BigInt(costOfFunction(f, { n: committee.n, t: committee.t }).gas) : 0n;

  // Step 3: local checks. A failed check is not secret: its reason becomes the task's error.
  let problem: string | undefined;
  let opened: OpenedMemberShares | undefined;
  let bundle: TaskBundle | undefined;
  if (!f) problem = `the contract has no function with selector ${entry.selector}`;
  else if (gas > entry.gasLimit) problem = `the function needs ${gas} gas, the task allows ${entry.gasLimit}`;
  else if (!input.bundle) problem = 'no task bundle reached this member in time';
  else {
    try {
      bundle = decodeBundle(input.bundle);
      problem = checkBundle(bundle, input, committee);
      if (!problem) {
        opened = await openMemberShares(bundle, entry.member, input.x25519SecretKey, {
          expectedOperator: committee.members[entry.member - 1]!.operator,
        });
        problem = checkShares(f, opened);
      }
    } catch (error) {
      problem = `bad bundle: ${(error as Error).message}`;
    }
  }

  // Step 4: everyone runs, or nobody does.
  const everyoneReady = await agree(party, problem === undefined);
  if (!everyoneReady || !f || !opened || !bundle) {
    const overGas = f !== undefined && gas > entry.gasLimit;
    return {
      receipt: receiptOf(entry, overGas ? STATUS.failure : STATUS.skipped, overGas ? entry.gasLimit : 0n),
      receiptStatus: overGas ? 'failure' : 'skipped',
      error: problem ?? 'another committee member could not run the task (bad or missing bundle)',
      newState: input.state,
    };
  }

  // Step 5: compute.
  const publicSizes = f.inputs.filter((i) => i.visibility === 'public').map((i) => elementCount(i.type));
  const secretSizes = f.inputs.filter((i) => i.visibility === 'secret').map((i) => elementCount(i.type));
  const args: FieldVector[] = [];
  let at = 0;
  for (const size of secretSizes) {
    args.push(vec.slice(opened.secretShares, at, at + size));
    at += size;
  }
  const result = await execute(party, module, f.name, {
    args,
    publicArgs: decodePublicArgs(bundle.publicArgs, publicSizes),
    ...(input.state ? { state: input.state } : {}),
  });

  // Step 6: seal this member's output shares, with shares of alpha * y so the caller can pin a bad share.
  const target = {
    chainId: input.chainId,
    tasks: input.tasks,
    contractId: entry.contractId,
    selector: entry.selector as Hex,
    epoch: entry.epoch,
    taskId: entry.taskId,
    bundleHash: entry.bundleHash as Hex,
  };
  let envelope: Uint8Array | undefined;
  let signature: Hex | undefined;
  if (result.privateOutputs.length > 0) {
    const outputs = vec.concat(result.privateOutputs);
    const macs = await mul(party, outputs, vec.filled(vec.size(outputs), vec.get(opened.outputMacKeyShare, 0)));
    envelope = await sealResultShares(
      { outputShares: outputs, macShares: macs },
      bundle.resultPublicKey,
      target,
      entry.member,
    );
    signature = await signResultEnvelope(input.operator, target, entry.member, envelope);
  }

  // Step 7: agree on the hashes of every member's envelope and state shares.
  const stateHash = result.newState.length > 0 ? hashVectors(result.newState) : ZERO_HASH;
  const { envelopeHashes, stateHashes } = await exchangeCommitments(
    party,
    envelope ? keccak256(envelope) : ZERO_HASH,
    stateHash,
  );
  const outputHash = keccak256(concatHashes(envelopeHashes));
  const stateCommitment =
    result.newState.length > 0
      ? keccak256(concatHashes([versionWord(entry.sequence + 1n), ...stateHashes]))
      : ZERO_HASH;

  // Step 8: the receipt. With an Ethereum call, the receipt's public output is the call's arguments.
  const call = result.ethereumCalls[0];
  const receipt: StoredReceipt = {
    taskId: entry.taskId,
    status: STATUS.success,
    outputHash,
    publicOutput: call ? bytesToHex(call.data.subarray(4)) : bytesToHex(result.publicOutputAbi),
    stateCommitment,
    gasUsed: gas,
    callTarget: call ? getAddress(call.target) : NO_TARGET,
    callSelector: call ? bytesToHex(call.data.subarray(0, 4)) : NO_SELECTOR,
  };
  return {
    receipt,
    receiptStatus: 'success',
    ...(envelope ? { envelope } : {}),
    ...(signature ? { signature } : {}),
    newState: result.newState.length > 0 ? result.newState : input.state,
  };
}

function checkBundle(bundle: TaskBundle, input: TaskRunInput, committee: Committee): string | undefined {
  const { entry } = input;
  if (bundle.chainId !== input.chainId) return 'bundle is for another chain';
  if (getAddress(bundle.tasks) !== getAddress(input.tasks)) return 'bundle is for another Tasks contract';
  if (bundle.contractId !== entry.contractId) return 'bundle is for another contract';
  if (bundle.selector.toLowerCase() !== entry.selector.toLowerCase()) return 'bundle is for another function';
  if (bundle.epoch !== entry.epoch) return `bundle is sealed for epoch ${bundle.epoch}, the task is in ${entry.epoch}`;
  if (bundle.t !== committee.t || bundle.members.length !== committee.n) return 'bundle has the wrong (n, t)';
  for (let i = 0; i < committee.n; i++) {
    if (getAddress(bundle.members[i]!.operator) !== getAddress(committee.members[i]!.operator)) {
      return `bundle slot ${i + 1} is not the committee's member ${i + 1}`;
    }
  }
  return undefined;
}

function checkShares(f: ValidatedFunction, opened: OpenedMemberShares): string | undefined {
  const expected = f.inputs.filter((i) => i.visibility === 'secret').reduce((sum, i) => sum + elementCount(i.type), 0);
  if (vec.size(opened.secretShares) !== expected) {
    return `bundle holds ${vec.size(opened.secretShares)} secret elements, ${f.name} takes ${expected}`;
  }
  return undefined;
}

/** One round: each member says whether it can run; true only if all can. */
async function agree(party: Party, ready: boolean): Promise<boolean> {
  const mine = vec.fromBigInts([ready ? 1n : 0n]);
  const others = party.others();
  const got = await party.exchange(
    'task-agree',
    new Map(others.map((j) => [j, mine])),
    new Map(others.map((j) => [j, 1])),
  );
  return ready && others.every((j) => vec.get(got.get(j)!, 0) === 1n);
}

/** A 32-byte hash as 3 field elements (11 + 11 + 10 bytes, each far below p). */
function hashToElements(hash: Hex): bigint[] {
  const h = hash.slice(2);
  return [BigInt(`0x${h.slice(0, 22)}`), BigInt(`0x${h.slice(22, 44)}`), BigInt(`0x${h.slice(44, 64)}`)];
}

function elementsToHash(e: readonly bigint[]): Hex {
  return `0x${e[0]!.toString(16).padStart(22, '0')}${e[1]!.toString(16).padStart(22, '0')}${e[2]!.toString(16).padStart(20, '0')}` as Hex;
}

async function exchangeCommitments(
  party: Party,
  envelopeHash: Hex,
  stateHash: Hex,
): Promise<{ envelopeHashes: Hex[]; stateHashes: Hex[] }> {
  const mine = vec.fromBigInts([...hashToElements(envelopeHash), ...hashToElements(stateHash)]);
  const others = party.others();
  const got = await party.exchange(
    'task-commitments',
    new Map(others.map((j) => [j, mine])),
    new Map(others.map((j) => [j, 6])),
  );
  const envelopeHashes: Hex[] = [];
  const stateHashes: Hex[] = [];
  for (let j = 1; j <= party.n; j++) {
    const values = vec.toBigInts(j === party.id ? mine : got.get(j)!);
    envelopeHashes.push(elementsToHash(values.slice(0, 3)));
    stateHashes.push(elementsToHash(values.slice(3, 6)));
  }
  return { envelopeHashes, stateHashes };
}

function hashVectors(vectors: readonly FieldVector[]): Hex {
  const all = vec.concat(vectors);
  return keccak256(new Uint8Array(all.buffer, all.byteOffset, all.byteLength));
}

function concatHashes(hashes: readonly Hex[]): Uint8Array {
  const out = new Uint8Array(32 * hashes.length);
  hashes.forEach((h, i) => {
    out.set(Buffer.from(h.slice(2), 'hex'), 32 * i);
  });
  return out;
}

function versionWord(version: bigint): Hex {
  return `0x${version.toString(16).padStart(64, '0')}` as Hex;
}

/** A receipt with no outputs: skipped (no fee) or failure (charged `gasUsed`). */
export function receiptOf(entry: TaskEntry, status: 1 | 2 | 3, gasUsed: bigint): StoredReceipt {
  return {
    taskId: entry.taskId,
    status,
    outputHash: ZERO_HASH,
    publicOutput: '0x',
    stateCommitment: ZERO_HASH,
    gasUsed,
    callTarget: NO_TARGET,
    callSelector: NO_SELECTOR,
  };
}
