/**
 * The operator listener's bearer token (docs/json-rpc.md, "Operator listener"): 32 bytes from the CSPRNG, written
 * hex-encoded at every start to a file only the node's user can read (0600), which the operator's tools read back.
 * A new start writes a new token, so a token that leaked stops working at the next restart.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writePrivateFile } from '../keys/private-file.js';

const TOKEN = /^[0-9a-f]{64}$/;

/** The token file's name in the data directory, unless `operatorRpc.tokenFile` names another. */
export const OPERATOR_TOKEN_FILE = 'operator-rpc.token';

/** Writes a fresh token to `path` (mode 0600, replaced atomically) and returns it. */
export async function createOperatorToken(path: string): Promise<string> {
  const token = randomBytes(32).toString('hex');
  await writePrivateFile(path, `${token}\n`);
  return token;
}

/** The token in `path`; an error names the file when it is missing or malformed (never the token). */
export async function readOperatorToken(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the operator token file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  const token = text.trim();
  if (!TOKEN.test(token)) throw new Error(`the operator token file ${path} does not hold a token`);
  return token;
}

/** Whether an `Authorization` header carries `token` as a bearer token (compared in constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer ([^\s]+)$/i.exec(header ?? '');
  if (match === null) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}
