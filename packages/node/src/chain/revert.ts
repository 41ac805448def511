/** Whether a chain read failed because the call reverted (as opposed to the chain being unreachable). */
export function isRevert(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { name?: string }).name === 'ContractFunctionRevertedError') return true;
  }
  return false;
}
