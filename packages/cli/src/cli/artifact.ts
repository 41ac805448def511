/**
 * Compiled artifacts: `mosaic compile` turns a contract module (.ts or .js) into a JSON file that `deploy` and
 * `call` use: the IR bytes (hex) and code hash, and per function its signature, selector, inputs, outputs and
 * gas estimate. The IR is the truth; on reading, it is decoded and validated again and must hash to codeHash.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type AnyContract,
  type CompiledContract,
  CompileError,
  type ContractDefinition,
  compile as compileContract,
  costOf,
  type FunctionMap,
  functionIr,
  loadContract,
} from '@mosaic/lang';
import { usageError } from './errors.js';

export const ARTIFACT_FORMAT = 'mosaic-artifact/v1';

export interface ArtifactFunction {
  index: number;
  signature: string;
  selector: string;
  inputs: { name: string; visibility: string; type: string }[];
  outputs: { name: string; visibility: string; type: string }[];
  /** Gas of one call from the cost model, for `committee`. */
  gas: string;
}

export interface Artifact {
  format: typeof ARTIFACT_FORMAT;
  name: string;
  source: string;
  codeHash: string;
  bytes: string;
  /** The committee the gas estimates are for. */
  committee: { n: number; t: number };
  functions: Record<string, ArtifactFunction>;
}

interface TypeLike {
  kind: string;
  bits: number;
  arrayLength: number;
}

/** `int64`, `fixed`, `bool`, `int8[4]`. */
export function formatType(type: TypeLike): string {
  const scalar = type.kind === 'int' ? `int${type.bits}` : type.kind;
  return type.arrayLength > 0 ? `${scalar}[${type.arrayLength}]` : scalar;
}

export function artifactOf(compiled: AnyContract, source: string, committee: { n: number; t: number }): Artifact {
  const functions: Record<string, ArtifactFunction> = {};
  for (const [name, info] of Object.entries(compiled.functions)) {
    const ir = functionIr(compiled as CompiledContract, name);
    functions[name] = {
      index: info.index,
      signature: info.signature,
      selector: info.selector,
      inputs: ir.inputs.map((i) => ({ name: i.name, visibility: i.visibility, type: formatType(i.type) })),
      outputs: ir.outputs.map((o) =>
        o.to === 'call'
          ? { name: o.name, visibility: 'call', type: `${o.target}.${o.signature}` }
          : { name: o.name, visibility: o.to, type: formatType(o.type) },
      ),
      gas: costOf(compiled, name, committee).gas.toString(),
    };
  }
  return {
    format: ARTIFACT_FORMAT,
    name: compiled.name,
    source,
    codeHash: compiled.codeHash,
    bytes: `0x${Buffer.from(compiled.bytes).toString('hex')}`,
    committee,
    functions,
  };
}

/** Reads and checks an artifact; returns it with the contract loaded from its IR. */
export async function readArtifact(file: string): Promise<{ artifact: Artifact; compiled: CompiledContract }> {
  let artifact: Artifact;
  try {
    artifact = JSON.parse(await readFile(file, 'utf8')) as Artifact;
  } catch (error) {
    throw usageError(
      `cannot read the artifact ${file}: ${error instanceof Error ? error.message : String(error)}`,
      'create it with `mosaic compile <contract.ts>`',
    );
  }
  if (artifact.format !== ARTIFACT_FORMAT || typeof artifact.bytes !== 'string') {
    throw usageError(
      `${file} is not a compiled artifact (${ARTIFACT_FORMAT})`,
      'create it with `mosaic compile <contract.ts>`',
    );
  }
  let compiled: CompiledContract;
  try {
    compiled = loadContract(Buffer.from(artifact.bytes.replace(/^0x/, ''), 'hex'));
  } catch (error) {
    throw usageError(`${file}: the IR does not validate: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (compiled.codeHash.toLowerCase() !== artifact.codeHash.toLowerCase()) {
    throw usageError(`${file}: the IR hashes to ${compiled.codeHash}, not the recorded ${artifact.codeHash}`);
  }
  return { artifact, compiled };
}

/**
 * Imports a contract module. A .ts module is transpiled with the TypeScript compiler (Node 20 cannot run
 * TypeScript). Its `@mosaic/lang` import is pointed at the CLI's own copy, so a project made by `mosaic init`
 * compiles before its `npm install` and the DSL objects are the ones this compiler knows.
 */
export async function loadContractModule(file: string, exportName?: string): Promise<ContractDefinition<FunctionMap>> {
  const path = resolve(file);
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (error) {
    throw usageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const langUrl = import.meta.resolve('@mosaic/lang');
  let code = source;
  if (['.ts', '.mts', '.cts'].includes(extname(path))) {
    let ts: typeof import('typescript');
    try {
      ts = (await import('typescript')).default;
    } catch {
      throw usageError(
        'compiling a .ts contract needs the typescript package',
        'npm install typescript, or compile it to .js first',
      );
    }
    const out = ts.transpileModule(source, {
      fileName: path,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      reportDiagnostics: true,
    });
    const problems = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (problems.length > 0) {
      throw usageError(`${file}: ${ts.flattenDiagnosticMessageText(problems[0]!.messageText, '\n')}`);
    }
    code = out.outputText;
  }
  code = code.replace(
    /(from\s*|import\s*\(\s*|import\s+)(['"])@mosaic\/lang\2/g,
    (_m, head: string) => `${head}'${langUrl}'`,
  );
  // Next to the source, so the module's relative imports resolve; removed right after.
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.mjs`);
  await writeFile(temp, code);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(temp).href)) as Record<string, unknown>;
  } catch (error) {
    throw usageError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await rm(temp, { force: true });
  }
  const isContract = (v: unknown) =>
    typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'secret-contract';
  if (exportName) {
    if (!isContract(module[exportName])) throw usageError(`${file} has no contract export named ${exportName}`);
    return module[exportName] as ContractDefinition<FunctionMap>;
  }
  if (isContract(module.default)) return module.default as ContractDefinition<FunctionMap>;
  const named = Object.entries(module).filter(([, v]) => isContract(v));
  if (named.length === 1) return named[0]![1] as ContractDefinition<FunctionMap>;
  if (named.length === 0) throw usageError(`${file} exports no contract (export default contract('Name', { … }))`);
  throw usageError(
    `${file} exports several contracts (${named.map(([k]) => k).join(', ')})`,
    'pick one with --export <name>',
  );
}

/** Compiles a contract definition; compile errors become usage errors with the compiler's message. */
export function compileDefinition(definition: ContractDefinition<FunctionMap>, file: string): CompiledContract {
  try {
    return compileContract(definition) as CompiledContract;
  } catch (error) {
    if (error instanceof CompileError) throw usageError(`${file}: ${error.message}`);
    throw error;
  }
}

export async function writeArtifact(file: string, artifact: Artifact): Promise<void> {
  await writeFile(file, `${JSON.stringify(artifact, null, 2)}\n`);
}
