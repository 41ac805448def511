/** `mosaic init [dir]`: a new secret-contract project from a template. */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { usageError } from '../cli/errors.js';
import { EXIT_CODE_HELP } from '../cli/exit-codes.js';
import { action } from '../cli/run.js';

interface InitFlags {
  name?: string;
  force?: boolean;
  json?: boolean;
}

const CONTRACT_TEMPLATE = (name: string) => `/**
 * ${name}: Yao's millionaires' problem. Two people learn who is richer and nothing else: the committee computes
 * on secret shares of a and b and reveals only the comparison.
 */
import { contract, fn, reveal, secret } from '@mosaic/lang';

export default contract('${name}', {
  functions: {
    compare: fn({ a: secret.int64, b: secret.int64 }, ({ a, b }) => ({ aIsRicher: reveal(a.gt(b)) })),
  },
});
`;

const README_TEMPLATE = (name: string) => `# ${name}

A Mosaic secret contract (see the language reference, docs/language.md in the Mosaic repository).

## Next

\`\`\`sh
mosaic devnet                     # in another terminal (or \`npm start\` in the Mosaic repository): a local network
mosaic compile contract.ts        # → contract.artifact.json (code hash, functions, selectors, gas)
mosaic deploy contract.artifact.json --committee 3,1
mosaic call contract.artifact.json compare --contract <id> --arg a=1200000 --arg b=950000
mosaic status
\`\`\`

\`call\` asks for any secret argument you leave out, without echoing it. Add \`--json\` to any command for
machine-readable output. Run \`mosaic devnet\` in the directory you run these from (or pass
\`--devnet-dir <dir>\`), so they find the network through \`.mosaic-devnet/devnet.json\`.
`;

export function register(program: Command): void {
  program
    .command('init')
    .description('create a secret-contract project from a template (package.json, contract.ts, README.md)')
    .argument('[dir]', 'project directory (created if missing)', '.')
    .option('--name <name>', 'contract name (default: from the directory name)')
    .option('--force', 'write into a non-empty directory (existing files are overwritten)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `\nExample:\n  $ mosaic init my-contract && cd my-contract && mosaic compile contract.ts\n\n${EXIT_CODE_HELP}`,
    )
    .action(
      action(async ({ out }, dir: string, flags: InitFlags) => {
        const root = resolve(dir);
        const name = flags.name ?? contractName(basename(root));
        if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name)) {
          throw usageError(
            `"${name}" is not a contract name (a letter, then letters, digits or _)`,
            'pass --name <Name>',
          );
        }
        await mkdir(root, { recursive: true });
        const existing = (await readdir(root)).filter((f) => !f.startsWith('.'));
        if (existing.length > 0 && !flags.force) {
          throw usageError(
            `${root} is not empty (${existing.slice(0, 3).join(', ')}…)`,
            'pick another directory or pass --force',
          );
        }
        const packageName =
          basename(root)
            .toLowerCase()
            .replace(/[^a-z0-9._-]/g, '-') || 'secret-contract';
        const files: Record<string, string> = {
          'package.json': `${JSON.stringify(
            {
              name: packageName,
              version: '0.1.0',
              private: true,
              type: 'module',
              scripts: { compile: 'mosaic compile contract.ts', deploy: 'mosaic deploy contract.artifact.json' },
              dependencies: { '@mosaic/lang': '^0.1.0' },
            },
            null,
            2,
          )}\n`,
          'contract.ts': CONTRACT_TEMPLATE(name),
          'README.md': README_TEMPLATE(name),
          '.gitignore': 'node_modules/\n.mosaic/\n.mosaic-devnet/\n*.artifact.json\n',
        };
        for (const [file, text] of Object.entries(files)) await writeFile(join(root, file), text);
        out.result({ dir: root, name, files: Object.keys(files) }, [
          `Created ${name} in ${root}: ${Object.keys(files).join(', ')}`,
          '',
          'Next:',
          ...(dir === '.' ? [] : [`  cd ${dir}`]),
          '  mosaic compile contract.ts',
          '  mosaic deploy contract.artifact.json --committee 3,1',
          '  mosaic call contract.artifact.json compare --contract <id> --arg a=1200000 --arg b=950000',
        ]);
      }),
    );
}

/** "my-contract" → "MyContract". */
function contractName(dir: string): string {
  const words = dir.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const name = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return /^[A-Za-z]/.test(name) ? name : `Contract${name}`;
}
