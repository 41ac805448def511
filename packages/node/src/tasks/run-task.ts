/**
 * One task at one committee member (docs/task-execution.md, steps 3 to 8): check the bundle, agree with the
 * other members on whether to run, run the function's IR over the MPC session, seal this member's output
 * shares (with MAC shares) to the caller, and agree on the receipt's output hash and state commitment.
 *
 * Every member reaches the same receipt: the run/skip decision is taken in one round by all, the public
 * outputs are opened, and the two hashes are computed from values every member exchanges.
 */
import { NO_CALL, RECEIPT_STATUS } from '@mosaic/contracts';
import {
  costOfFunction,
  elementCount,
  executeMany,
  publicArgElements,
  selectorOf,
  signatureOf,
  type ValidatedFunction,
  type ValidatedModule,
} from '@mosaic/lang';
import { type FieldVector, field, mul, type Party, vec } from '@mosaic/mpc';
import {
  decodeBundle,
  decodePublicArgs,
  type OpenedMemberShares,
  openMemberShares,
  sealResultShares,
  signResultEnvelope,
  type TaskBundle,
} from '@mosaic/protocol';
import { type Address, bytesToHex, getAddress, type Hex, keccak256, type PrivateKeyAccount } from 'viem';
import type { Committee } from '../chain/membership.js';
// OpenSSL's X25519, several times faster than the client's pure-JS default (each task opens and seals envelopes).
import { nodeX25519 } from '../crypto/node-crypto.js';
import { stateSalt, stateShareCommitment } from './state-commitment.js';
import { agreedSenders, answeredMask, combineSubShares, type StoredInputFetch } from './stored-inputs.js';
import type { StoredReceipt, TaskEntry } from './task-book.js';

/** Receipt status codes as Tasks.sol records them. */
export const STATUS = RECEIPT_STATUS;
const ZERO_HASH = `0x${'00'.repeat(32)}` as Hex;
const NO_BUNDLE = 'no task bundle reached this member in time';
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
  /** This member's registered X25519 public key (saves deriving it for every envelope). */
  x25519PublicKey?: Uint8Array;
  /** The session's party (members only); its transport is closed by the caller. */
  party: Party;
  /**
   * Fetches this member's sub-shares of the function's stored inputs from their storage committees
   * (stored-inputs.ts); without it, a function with stored inputs is skipped.
   */
  storedInputs?: StoredInputSource;
}

/** Where a task's stored inputs come from: the storage side implements it (storage/stored-inputs.ts). */
export interface StoredInputSource {
  fetch(
    entry: TaskEntry,
    committee: Committee,
    f: ValidatedFunction,
    raw: Uint8Array,
    bundle: TaskBundle,
  ): Promise<StoredInputFetch[]>;
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
  const { entry, bundle, ...common } = input;
  const [outcome] = await runTaskBatch(common, [{ entry, bundle }]);
  return outcome as TaskRunOutcome;
}

export type TaskBatchCommon = Omit<TaskRunInput, 'entry' | 'bundle'>;

export interface TaskBatchItem {
  entry: TaskEntry;
  bundle: Uint8Array | undefined;
}

/**
 * Runs k tasks of one function of a contract in one session: the same steps as one task, but each round
 * carries all k (one agreement round with k flags, one run of the IR for all — `executeMany`, one MAC
 * multiplication, one commitments round), so k tasks take the rounds of one. Tasks that fail their checks are
 * skipped alone. A stateful contract runs one task per batch (each task reads the state the previous one left).
 */
