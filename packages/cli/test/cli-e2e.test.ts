// The newcomer's path with the CLI only: `mosaic devnet` as a real subprocess in a temporary
// directory, then, as a user would in a second terminal, `init`, `compile`, `deploy`, `call` (secret arguments
// from flags), `result`, `task`, `status` and a refused `stake withdraw`, all finding the network through the
// devnet's environment file; SIGINT then must leave no process it started (devnet, nodes, anvil).
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { EXIT } from '../src/cli/exit-codes.js';
import type { DevnetEnvironment } from '../src/devnet/env-file.js';

const BIN = fileURLToPath(new URL('../src/bin.js', import.meta.url));
const execFileAsync = promisify(execFile);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `mosaic …` in `cwd`; resolves with the exit code instead of throwing. */
async function mosaic(args: string[], cwd: string): Promise<Result> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [BIN, ...args], { cwd, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function ok(result: Result, what: string): Result {
  assert.equal(result.code, 0, `${what} exited ${result.code}: ${result.stderr}`);
  return result;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('mosaic CLI end to end on a devnet', { timeout: 300_000 }, () => {
  let workDir: string;
  let devnet: ChildProcess;
  let exited: Promise<number | null>;
  let stdout = '';
  let stderr = '';
  let env: DevnetEnvironment;
  const project = () => join(workDir, 'hello');

  // The project and the first call are made once, by whichever case needs them first, so each case also runs
  // alone (`--test-name-pattern`).
  let deployedOnce: Promise<{ compiled: { name: string; codeHash: string }; deployed: Result }> | undefined;
  const deployed = () => {
    deployedOnce ??= (async () => {
      ok(await mosaic(['init', 'hello'], workDir), 'init');
      const compiled = JSON.parse(ok(await mosaic(['compile', 'contract.ts', '--json'], project()), 'compile').stdout);
      // From the project directory: the devnet's environment file is found in the parent directory.
      const deployed = ok(await mosaic(['deploy', 'contract.artifact.json', '--json'], project()), 'deploy');
      return { compiled, deployed };
    })();
    return deployedOnce;
  };
  const contractIdOf = async () => JSON.parse((await deployed()).deployed.stdout).contractId as string;
  let calledOnce: Promise<Result> | undefined;
  /** `call … compare a=5 b=7 --json`. */
  const called = () => {
    calledOnce ??= (async () => {
      const contractId = await contractIdOf();
      return ok(
        await mosaic(
          [
            'call',
            'contract.artifact.json',
            'compare',
            '--contract',
            contractId,
            '--arg',
            'a=5',
            '--arg',
            'b=7',
            '--json',
          ],
          project(),
        ),
        'call',
      );
    })();
    return calledOnce;
  };

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'mosaic-cli-e2e-'));
    devnet = spawn(process.execPath, [BIN, 'devnet', '--nodes', '3', '--data-dir', join(workDir, '.mosaic-devnet')], {
      cwd: workDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    devnet.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    devnet.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-4000);
    });
    exited = new Promise((resolve) => devnet.once('exit', (code) => resolve(code)));
    let done = false;
    void exited.then(() => {
      done = true;
    });
    const deadline = Date.now() + 150_000;
    while (!/Press Ctrl-C/.test(stdout)) {
      if (done) assert.fail(`devnet exited early:\n${stdout}\n${stderr}`);
      if (Date.now() > deadline) assert.fail(`devnet not ready:\n${stdout}\n${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    env = JSON.parse(await readFile(join(workDir, '.mosaic-devnet', 'devnet.json'), 'utf8')) as DevnetEnvironment;
  });

  after(async () => {
    if (devnet && devnet.exitCode === null && devnet.signalCode === null) devnet.kill('SIGKILL');
    for (const pid of env?.pids.nodes ?? []) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('writes an environment file (0600) with the chain, deployment, node RPCs and the dev account', async () => {
    const file = join(workDir, '.mosaic-devnet', 'devnet.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal(env.chainId, 31337);
    assert.equal(env.nodeRpcs.length, 3);
    assert.ok(existsSync(env.deploymentFile));
    assert.match(env.account.note, /test key/);
    assert.doesNotMatch(stdout, new RegExp(env.account.privateKey.slice(2)), 'the devnet prints no private key');
  });

  it('init, compile, deploy and call a secret contract with flags only for the arguments', async () => {
    const { compiled, deployed: deploy } = await deployed();
    assert.equal(compiled.name, 'Hello');

    const deployment = JSON.parse(deploy.stdout);
    assert.equal(deployment.n, 3);
    assert.equal(deployment.t, 1);
    assert.equal(deployment.active, true, 'on a devnet, deploy advances to the activation epoch');
    assert.equal(deployment.codeHash, compiled.codeHash);
    const contractId = deployment.contractId;
    assert.match(deploy.stderr, /Deployed Hello as contract/, 'progress goes to stderr with --json');

    const result = JSON.parse((await called()).stdout);
    assert.deepEqual(result.outputs, { aIsRicher: false });
    assert.equal(result.authenticated, true);
    assert.deepEqual(result.badMembers, []);
    assert.equal((await stat(result.taskFile)).mode & 0o777, 0o600, 'the saved task holds a result key');

    const human = ok(
      await mosaic(
        ['call', 'contract.artifact.json', 'compare', '--contract', contractId, '--arg', 'a=9', '--arg', 'b=7'],
        project(),
      ),
      'call (human output)',
    );
    assert.match(human.stdout, /aIsRicher = true/);

    // Arguments from a JSON file, one overridden by a flag.
    const argsFile = join(project(), 'args.json');
    await writeFile(argsFile, JSON.stringify({ a: '3', b: -40 }));
    const fromFile = ok(
      await mosaic(
        [
          'call',
          'contract.artifact.json',
          'compare',
          '--contract',
          contractId,
          '--args-file',
          argsFile,
          '--arg',
          'a=-41',
          '--json',
        ],
        project(),
      ),
      'call --args-file',
    );
    assert.deepEqual(JSON.parse(fromFile.stdout).outputs, { aIsRicher: false }, '-41 > -40 is false');
  });

  it('result and task fetch the call again; an unknown contract is refused (exit 3)', async () => {
    const contractId = await contractIdOf();
    const { taskId } = JSON.parse((await called()).stdout) as { taskId: string };
    const again = JSON.parse(ok(await mosaic(['result', taskId, '--json'], project()), 'result').stdout);
    assert.deepEqual(again.outputs, { aIsRicher: false });
    const task = JSON.parse(ok(await mosaic(['task', taskId, '--json'], project()), 'task').stdout);
    assert.equal(task.taskId, taskId);
    assert.ok(['completed', 'receipted'].includes(task.status), task.status);
    assert.equal(task.contractId, contractId);

    const unknown = await mosaic(
      ['call', 'contract.artifact.json', 'compare', '--contract', '999', '--arg', 'a=1', '--arg', 'b=2', '--json'],
      project(),
    );
    assert.equal(unknown.code, EXIT.REJECTED, unknown.stderr);
    assert.match(JSON.parse(unknown.stdout).error.message, /not deployed/);
  });

  it('status shows the epoch, the staked nodes and the committees; stake refuses a withdrawal while logged in', async () => {
    const contractId = await contractIdOf();
    const node1 = join(workDir, '.mosaic-devnet', 'node-1');
    const status = JSON.parse(ok(await mosaic(['status', '--json', '--data-dir', node1], workDir), 'status').stdout);
    assert.equal(status.chain.chainId, 31337);
    assert.equal(status.nodes.active, 3);
    assert.equal(status.nodes.totalStake, (75_000n * 10n ** 18n).toString());
    assert.ok(BigInt(status.epoch.current) >= 2n);
    assert.ok(BigInt(status.epoch.nextEpochBlock) > BigInt(status.epoch.startBlock));
    const mine = status.contracts.find((c: { id: string }) => c.id === contractId);
    assert.ok(mine?.active, 'the deployed contract is active');
    assert.equal(mine.committee.length, 3);
    assert.equal(status.myNode.loggedIn, true);
    assert.ok(status.myNode.committees.includes(contractId), 'node 1 sits on the 3-member committee');
    assert.equal(status.node.reachable, true);

    const withdraw = await mosaic(['stake', 'withdraw', '1', '--data-dir', node1], workDir);
    assert.equal(withdraw.code, EXIT.REJECTED);
    assert.match(withdraw.stderr, /still logged in/);
    assert.match(withdraw.stderr, /mosaic stake logout/);
  });

  it('a node that does not answer is named, with exit 2', async () => {
    const closed = 'http://127.0.0.1:9';
    // Any task id: the node is asked before anything else is known.
    const task = await mosaic(['task', '0x1', '--node-rpc', closed], workDir);
    assert.equal(task.code, EXIT.UNREACHABLE);
    assert.match(task.stderr, /node unreachable at http:\/\/127\.0\.0\.1:9/);
  });

  it('a second devnet on the same data directory is refused while the first runs (even with --reset)', async () => {
    const second = await mosaic(
      ['devnet', '--nodes', '3', '--reset', '--data-dir', join(workDir, '.mosaic-devnet')],
      workDir,
    );
    assert.equal(second.code, EXIT.USAGE);
    assert.match(second.stderr, new RegExp(`a devnet \\(pid ${devnet.pid}\\) is already running`));
    assert.ok(existsSync(join(workDir, '.mosaic-devnet', 'devnet.json')), 'nothing was wiped');
  });

  it('SIGINT stops the devnet, its nodes and anvil: no process it started is left', async () => {
    const anvilPid = Number(/anvil pid (\d+)/.exec(stdout)?.[1]);
    const pids = [devnet.pid as number, anvilPid, ...env.pids.nodes];
    assert.equal(pids.length, 5);
    for (const pid of pids) assert.ok(alive(pid), `process ${pid} runs before SIGINT`);
    devnet.kill('SIGINT');
    const timer = setTimeout(() => devnet.kill('SIGKILL'), 40_000);
    const code = await exited;
    clearTimeout(timer);
    assert.equal(code, 0);
    assert.match(stdout, /devnet stopped/);
    for (const pid of pids) assert.equal(alive(pid), false, `process ${pid} is gone`);
    assert.ok(existsSync(join(workDir, '.mosaic-devnet', 'anvil-state.json')), 'anvil left its state for a resume');

    // With the network gone, commands say so with the URL and exit 2.
    const down = await mosaic(['status'], workDir);
    assert.equal(down.code, EXIT.UNREACHABLE);
    assert.match(down.stderr, new RegExp(`chain unreachable at ${env.chainRpc}`));
  });
});
