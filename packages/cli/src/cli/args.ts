/**
 * Call arguments from text: `--arg name=value` flags, a JSON file (`--args-file`), then a prompt that does not
 * echo for any secret argument still missing (public ones are prompted for in the clear). Values are converted
 * to the declared types: int → bigint, fixed → number, bool → boolean, arrays from JSON lists or "1,2,3".
 */
import { readFile } from 'node:fs/promises';
import { type CompiledContract, functionIr } from '@mosaic/lang';
import { formatType } from './artifact.js';
import { usageError } from './errors.js';

interface InputLike {
  name: string;
  visibility: string;
  type: { kind: string; bits: number; arrayLength: number };
}

function scalar(input: InputLike, raw: unknown, what: string): bigint | number | boolean {
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (input.type.kind) {
    case 'bool':
      if (text === true || text === 'true' || text === '1') return true;
      if (text === false || text === 'false' || text === '0') return false;
      throw usageError(`${what}: expected true or false`);
    case 'fixed': {
      const n = typeof text === 'number' ? text : typeof text === 'string' && text !== '' ? Number(text) : Number.NaN;
      if (!Number.isFinite(n)) throw usageError(`${what}: expected a number`);
      return n;
    }
    default: {
      const ok =
        (typeof text === 'string' && /^-?\d+$/.test(text)) || (typeof text === 'number' && Number.isSafeInteger(text));
      if (!ok) throw usageError(`${what}: expected an integer (${formatType(input.type)})`);
      const value = BigInt(text as string | number);
      const bound = 1n << BigInt(input.type.bits - 1);
      if (value < -bound || value >= bound)
        throw usageError(`${what}: ${value} does not fit ${formatType(input.type)}`);
      return value;
    }
  }
}

function convert(input: InputLike, raw: unknown): unknown {
  const what = `argument ${input.name}`;
  if (input.type.arrayLength === 0) return scalar(input, raw, what);
  let list: unknown = raw;
  if (typeof raw === 'string') {
    const text = raw.trim();
    list = text.startsWith('[') ? safeJson(text, what) : text.split(',');
  }
  if (!Array.isArray(list) || list.length !== input.type.arrayLength) {
    throw usageError(`${what}: expected ${input.type.arrayLength} values (${formatType(input.type)})`);
  }
  return list.map((v, i) => scalar(input, typeof v === 'string' ? v : v, `${what}[${i}]`));
}

function safeJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw usageError(`${what}: not valid JSON`);
  }
}

export async function readArgsFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw usageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const value = safeJson(text, file);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw usageError(`${file} must hold a JSON object {"name": value, …}`);
  }
  return value as Record<string, unknown>;
}

export interface CollectedArgs {
  values: Record<string, unknown>;
  /** The input declarations of the function, for messages. */
  inputs: InputLike[];
}

/** Where prompts read and write (a terminal by default; streams in tests). */
export interface PromptStreams {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

export async function collectCallArgs(
  compiled: CompiledContract,
  fn: string,
  fromFlags: Record<string, string>,
  fromFile: Record<string, unknown>,
  options: { prompt: boolean; streams?: PromptStreams },
): Promise<CollectedArgs> {
  if (!Object.hasOwn(compiled.functions, fn)) {
    throw usageError(
      `${compiled.name} has no function ${fn}`,
      `its functions: ${Object.keys(compiled.functions).join(', ')}`,
    );
  }
  const inputs = functionIr(compiled, fn).inputs as unknown as InputLike[];
  const known = new Set(inputs.map((i) => i.name));
  for (const name of [...Object.keys(fromFlags), ...Object.keys(fromFile)]) {
    if (!known.has(name)) {
      throw usageError(
        `${fn} has no argument ${name}`,
        `its arguments: ${inputs.map((i) => `${i.name}: ${i.visibility} ${formatType(i.type)}`).join(', ')}`,
      );
    }
  }
  const values: Record<string, unknown> = {};
  for (const input of inputs) {
    let raw: unknown = Object.hasOwn(fromFlags, input.name) ? fromFlags[input.name] : fromFile[input.name];
    if (raw === undefined) {
      if (!options.prompt) {
        throw usageError(
          `missing argument ${input.name} (${input.visibility} ${formatType(input.type)})`,
          `pass --arg ${input.name}=<value> or --args-file <file.json>; on a terminal the CLI asks for it`,
        );
      }
      raw = await askFor(input, options.streams ?? {});
    }
    values[input.name] = convert(input, raw);
  }
  return { values, inputs };
}

/** Asks for one argument: a secret one without echo (@inquirer/password, no mask), a public one in the clear. */
export async function askFor(input: InputLike, streams: PromptStreams): Promise<string> {
  const message = `${input.name} (${input.visibility} ${formatType(input.type)})`;
  if (input.visibility === 'secret') {
    const { default: password } = await import('@inquirer/password');
    const context = {
      ...(streams.input ? { input: streams.input } : {}),
      output: streams.output ?? process.stderr,
    } as Parameters<typeof password>[1];
    return password({ message, mask: false }, context);
  }
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: streams.input ?? process.stdin, output: streams.output ?? process.stderr });
  try {
    return await rl.question(`${message}: `);
  } finally {
    rl.close();
  }
}