export async function runTaskBatch(
  common: TaskBatchCommon,
  items: readonly TaskBatchItem[],
): Promise<TaskRunOutcome[]> {
  const { committee, module, party } = common;
  if (items.length === 0) return [];
  const selector = items[0]!.entry.selector.toLowerCase();
  if (items.some((i) => i.entry.selector.toLowerCase() !== selector)) {
    throw new Error('a task batch holds tasks of one function');
  }
  if (common.state !== undefined && items.length > 1) throw new Error('a stateful contract runs one task at a time');
  const f = functionBySelector(module, selector as Hex);
  const storedCount = f ? f.inputs.filter((i) => i.visibility === 'stored').length : 0;
  const gas = f ? BigInt(costOfFunction(f, { n: committee.n, t: committee.t }).gas) : 0n;

  // Step 3: local checks. A failed check is not secret: its reason becomes the task's error.
  const checked = await Promise.all(
    items.map(async ({ entry, bundle: raw }) => {
      let problem: string | undefined;
      let opened: OpenedMemberShares | undefined;
      let bundle: TaskBundle | undefined;
      if (entry.replayOf !== undefined) {
        problem = `bundle already used by task 0x${entry.replayOf.toString(16)}: a bundle runs once`;
      } else if (!f) problem = `the contract has no function with selector ${entry.selector}`;
      else if (gas > entry.gasLimit) problem = `the function needs ${gas} gas, the task allows ${entry.gasLimit}`;
      else if (!raw) problem = NO_BUNDLE;
      else {
        try {
          bundle = decodeBundle(raw);
          problem = checkBundle(bundle, { ...common, entry, bundle: raw }, committee);
          if (!problem) {
            opened = await openMemberShares(bundle, entry.member, common.x25519SecretKey, {
              expectedOperator: committee.members[entry.member - 1]!.operator,
              provider: nodeX25519,
              ...(common.x25519PublicKey ? { memberPublicKey: common.x25519PublicKey } : {}),
            });
            problem = checkShares(f, opened);
          }
        } catch (error) {
          problem = `bad bundle: ${(error as Error).message}`;
        }
      }
      // Stored inputs: this member's sub-shares from the storage committees, before the agreement round.
      let stored: StoredInputFetch[] = [];
      if (!problem && f && raw && bundle && storedCount > 0) {
        if (!common.storedInputs) problem = 'this node cannot fetch stored inputs';
        else {
          try {
            stored = await common.storedInputs.fetch(entry, committee, f, raw, bundle);
            problem = stored.find((s) => s.problem !== undefined)?.problem;
          } catch (error) {
            problem = `stored inputs: ${(error as Error).message}`;
          }
        }
      }
      return { entry, problem, opened, bundle, stored, missing: problem === NO_BUNDLE };
    }),
  );

  // Step 4: for each task, everyone runs it, or nobody does; with stored inputs, the members also agree on
  // which storage members' sub-shares everyone combines.
  const { ready, senders, missing } = await agree(
    party,
    checked.map((c) => ({ ready: c.problem === undefined, missing: c.missing, stored: c.stored })),
    storedCount,
  );
  const outcomes: (TaskRunOutcome | undefined)[] = checked.map((c, k) => {
    if (ready[k] && !senders[k]!.problem && f && c.opened && c.bundle) return undefined;
    if (ready[k] && senders[k]!.problem) {
      return {
        receipt: receiptOf(c.entry, STATUS.skipped, 0n),
        receiptStatus: 'skipped' as const,
        error: senders[k]!.problem,
        newState: common.state,
      };
    }
    // A task whose bundle did not reach a member held the committee (and a stateful contract's queue) for the
    // bundle time-out: its caller forfeits the whole escrow, as for a task over its gas limit.
    const charged = (f !== undefined && gas > c.entry.gasLimit) || missing[k]!;
    return {
      receipt: receiptOf(c.entry, charged ? STATUS.failure : STATUS.skipped, charged ? c.entry.gasLimit : 0n),
      receiptStatus: charged ? 'failure' : 'skipped',
      error:
        c.problem ??
        (missing[k]
          ? 'the task bundle did not reach every committee member in time: the escrow is charged'
          : 'another committee member could not run the task (bad or missing bundle)'),
      newState: common.state,
    };
  });
  const running = checked.filter((_, k) => outcomes[k] === undefined);
  if (running.length === 0 || !f) return outcomes as TaskRunOutcome[];

  // Step 5: compute, all runnable tasks at once.
  // The bundle's public arguments hold the public inputs and the stored inputs' pointers, in declaration
  // order; the interpreter takes the public ones, and the secret and stored ones as shares.
  const argInputs = f.inputs.filter((i) => publicArgElements(i) > 0);
  // The interpreter checks every secret and stored input against its declared type first; a task whose inputs
  // fail runs no further (below: a failure receipt naming the inputs, no output, the state unchanged).
  const executed = await executeMany(
    party,
    module,
    f.name,
    running.map((c) => {
      const k = checked.indexOf(c);
      const args: FieldVector[] = [];
      let at = 0;
      let storedAt = 0;
      for (const input of f.inputs) {
        if (input.visibility === 'secret') {
          const size = elementCount(input.type);
          args.push(vec.slice(c.opened!.secretShares, at, at + size));
          at += size;
        } else if (input.visibility === 'stored') {
          const fetch = c.stored[storedAt]!;
          args.push(combineSubShares(fetch, senders[k]!.sets[storedAt]!));
          storedAt++;
        }
      }
      const publicArgs = decodePublicArgs(c.bundle!.publicArgs, argInputs.map(publicArgElements)).filter(
        (_, i) => argInputs[i]!.visibility === 'public',
      );
      return {
        args,
        publicArgs,
        ...(common.state ? { state: common.state } : {}),
      };
    }),
  );
  for (const c of running) for (const s of c.stored) for (const v of s.subShares.values()) v.fill(0);
  executed.forEach((outcome, k) => {
    if (outcome.ok) return;
    const entry = running[k]!.entry;
    // Charged: the committee ran the check, and a caller must not get bad inputs checked for free.
    outcomes[checked.indexOf(running[k]!)] = {
      receipt: receiptOf(entry, STATUS.failure, gas),
      receiptStatus: 'failure',
      error: `input out of range: ${outcome.error.message}`,
      newState: common.state,
    };
  });
  const computed = running.flatMap((c, k) => {
    const outcome = executed[k]!;
    return outcome.ok ? [{ c, result: outcome.result }] : [];
  });
  if (computed.length === 0) return outcomes as TaskRunOutcome[];

  // Step 6: seal each task's output shares, with shares of alpha * y so the caller can pin a bad share. The
  // MAC products of every task come from one multiplication.
  const outputs = computed.map(({ result: r }) =>
    r.privateOutputs.length > 0 ? vec.concat(r.privateOutputs) : undefined,
  );
  const macKeys = computed.map(({ c }, k) => {
    const size = outputs[k] ? vec.size(outputs[k]) : 0;
    return vec.filled(size, vec.get(c.opened!.outputMacKeyShare, 0));
  });
  const withOutputs = outputs.some((o) => o !== undefined);
  const macs = withOutputs
    ? await mul(party, vec.concat(outputs.filter((o): o is FieldVector => o !== undefined)), vec.concat(macKeys))
    : undefined;
  let macAt = 0;
  const sealed = await Promise.all(
    computed.map(async ({ c }, k) => {
      const out = outputs[k];
      if (!out || !macs) return { envelope: undefined, signature: undefined };
      const size = vec.size(out);
      const macShares = vec.slice(macs, macAt, macAt + size);
      macAt += size;
      const target = {
        chainId: common.chainId,
        tasks: common.tasks,
        contractId: c.entry.contractId,
        selector: c.entry.selector as Hex,
        epoch: c.entry.epoch,
        taskId: c.entry.taskId,
        bundleHash: c.entry.bundleHash as Hex,
      };
      const envelope = await sealResultShares(
        { outputShares: out, macShares },
        c.bundle!.resultPublicKey,
        target,
        c.entry.member,
        nodeX25519,
      );
      const signature = await signResultEnvelope(common.operator, target, c.entry.member, envelope);
      return { envelope, signature };
    }),
  );

  // Step 7: agree on the hashes of every member's envelope and state shares, all tasks in one round.
  const mine = computed.map(({ c, result }, k) => ({
    envelopeHash: sealed[k]!.envelope ? keccak256(sealed[k]!.envelope!) : ZERO_HASH,
    stateHash:
      result.newState.length > 0
        ? stateShareCommitment(stateSalt(common.x25519SecretKey, c.entry.contractId, c.entry.taskId), result.newState)
        : ZERO_HASH,
  }));
  const everyone = await exchangeCommitments(party, mine);

  // Step 8: the receipts. With an Ethereum call, the receipt's public output is the call's arguments.
  computed.forEach(({ c, result }, k) => {
    const outputHash = keccak256(concatHashes(everyone.map((m) => m[k]!.envelopeHash)));
    const stateCommitment =
      result.newState.length > 0
        ? keccak256(concatHashes([versionWord(c.entry.sequence + 1n), ...everyone.map((m) => m[k]!.stateHash)]))
        : ZERO_HASH;
    const call = result.ethereumCalls[0];
    const receipt: StoredReceipt = {
      taskId: c.entry.taskId,
      status: STATUS.success,
      outputHash,
      publicOutput: call ? bytesToHex(call.data.subarray(4)) : bytesToHex(result.publicOutputAbi),
      stateCommitment,
      gasUsed: gas,
      callTarget: call ? getAddress(call.target) : NO_CALL.callTarget,
      callSelector: call ? bytesToHex(call.data.subarray(0, 4)) : NO_SELECTOR,
    };
    const { envelope, signature } = sealed[k]!;
    outcomes[checked.indexOf(c)] = {
      receipt,
      receiptStatus: 'success',
      ...(envelope ? { envelope } : {}),
      ...(signature ? { signature } : {}),
      newState: result.newState.length > 0 ? result.newState : common.state,
    };
  });
  return outcomes as TaskRunOutcome[];
}

