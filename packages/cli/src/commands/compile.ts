/** `mosaic compile <file>`: a contract module → a JSON artifact (IR bytes, code hash, functions, gas). */
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { artifactOf, compileDefinition, loadContractModule, writeArtifact } from '../cli/artifact.js';
import { EXIT_CODE_HELP } from '../cli/exit-codes.js';
import { committee } from '../cli/parsers.js';
import { action } from '../cli/run.js';

interface CompileFlags {
  output?: string;
  export?: string;
  committee: { n: number; t: number };
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('compile')
    .description('compile a secret contract module (.ts or .js) into an artifact for deploy and call')
    .argument('<file>', 'contract module (default export, or the only exported contract)')
    .option('-o, --output <file>', 'artifact file (default: <file without extension>.artifact.json)')
    .option('--export <name>', 'the exported contract to compile, when the module has several')
    .option('--committee <n,t>', 'committee for the gas estimates', committee, { n: 5, t: 2 })
    .option('--json', 'print the artifact summary as JSON')
    .addHelpText('after', `\nExample:\n  $ mosaic compile contract.ts --committee 3,1\n\n${EXIT_CODE_HELP}`)
    .action(
      action(async ({ out }, file: string, flags: CompileFlags) => {
        const definition = await loadContractModule(file, flags.export);
        const compiled = compileDefinition(definition, file);
        const artifact = artifactOf(compiled, resolve(file), flags.committee);
        const target = flags.output ?? join(dirname(resolve(file)), `${basename(file, extname(file))}.artifact.json`);
        await writeArtifact(target, artifact);
        const { bytes: _bytes, ...summary } = artifact;
        out.result({ ...summary, artifact: resolve(target), size: compiled.bytes.length }, [
          `Compiled ${artifact.name} → ${target}`,
          `  code hash  ${artifact.codeHash}`,
          `  IR size    ${compiled.bytes.length} bytes`,
          `  functions  (gas for committee n=${flags.committee.n}, t=${flags.committee.t})`,
          ...Object.values(artifact.functions).map((f) => `    ${f.signature.padEnd(32)} ${f.selector}  gas ${f.gas}`),
        ]);
      }),
    );
}
