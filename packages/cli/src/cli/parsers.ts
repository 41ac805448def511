/** Flag value parsers (commander): each rejects a bad value with a message naming the flag and what it expects. */
import { InvalidArgumentError } from 'commander';
import { parseUnits } from 'viem';

export const integerIn =
  (min: number, max: number) =>
  (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };

export function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected an http(s) URL, e.g. http://127.0.0.1:8545');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('expected an http(s) URL, e.g. http://127.0.0.1:8545');
  }
  return value.replace(/\/$/, '');
}

/** A task or contract id: decimal or 0x hex, positive, at most 256 bits. */
export function positiveId(value: string): bigint {
  if (!/^(0x[0-9a-fA-F]{1,64}|\d{1,78})$/.test(value))
    throw new InvalidArgumentError('expected a decimal or 0x hex id');
  const id = BigInt(value);
  if (id < 1n || id >= 1n << 256n) throw new InvalidArgumentError('expected a positive id below 2^256');
  return id;
}

/** An amount of MOS in tokens, with up to 18 decimals ("25000", "0.5"); returns the smallest units. */
export function mosAmount(value: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(value)) throw new InvalidArgumentError('expected an amount of MOS, e.g. 25000 or 0.5');
  const amount = parseUnits(value, 18);
  if (amount === 0n) throw new InvalidArgumentError('expected an amount above 0');
  return amount;
}

/** A committee "n,t" (1 <= t, 2t + 1 <= n <= 64). */
export function committee(value: string): { n: number; t: number } {
  const match = /^(\d{1,2}),(\d{1,2})$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected n,t, e.g. 5,2');
  const n = Number(match[1]);
  const t = Number(match[2]);
  if (t < 1 || 2 * t + 1 > n || n > 64) throw new InvalidArgumentError('needs 1 <= t and 2t + 1 <= n <= 64');
  return { n, t };
}

/** `--arg name=value`, repeatable. */
export function collectArg(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('expected name=value');
  const name = value.slice(0, at);
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new InvalidArgumentError(`"${name}" is not an argument name`);
  if (Object.hasOwn(previous, name)) throw new InvalidArgumentError(`argument ${name} is given twice`);
  return { ...previous, [name]: value.slice(at + 1) };
}
