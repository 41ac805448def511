/**
 * Whether a member needs a task's bundle at all. A task that every member skips whatever its bundle says (a
 * repeated bundle hash, a function the contract does not have, a gas limit below the function's cost) is decided
 * from the chain record alone, so no member waits for its bundle: waiting would only hold the contract's queue
 * (a stateful contract runs its tasks one by one) for a task that cannot run.
 */
import { costOfFunction, type ValidatedModule } from '@mosaic/lang';
import type { Hex } from 'viem';
import { functionBySelector } from './run-task.js';
import type { TaskEntry } from './task-book.js';

export function needsBundle(entry: TaskEntry, module: ValidatedModule, committee: { n: number; t: number }): boolean {
  if (entry.replayOf !== undefined) return false;
  const f = functionBySelector(module, entry.selector as Hex);
  if (!f) return false;
  return BigInt(costOfFunction(f, { n: committee.n, t: committee.t }).gas) <= entry.gasLimit;
}
