/** `mosaic call <artifact> <function>`: one task on secret inputs, waited for, outputs printed. */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { serializePendingTask, type TaskProgress } from '@mosaic/client';
import type { FunctionName } from '@mosaic/lang';
import type { Command } from 'commander';
import { collectCallArgs, readArgsFile } from '../cli/args.js';
import { readArtifact } from '../cli/artifact.js';
import { connectClient } from '../cli/chain.js';
import {
  addAccountOptions,
  addNetworkOptions,
  type ConnectionFlags,
  resolveAccount,
  resolveNetwork,
} from '../cli/connection.js';
import { EXIT_CODE_HELP } from '../cli/exit-codes.js';
import { toJson } from '../cli/output.js';
import { collectArg, integerIn, positiveId } from '../cli/parsers.js';
import { action } from '../cli/run.js';

interface CallFlags extends ConnectionFlags {
  contract: bigint;
  arg?: Record<string, string>;
  argsFile?: string;
  prompt: boolean;
  autoDeposit: boolean;
  timeout: number;
  tasksDir: string;
  json?: boolean;
}

export const DEFAULT_TASKS_DIR = '.mosaic/tasks';

export function register(program: Command): void {
  const command = program
    .command('call')
    .description('call a function of a deployed secret contract on secret arguments and wait for the result')
    .argument('<artifact>', 'artifact from `mosaic compile`')
    .argument('<function>', 'function name')
    .requiredOption('--contract <id>', 'contract id (from `mosaic deploy`)', positiveId)
    .option('--arg <name=value>', 'an argument (repeatable); arrays as 1,2,3 or [1,2,3]', collectArg)
    .option('--args-file <file>', 'JSON object with arguments ({"a": "1200", …}); --arg wins')
    .option('--no-prompt', 'never ask for missing arguments (fail instead)')
    .option('--no-auto-deposit', 'fail when the prepaid fee balance is short instead of depositing the difference')
    .option('--timeout <seconds>', 'longest wait for the result', integerIn(1, 3600), 120)
    .option(
      '--tasks-dir <dir>',
      'where the task (with its result key, mode 0600) is kept for `mosaic result`',
      DEFAULT_TASKS_DIR,
    );
  addNetworkOptions(command);
  addAccountOptions(command);
  command
    .option('--json', 'print the result as JSON (progress on stderr)')
    .addHelpText(
      'after',
      '\nExample:\n  $ mosaic call contract.artifact.json compare --contract 1 --arg a=1200000 --arg b=950000\n\n' +
        'Secret arguments you leave out are asked for on a terminal, without echo. The task, with the key that\n' +
        `opens its result, is kept in --tasks-dir so that \`mosaic result <taskId>\` can fetch it again.\n\n${EXIT_CODE_HELP}`,
    )
    .action(
      action(async (context, file: string, fn: string, flags: CallFlags) => {
        const { out, urls } = context;
        const { artifact, compiled } = await readArtifact(file);
        const fromFile = flags.argsFile ? await readArgsFile(flags.argsFile) : {};
        const prompt = flags.prompt && Boolean(process.stdin.isTTY);
        const { values } = await collectCallArgs(compiled, fn, flags.arg ?? {}, fromFile, { prompt });
        const network = await resolveNetwork(flags, { node: true });
        Object.assign(urls, { chainRpc: network.chainRpc, nodeRpc: network.nodeRpc });
        const { account } = await resolveAccount(flags, network);
        const client = await connectClient(network, account);
        const handle = client.contract(compiled, flags.contract);
        let taskId: bigint | undefined;
        context.onInterrupt = () =>
          taskId === undefined ? undefined : `task ${taskId} keeps running; fetch it with \`mosaic result ${taskId}\``;
        const started = Date.now();
        const stages: Record<string, string> = {
          verified: 'committee verified on chain',
          sealed: 'secret arguments shared and sealed to the members',
          created: 'task created on chain',
          submitted: 'bundle submitted to the node',
          running: 'the committee is computing',
          completed: 'computed; fetching the result shares',
          receipted: 'receipt on chain',
          reconstructed: 'result reconstructed and verified',
          failed: 'task failed',
        };
        const onProgress = (p: TaskProgress) => {
          if (p.taskId !== undefined) taskId = p.taskId;
          out.progress(`${stages[p.stage] ?? p.stage}${p.detail ? ` (${p.detail})` : ''}`);
        };
        out.progress(`Calling ${artifact.name}.${fn} on contract #${flags.contract}`);
        const call = handle.call[fn as FunctionName<typeof compiled>] as (
          args: unknown,
          options: unknown,
        ) => ReturnType<(typeof handle.call)[string]>;
        const result = await call(values, {
          autoDeposit: flags.autoDeposit,
          onProgress,
          timeoutMs: flags.timeout * 1000,
        });
        await client.close();
        const taskFile = await savePendingTask(flags.tasksDir, result.taskId, {
          task: serializePendingTask(result.task),
          artifact: resolve(file),
          function: fn,
        });
        const ms = Date.now() - started;
        out.done(`Task ${result.taskId} done in ${(ms / 1000).toFixed(1)} s`);
        out.result(
          {
            taskId: result.taskId,
            contractId: flags.contract,
            function: fn,
            outputs: result.outputs,
            status: result.status,
            authenticated: result.authenticated,
            badMembers: result.badMembers,
            warnings: result.warnings,
            gasUsed: result.gasUsed,
            taskFile,
            ms,
          },
          [
            `task ${result.taskId} (${result.status})`,
            ...Object.entries(result.outputs as Record<string, unknown>).map(([k, v]) => `  ${k} = ${showValue(v)}`),
            ...result.warnings.map((w) => `warning: ${w}`),
            ...(result.badMembers.length ? [`bad members: ${toJson(result.badMembers)}`] : []),
          ],
        );
      }),
    );
}

/** Keeps the task (its result key is secret: mode 0600) for `mosaic result`. */
async function savePendingTask(dir: string, taskId: bigint, body: Record<string, unknown>): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${taskId}.json`);
  await writeFile(file, `${toJson(body, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return resolve(file);
}

/** A value as a person reads it: integers bare (not as JSON strings), arrays and objects as JSON. */
function showValue(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map(showValue).join(', ')}]`;
  return toJson(value);
}
