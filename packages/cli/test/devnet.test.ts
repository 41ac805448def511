// `mosaic devnet` as a user runs it: a real subprocess in a temporary directory, up to the printed table and the
// example's answer; SIGINT stops every process it started; a second start resumes the same network.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../src/bin.js', import.meta.url));

interface Run {
  child: ChildProcess;
  stdout: () => string;
  exited: Promise<number | null>;
}

function startDevnet(args: string[]): Run {
  const child = spawn(process.execPath, [BIN, 'devnet', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => {
    if (stderr) process.stderr.write(`devnet stderr: ${stderr}\n`);
  });
  return { child, stdout: () => stdout, exited };
}

async function waitForOutput(run: Run, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let done = false;
  void run.exited.then(() => {
    done = true;
  });
  while (!pattern.test(run.stdout())) {
    if (done) assert.fail(`devnet exited before ${pattern}; stdout:\n${run.stdout()}`);
    if (Date.now() > deadline) assert.fail(`no ${pattern} within ${timeoutMs} ms; stdout:\n${run.stdout()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Processes whose command line mentions `needle` (other than this test and `ps` itself). */
function processesWith(needle: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes(needle) && !line.includes(' ps -eo'))
    .map((line) => line.trim());
}

async function stopAndCheck(run: Run): Promise<void> {
  const text = run.stdout();
  const pids = (/node pids ([\d ]+);/.exec(text)?.[1] ?? '').trim().split(/\s+/).map(Number);
  const anvil = /anvil pid (\d+) on port (\d+)/.exec(text);
  const port = anvil?.[2];
  assert.ok(pids.length >= 3 && anvil, text);
  pids.push(Number(anvil[1]));
  run.child.kill('SIGINT');
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 40_000);
  const code = await run.exited;
  clearTimeout(timer);
  assert.equal(code, 0, 'devnet exits 0 after SIGINT');
  assert.match(run.stdout(), /devnet stopped/);
  for (const pid of [...pids, run.child.pid as number]) {
    assert.throws(() => process.kill(pid, 0), `process ${pid} is gone`);
  }
  assert.deepEqual(processesWith(`--port ${port} `), [], 'anvil is gone');
}

describe('mosaic devnet', { timeout: 400_000 }, () => {
  let dataDir: string;
  const runs: Run[] = [];
  after(async () => {
    for (const run of runs) if (run.child.exitCode === null) run.child.kill('SIGKILL');
    if (dataDir) {
      for (const line of processesWith(dataDir)) process.kill(Number(line.split(/\s+/)[0]), 'SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('starts a 3-node network, answers the example, and stops every process on SIGINT; a restart resumes it', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mosaic-devnet-test-'));
    const first = startDevnet(['--nodes', '3', '--data-dir', dataDir]);
    runs.push(first);
    await waitForOutput(first, /Press Ctrl-C/, 150_000);
    const out = first.stdout();
    assert.match(out, /operator address/);
    assert.equal((out.match(/│ node-\d /g) ?? []).length, 3, out);
    assert.match(out, /compare\(a = 1200000, b = 950000\) on secret inputs → aIsRicher = true/);
    assert.match(out, /mosaic status --devnet-dir /);
    assert.match(out, /Environment: .*devnet\.json/);
    const chain = /Chain: +(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    const operators = [...out.matchAll(/0x[0-9a-fA-F]{40}/g)].map((m) => m[0]).slice(0, 3);
    await stopAndCheck(first);
    assert.deepEqual(processesWith(dataDir), [], 'no process with the data dir is left');

    const second = startDevnet(['--nodes', '3', '--data-dir', dataDir]);
    runs.push(second);
    await waitForOutput(second, /Press Ctrl-C/, 150_000);
    const again = second.stdout();
    assert.match(again, /Resumed the network at block \d+/);
    assert.match(again, /resumed: the same chain/);
    assert.doesNotMatch(again, /Deploying the Mosaic contracts/, 'the contracts are not deployed again');
    for (const operator of operators) assert.ok(again.includes(operator), `operator ${operator} kept`);
    assert.ok(chain && again.includes(`Chain:       ${chain}`), 'the chain keeps its URL');
    // The example contract from the first start is called again, as a second task of contract #1.
    assert.match(again, /contract #1, task 0x10000000000000001/);
    assert.match(again, /aIsRicher = true/);
    await stopAndCheck(second);
    assert.deepEqual(processesWith(dataDir), []);
  });
});
