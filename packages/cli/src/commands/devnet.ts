/** `mosaic devnet`: a local network (anvil, the contracts, N staked nodes, an example called once) until Ctrl-C. */

import { relative } from 'node:path';
import Table from 'cli-table3';
import type { Command } from 'commander';
import ora, { type Ora } from 'ora';
import { formatUnits } from 'viem';
import { EXIT_CODE_HELP } from '../cli/exit-codes.js';
import { DEFAULT_DEVNET_DIR } from '../devnet/env-file.js';
import type { DevnetProgress, DevnetSummary } from '../devnet/index.js';

interface DevnetFlags {
  nodes: number;
  dataDir: string;
  reset?: boolean;
  json?: boolean;
}

const integer = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new Error(`${name} must be a positive integer`);
  return Number(value);
};

export function register(program: Command): void {
  program
    .command('devnet')
    .description('run a local network: anvil, the Mosaic contracts, N staked nodes and an example, until Ctrl-C')
    .option('-n, --nodes <n>', 'number of secret nodes (3 to 32)', integer('--nodes'), 5)
    .option('-d, --data-dir <dir>', 'data directory (keys, deployment, node logs)', '.mosaic-devnet')
    .option('--reset', 'wipe the data directory first')
    .option('--json', 'print the summary as one JSON line (progress goes to stderr)')
    .addHelpText(
      'after',
      '\nExample:\n  $ mosaic devnet --nodes 3 --data-dir /tmp/devnet\n\n' +
        'A second start with the same data directory resumes the same network: anvil reloads its state\n' +
        '(<data-dir>/anvil-state.json), the contracts, stakes, node keys and stores are kept. --reset wipes it.\n' +
        'Every start writes <data-dir>/devnet.json, which `mosaic deploy`, `call`, `status` … read when run in\n' +
        'the same directory (or below it, or with --devnet-dir). It holds anvil dev account #9, a public test key.\n\n' +
        EXIT_CODE_HELP,
    )
    .action(async (flags: DevnetFlags) => {
      const out = flags.json ? process.stderr : process.stdout;
      const reporter = progressReporter(out);
      // Imported here: the devnet pulls in @mosaic/node, a second to load, which other commands need not pay.
      const { ExampleDevnet, DevnetStoppedError } = await import('../devnet/index.js');
      const devnet = new ExampleDevnet({
        nodes: flags.nodes,
        dataDir: flags.dataDir,
        reset: flags.reset ?? false,
        onProgress: reporter.onProgress,
      });
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals++;
        if (signals > 1) {
          out.write(`${signal} again: exiting now\n`);
          process.exit(130);
        }
        reporter.stop();
        out.write(`\n${signal}: stopping the nodes and anvil…\n`);
        devnet.stop().then(
          () => {
            out.write('devnet stopped\n');
            process.exit(0);
          },
          (error: unknown) => {
            console.error(`mosaic devnet: stop failed: ${String(error)}`);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let summary: DevnetSummary;
      try {
        summary = await devnet.start();
      } catch (error) {
        reporter.fail();
        if (error instanceof DevnetStoppedError) return; // the signal handler exits
        throw error;
      }
      if (flags.json) console.log(JSON.stringify(summary, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
      else printSummary(summary);
      // Keep running until a signal.
      setInterval(() => {}, 1 << 30);
    });
}

function progressReporter(out: NodeJS.WriteStream) {
  // A pseudo-terminal without a size (columns 0) makes a spinner redraw without end: plain lines there.
  const tty = Boolean(out.isTTY) && (out.columns ?? 0) > 0;
  let spinner: Ora | undefined;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return {
    onProgress(event: DevnetProgress) {
      if (event.type === 'info') {
        if (spinner) spinner.info(event.text);
        else out.write(`ℹ ${event.text}\n`);
        return;
      }
      if (event.type === 'start') {
        if (tty) spinner = ora({ text: event.text, stream: out }).start();
        else out.write(`… ${event.text}\n`);
        return;
      }
      if (spinner) {
        spinner.succeed(`${event.text} (${seconds(event.ms)})`);
        spinner = undefined;
      } else out.write(`✔ ${event.text} (${seconds(event.ms)})\n`);
    },
    fail() {
      spinner?.fail();
      spinner = undefined;
    },
    stop() {
      spinner?.stop();
      spinner = undefined;
    },
  };
}

function printSummary(s: DevnetSummary): void {
  // Commands find ./.mosaic-devnet (and in parent directories) by themselves; another data dir needs the flag.
  const isDefault = relative(process.cwd(), s.dataDir) === DEFAULT_DEVNET_DIR;
  const devnetFlag = isDefault ? '' : ` --devnet-dir ${s.dataDir}`;
  const table = new Table({
    head: ['node', 'operator address', 'stake (MOS)', 'peer id', 'RPC URL'],
    ...(process.stdout.isTTY ? {} : { style: { head: [], border: [] } }),
  });
  for (const node of s.nodes) {
    table.push([`node-${node.index}`, node.operator, formatUnits(node.stake, 18), node.peerId, node.rpcUrl]);
  }
  const lines = [
    '',
    table.toString(),
    '',
    `Chain:       ${s.chainRpc} (chain id ${s.chainId}, anvil)`,
    `Deployment:  ${s.deploymentFile}`,
    `Data dir:    ${s.dataDir}${s.resumed ? ' (resumed: the same chain, contracts, stakes and node stores as before)' : s.keysReused ? ' (node keys reused; fresh chain)' : ''}`,
    `Environment: ${s.envFile} (account ${s.account}: anvil's public test key #9, devnet only)`,
    `Processes:   devnet pid ${s.pid}; node pids ${s.nodes.map((n) => n.pid).join(' ')}; anvil pid ${s.anvilPid} on port ${s.anvilPort}`,
    '',
    `Example: millionaires, contract #${s.example.contractId}, task 0x${s.example.taskId.toString(16)}`,
    `  compare(a = ${s.example.a}, b = ${s.example.b}) on secret inputs → aIsRicher = ${s.example.aIsRicher}`,
    '',
    'Look around (in another terminal, in this directory):',
    `  mosaic status${devnetFlag}`,
    `  mosaic keys show --data-dir ${s.nodes[0]?.dataDir}`,
    `  curl -s -X POST -H 'content-type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"mosaic_info"}' ${s.nodes[0]?.rpcUrl}`,
    `  tail -f ${s.nodes[0]?.logFile}`,
    '',
    'Next: write, deploy and call your own secret contract:',
    '  mosaic init hello && cd hello',
    '  mosaic compile contract.ts',
    `  mosaic deploy contract.artifact.json${devnetFlag}`,
    `  mosaic call contract.artifact.json compare --contract <id> --arg a=5 --arg b=7${devnetFlag}`,
    '',
    'The network is running. Press Ctrl-C to stop every node and anvil.',
  ];
  console.log(lines.join('\n'));
}