function checkBundle(bundle: TaskBundle, input: TaskRunInput, committee: Committee): string | undefined {
  const { entry } = input;
  if (bundle.chainId !== input.chainId) return 'bundle is for another chain';
  if (getAddress(bundle.tasks) !== getAddress(input.tasks)) return 'bundle is for another Tasks contract';
  // A bundle names the account that creates its task: nobody else can run the caller's inputs as a task of theirs.
  if (getAddress(bundle.caller) !== getAddress(entry.caller)) {
    return `bundle was made for caller ${getAddress(bundle.caller)}, the task was created by ${getAddress(entry.caller)}`;
  }
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

interface AgreedStored {
  /** Per stored input, the storage seats whose sub-shares every member combines. */
  sets: number[][];
  /** Why the stored inputs cannot be used (the same at every member: computed from what all sent). */
  problem?: string;
}

/**
 * One round: each member says, for each task, whether it can run it; a task runs only if all can. With stored
 * inputs, each member also says, per input, the storage epoch it asked and the storage members that answered
 * it (a bitmask); every member takes the first t_s + 1 that answered all of them, so that all combine the
 * same sub-shares (a set of more than t_s + 1 would not do: each member must interpolate the same polynomial).
 */
async function agree(
  party: Party,
  tasks: readonly { ready: boolean; missing: boolean; stored: readonly StoredInputFetch[] }[],
  storedCount: number,
): Promise<{ ready: boolean[]; senders: AgreedStored[]; missing: boolean[] }> {
  const width = 1 + 2 * storedCount;
  // Per task: 1 ready, 0 not ready, 2 not ready because the bundle never came (the task is then charged).
  const mine = vec.fromBigInts(
    tasks.flatMap(({ ready, missing, stored }) => [
      ready ? 1n : missing ? 2n : 0n,
      ...Array.from({ length: storedCount }, (_, s) => {
        const fetch = ready ? stored[s] : undefined;
        return fetch ? [fetch.epoch % field.P, answeredMask(fetch)] : [0n, 0n];
      }).flat(),
    ]),
  );
  const others = party.others();
  const got = await party.exchange(
    'task-agree',
    new Map(others.map((j) => [j, mine])),
    new Map(others.map((j) => [j, tasks.length * width])),
  );
  const all = [mine, ...others.map((j) => got.get(j)!)];
  const ready = tasks.map((t, k) => t.ready && all.every((v) => vec.get(v, k * width) === 1n));
  const missing = tasks.map((_, k) => all.some((v) => vec.get(v, k * width) === 2n));
  const senders = tasks.map((t, k): AgreedStored => {
    if (!ready[k]) return { sets: [] };
    const sets: number[][] = [];
    for (let s = 0; s < storedCount; s++) {
      const fetch = t.stored[s]!;
      const epochs = new Set(all.map((v) => vec.get(v, k * width + 1 + 2 * s)));
      const common = all.reduce((m, v) => m & vec.get(v, k * width + 2 + 2 * s), (1n << 64n) - 1n);
      const set = epochs.size === 1 ? agreedSenders(common, fetch.ref.n, fetch.ref.t) : undefined;
      if (!set) {
        return {
          sets,
          problem:
            epochs.size === 1
              ? `stored input ${fetch.name}: fewer than ${fetch.ref.t + 1} storage members answered every committee member`
              : `stored input ${fetch.name}: the committee members reached the data in different epochs`,
        };
      }
      sets.push(set);
    }
    return { sets };
  });
  return { ready, senders, missing };
}

/** A 32-byte hash as 3 field elements (11 + 11 + 10 bytes, each far below p). */
function hashToElements(hash: Hex): bigint[] {
  const h = hash.slice(2);
  return [BigInt(`0x${h.slice(0, 22)}`), BigInt(`0x${h.slice(22, 44)}`), BigInt(`0x${h.slice(44, 64)}`)];
}

function elementsToHash(e: readonly bigint[]): Hex {
  return `0x${e[0]!.toString(16).padStart(22, '0')}${e[1]!.toString(16).padStart(22, '0')}${e[2]!.toString(16).padStart(20, '0')}` as Hex;
}

interface Commitment {
  envelopeHash: Hex;
  stateHash: Hex;
}

/** One round: every member's commitments for each task (6 field elements per task); indexed [member][task]. */
async function exchangeCommitments(party: Party, mine: readonly Commitment[]): Promise<Commitment[][]> {
  const own = vec.fromBigInts(mine.flatMap((c) => [...hashToElements(c.envelopeHash), ...hashToElements(c.stateHash)]));
  const others = party.others();
  const got = await party.exchange(
    'task-commitments',
    new Map(others.map((j) => [j, own])),
    new Map(others.map((j) => [j, 6 * mine.length])),
  );
  const all: Commitment[][] = [];
  for (let j = 1; j <= party.n; j++) {
    const values = vec.toBigInts(j === party.id ? own : got.get(j)!);
    all.push(
      mine.map((_, k) => ({
        envelopeHash: elementsToHash(values.slice(6 * k, 6 * k + 3)),
        stateHash: elementsToHash(values.slice(6 * k + 3, 6 * k + 6)),
      })),
    );
  }
  return all;
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

/** A receipt with no outputs: skipped (no fee) or failure (charged `gasUsed`: over its gas limit, or no bundle). */
export function receiptOf(entry: TaskEntry, status: 1 | 2 | 3, gasUsed: bigint): StoredReceipt {
  return {
    taskId: entry.taskId,
    status,
    outputHash: ZERO_HASH,
    publicOutput: '0x',
    stateCommitment: ZERO_HASH,
    gasUsed,
    callTarget: NO_CALL.callTarget,
    callSelector: NO_SELECTOR,
  };
}
