/** `mosaic task <id>` (status from a node) and `mosaic result <id>` (the verified, reconstructed outputs). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  deserializePendingTask,
  NodeConnection,
  NodeRpcError,
  parseTaskInfo,
  type SerializedPendingTask,
  splitOutputs,
  toHexQuantity,
} from '@mosaic/client';
import { decodeOutputs, decodePublicOutputs, privateOutputSizes } from '@mosaic/lang';
import type { Command } from 'commander';
import { readArtifact } from '../cli/artifact.js';
import { connectClient } from '../cli/chain.js';
import {
  addAccountOptions,
  addNetworkOptions,
  type ConnectionFlags,
  resolveAccount,
  resolveNetwork,
} from '../cli/connection.js';
import { usageError } from '../cli/errors.js';
import { EXIT, EXIT_CODE_HELP } from '../cli/exit-codes.js';
import { toJson } from '../cli/output.js';
import { integerIn, positiveId } from '../cli/parsers.js';
import { action } from '../cli/run.js';
import { DEFAULT_TASKS_DIR } from './call.js';

interface TaskFlags extends ConnectionFlags {
  json?: boolean;
}

interface ResultFlags extends TaskFlags {
  tasksDir: string;
  artifact?: string;
  timeout: number;
}

/** The task's status from the node; a task the node does not know is a usage error. */
async function taskInfo(url: string, taskId: bigint): Promise<unknown> {
  try {
    return await new NodeConnection({ http: url }).request('mosaic_getTask', { taskId: toHexQuantity(taskId) });
  } catch (error) {
    if (error instanceof NodeRpcError && error.code === -32001) throw usageError(`the node knows no task ${taskId}`);
    throw error;
  }
}

export function register(program: Command): void {
  const task = program
    .command('task')
    .description('show the status of a task (created, submitted, running, completed, receipted, failed)')
    .argument('<taskId>', 'task id (decimal or 0x hex)', positiveId);
  addNetworkOptions(task);
  task
    .option('--json', 'print the task as JSON')
    .addHelpText(
      'after',
      `\nExample:\n  $ mosaic task 18446744073709551616 --json\n\nExits 4 when the task failed or was skipped.\n\n${EXIT_CODE_HELP}`,
    )
    .action(
      action(async ({ out, urls }, taskId: bigint, flags: TaskFlags) => {
        const network = await resolveNetwork(flags, { node: true });
        Object.assign(urls, { chainRpc: network.chainRpc, nodeRpc: network.nodeRpc });
        const info = parseTaskInfo(await taskInfo(network.nodeRpc as string, taskId));
        out.result(info, [
          `task          ${info.taskId}`,
          `status        ${info.status}${info.receiptStatus ? ` (receipt: ${info.receiptStatus})` : ''}`,
          `contract      ${info.contractId}, selector ${info.selector}`,
          `caller        ${info.caller}`,
          `epoch         ${info.epoch}, created in block ${info.createdBlock}`,
          ...(info.error ? [`error         ${info.error}`] : []),
          `updated       ${new Date(info.updatedAt).toISOString()}`,
        ]);
        if (info.status === 'failed' || info.receiptStatus === 'failure' || info.receiptStatus === 'skipped') {
          process.exitCode = EXIT.TASK_FAILED;
        }
      }),
    );

  const result = program
    .command('result')
    .description('fetch, verify and reconstruct the result of a task made by `mosaic call` (kept in --tasks-dir)')
    .argument('<taskId>', 'task id (decimal or 0x hex)', positiveId)
    .option('--tasks-dir <dir>', 'where `mosaic call` kept the task and its result key', DEFAULT_TASKS_DIR)
    .option('--artifact <file>', 'the contract artifact (default: the one recorded with the task)')
    .option('--timeout <seconds>', 'longest wait for the task to finish', integerIn(1, 3600), 120);
  addNetworkOptions(result);
  addAccountOptions(result);
  result
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `\nExample:\n  $ mosaic result 18446744073709551616\n\n${EXIT_CODE_HELP}`)
    .action(
      action(async ({ out, urls }, taskId: bigint, flags: ResultFlags) => {
        const file = join(flags.tasksDir, `${taskId}.json`);
        let saved: { task: SerializedPendingTask; artifact: string; function: string };
        try {
          saved = JSON.parse(await readFile(file, 'utf8'));
        } catch {
          throw usageError(
            `no saved task ${taskId} in ${flags.tasksDir}: only the caller holds the key that opens a result`,
            `use the --tasks-dir of the \`mosaic call\` that made it, or \`mosaic task ${taskId}\` for its status`,
          );
        }
        const pending = await deserializePendingTask(saved.task);
        const { compiled } = await readArtifact(flags.artifact ?? saved.artifact);
        const network = await resolveNetwork(flags, { node: true });
        Object.assign(urls, { chainRpc: network.chainRpc, nodeRpc: network.nodeRpc });
        const { account } = await resolveAccount(flags, network);
        const client = await connectClient(network, account);
        const sizes = privateOutputSizes(compiled, saved.function);
        out.progress(`Waiting for task ${taskId}`);
        const verified = await client.result(pending, {
          expectedCount: sizes.reduce((a, b) => a + b, 0),
          timeoutMs: flags.timeout * 1000,
        });
        await client.close();
        const outputs = {
          ...decodeOutputs(compiled, saved.function, splitOutputs(verified.outputs, sizes)),
          ...decodePublicOutputs(compiled, saved.function, verified.publicOutput),
        };
        out.result(
          {
            taskId,
            function: saved.function,
            outputs,
            status: verified.status,
            receiptStatus: verified.receiptStatus,
            authenticated: verified.authenticated,
            badMembers: verified.badMembers,
            warnings: verified.warnings,
          },
          [
            `task ${taskId} (${verified.status}${verified.receiptStatus ? `, receipt ${verified.receiptStatus}` : ''})`,
            ...Object.entries(outputs).map(([k, v]) => `  ${k} = ${toJson(v)}`),
            ...verified.warnings.map((w) => `warning: ${w}`),
          ],
        );
      }),
    );
}
