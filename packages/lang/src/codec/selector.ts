/**
 * Function signatures and selectors. A secret function's canonical signature lists its input types in
 * declaration order (int64, fixed, bool, int8[4]: formatDeclared), e.g. `bid(int32,int64)`; its selector is
 * the first 4 bytes of keccak256 of that string, as Tasks.createTask(contractId, fn, ...) records it.
 */
import { keccak256, stringToBytes } from 'viem';
import type { FunctionIr } from '../ir/module.js';
import { formatDeclared } from '../ir/types.js';

export function signatureOf(f: Pick<FunctionIr, 'name' | 'inputs'>): string {
  // A stored input is marked: taking a pointer is not the same function as taking the values.
  return `${f.name}(${f.inputs.map((i) => (i.visibility === 'stored' ? 'stored ' : '') + formatDeclared(i.type)).join(',')})`;
}

/** bytes4 selector of a signature, 0x-prefixed hex. */
export function selectorOf(signature: string): `0x${string}` {
  return keccak256(stringToBytes(signature)).slice(0, 10) as `0x${string}`;
}

const SOLIDITY_TYPE =
  /^(?:u?int(?:8|16|24|32|40|48|56|64|72|80|88|96|104|112|120|128|136|144|152|160|168|176|184|192|200|208|216|224|232|240|248|256)|bool)(?:\[[1-9][0-9]*\])?$/;

/**
 * The canonical form of an Ethereum function signature: no spaces, no parameter names, `int`/`uint` as
 * int256/uint256. Returns the name and parameter types, or a reason it is not supported.
 */
export function canonicalCallSignature(
  signature: string,
): { ok: true; name: string; types: string[]; canonical: string } | { ok: false; reason: string } {
  const m = signature.trim().match(/^([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)$/s);
  if (!m)
    return { ok: false, reason: `${JSON.stringify(signature)} is not a function signature like settle(uint32,int64)` };
  const params = m[2].trim() === '' ? [] : m[2].split(',');
  const types: string[] = [];
  for (const param of params) {
    let type = param.trim().split(/\s+/)[0] ?? '';
    type = type.replace(/^int(?=$|\[)/, 'int256').replace(/^uint(?=$|\[)/, 'uint256');
    if (!SOLIDITY_TYPE.test(type)) {
      return {
        ok: false,
        reason: `parameter type ${JSON.stringify(type)} is not supported (integers, bool, fixed-size arrays)`,
      };
    }
    types.push(type);
  }
  return { ok: true, name: m[1], types, canonical: `${m[1]}(${types.join(',')})` };
}
