// The mosaic command as a user meets it, without a network: help with examples on every command, flag
// validation, exit codes, and errors that name what failed and what to do.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { nodeRegistryAbi } from '@mosaic/contracts';
import type { Command } from 'commander';
import { ContractFunctionRevertedError, encodeErrorResult } from 'viem';
import { askFor } from '../src/cli/args.js';
import { readKeyFile } from '../src/cli/connection.js';
import { type CliError, toCliError } from '../src/cli/errors.js';
import { EXIT } from '../src/cli/exit-codes.js';
import { createProgram } from '../src/program.js';

const BIN = fileURLToPath(new URL('../src/bin.js', import.meta.url));
const DOCS = fileURLToPath(new URL('../../../../docs/cli.md', import.meta.url));
const MILLIONAIRES = fileURLToPath(new URL('../../../../examples/millionaires/contract.ts', import.meta.url));
const run = promisify(execFile);
const mosaic = (args: string[], env: Record<string, string> = {}, cwd?: string) =>
  run(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    timeout: 30_000,
    ...(cwd ? { cwd } : {}),
  });
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => assert.fail('expected a failure'),
    (error: { code: number; stderr: string; stdout: string }) => error,
  );

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** The leaf commands, without `data` (another module with its own help and tests). */
function leafCommands(command: Command): Command[] {
  return command.commands
    .filter((c) => c.name() !== 'data')
    .flatMap((c) => (c.commands.length > 0 ? leafCommands(c) : [c]));
}

describe('mosaic CLI', { timeout: 120_000 }, () => {
  it('every command has --help with an example, --json where it prints a result, and the exit codes', () => {
    const program = createProgram();
    const leaves = leafCommands(program);
    assert.ok(leaves.length >= 15, `${leaves.length} commands`);
    for (const command of leaves) {
      let text = '';
      command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
      command.outputHelp();
      const name = command.parent?.parent ? `${command.parent.name()} ${command.name()}` : command.name();
      if (name === 'node') continue; // runs until a signal: help lists its environment instead
      assert.match(text, /Example/, `${name} --help has an example`);
      if (name !== 'devnet' && !name.startsWith('keys')) {
        assert.ok(
          command.options.some((o) => o.long === '--json'),
          `${name} has --json`,
        );
        assert.match(text, /Exit codes:/, `${name} --help lists the exit codes`);
      }
    }
  });

  it('docs/cli.md documents every command and every exit code', async () => {
    const docs = await readFile(DOCS, 'utf8');
    for (const command of leafCommands(createProgram())) {
      const name = command.parent?.parent ? `${command.parent.name()} ${command.name()}` : command.name();
      assert.ok(docs.includes(`mosaic ${name}`), `docs/cli.md mentions mosaic ${name}`);
    }
    for (const code of Object.values(EXIT))
      assert.match(docs, new RegExp(`\\|\\s*${code}\\s*\\|`), `exit code ${code}`);
  });

  it('--help lists the commands; an unknown command or a bad flag value is a usage error (exit 1)', async () => {
    const [{ stdout }, unknownCommand] = await Promise.all([mosaic(['--help']), failure(mosaic(['frobnicate']))]);
    for (const name of [
      'devnet',
      'init',
      'compile',
      'deploy',
      'call',
      'result',
      'task',
      'stake',
      'status',
      'node',
      'keys',
    ]) {
      assert.match(stdout, new RegExp(`\\n  ${name} `), name);
    }
    assert.equal(unknownCommand.code, EXIT.USAGE);
    const cases: [string[], RegExp][] = [
      [['devnet', '--nodes', 'many'], /--nodes/],
      [['deploy', 'a.json', '--committee', '4,2'], /2t \+ 1 <= n/],
      [['call', 'a.json', 'f', '--contract', '0'], /positive id/],
      [['call', 'a.json', 'f', '--contract', '1', '--arg', 'novalue'], /name=value/],
      [['call', 'a.json', 'f', '--contract', '1', '--arg', 'a=1', '--arg', 'a=2'], /given twice/],
      [['stake', 'deposit', 'lots'], /amount of MOS/],
      [['status', '--chain-rpc', 'ftp://example.org'], /http\(s\) URL/],
      [['task', 'xyz'], /decimal or 0x hex/],
    ];
    // In parallel: each is a process start (about a second).
    const errors = await Promise.all(cases.map(([args]) => failure(mosaic(args))));
    for (const [i, [args, message]] of cases.entries()) {
      assert.equal(errors[i]?.code, EXIT.USAGE, args.join(' '));
      assert.match(errors[i]?.stderr ?? '', message, args.join(' '));
    }
  });

  it('an unreachable chain exits 2, names the URL and says how to start one; --json gives one error document', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const error = await failure(mosaic(['status', '--chain-rpc', url, '--deployment', 'x.json']));
    assert.equal(error.code, EXIT.UNREACHABLE);
    assert.match(error.stderr, new RegExp(`chain unreachable at ${url}`));
    assert.match(error.stderr, /mosaic devnet/);
    assert.doesNotMatch(error.stderr, /\n\s+at /, 'no stack trace');
    const json = await failure(mosaic(['status', '--chain-rpc', url, '--json']));
    const document = JSON.parse(json.stdout) as { error: { exitCode: number; message: string } };
    assert.equal(document.error.exitCode, EXIT.UNREACHABLE);
    assert.match(document.error.message, new RegExp(url));

    // No flags and no devnet environment file anywhere up the tree: same exit code, and what to do.
    const empty = await mkdtemp(join(tmpdir(), 'mosaic-cli-nodevnet-'));
    const none = await failure(mosaic(['status'], {}, empty));
    assert.equal(none.code, EXIT.UNREACHABLE);
    assert.match(none.stderr, /npm start|mosaic devnet/);
  });

  it('init makes a project that compiles; compile writes selectors, signatures and gas; bad input exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mosaic-cli-init-'));
    const project = join(dir, 'my-contract');
    const init = JSON.parse((await mosaic(['init', project, '--json'])).stdout) as { name: string; files: string[] };
    assert.equal(init.name, 'MyContract');
    const pkg = JSON.parse(await readFile(join(project, 'package.json'), 'utf8'));
    assert.ok(pkg.dependencies['@mosaic/lang']);
    assert.match(await readFile(join(project, 'README.md'), 'utf8'), /mosaic deploy/);
    assert.equal((await failure(mosaic(['init', project]))).code, EXIT.USAGE, 'a non-empty directory is refused');

    const compiled = JSON.parse(
      (await mosaic(['compile', 'contract.ts', '--committee', '3,1', '--json'], {}, project)).stdout,
    );
    assert.equal(compiled.name, 'MyContract');
    assert.match(compiled.codeHash, /^0x[0-9a-f]{64}$/);
    assert.equal(compiled.functions.compare.signature, 'compare(int64,int64)');
    assert.match(compiled.functions.compare.selector, /^0x[0-9a-f]{8}$/);
    assert.ok(Number(compiled.functions.compare.gas) > 0);
    const artifact = JSON.parse(await readFile(join(project, 'contract.artifact.json'), 'utf8'));
    assert.match(artifact.bytes, /^0x[0-9a-f]+$/);
    assert.deepEqual(artifact.functions.compare.inputs, [
      { name: 'a', visibility: 'secret', type: 'int64' },
      { name: 'b', visibility: 'secret', type: 'int64' },
    ]);

    // The repository's example compiles to the same code as the template (same contract, other name aside).
    const out = join(dir, 'millionaires.json');
    await mosaic(['compile', MILLIONAIRES, '-o', out]);
    assert.equal(JSON.parse(await readFile(out, 'utf8')).name, 'Millionaires');

    await writeFile(
      join(dir, 'broken.ts'),
      "import { contract } from '@mosaic/lang';\nexport default contract('X', {\n",
    );
    const broken = await failure(mosaic(['compile', join(dir, 'broken.ts')]));
    assert.equal(broken.code, EXIT.USAGE);
    assert.match(broken.stderr, /broken\.ts/);
    const missing = await failure(mosaic(['compile', join(dir, 'nope.ts')]));
    assert.equal(missing.code, EXIT.USAGE);
    assert.match(missing.stderr, /cannot read/);
    const notArtifact = await failure(mosaic(['deploy', join(project, 'package.json')]));
    assert.equal(notArtifact.code, EXIT.USAGE);
    assert.match(notArtifact.stderr, /mosaic compile/);
  });

  it('a key file readable by others is refused with the chmod to run; call arguments are checked before any network', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mosaic-cli-keyfile-'));
    const keyFile = join(dir, 'key');
    await writeFile(keyFile, `0x${'11'.repeat(32)}\n`);
    await chmod(keyFile, 0o644);
    await assert.rejects(readKeyFile(keyFile), (error: CliError) => {
      assert.equal(error.exitCode, EXIT.USAGE);
      assert.match(error.message, /readable by others \(mode 644\)/);
      assert.equal(error.hint, `chmod 600 ${keyFile}`);
      return true;
    });
    await chmod(keyFile, 0o600);
    assert.equal(await readKeyFile(keyFile), `0x${'11'.repeat(32)}`);
    await writeFile(keyFile, 'not a key');
    await assert.rejects(readKeyFile(keyFile), /does not hold a 0x-prefixed 32-byte hex key/);

    // A devnet environment file whose chain is down: argument errors must come first (exit 1, not 2).
    const url = `http://127.0.0.1:${await closedPort()}`;
    const devnetDir = join(dir, 'devnet');
    await mkdir(devnetDir);
    await writeFile(
      join(devnetDir, 'devnet.json'),
      JSON.stringify({ format: 'mosaic-devnet/v1', chainRpc: url, nodeRpcs: [], deploymentFile: 'x' }),
    );
    const { stdout } = await mosaic(['compile', MILLIONAIRES, '-o', join(dir, 'm.json'), '--json']);
    assert.ok(JSON.parse(stdout).codeHash);
    const bad = await failure(
      mosaic([
        'call',
        join(dir, 'm.json'),
        'compare',
        '--contract',
        '1',
        '--arg',
        'a=1',
        '--arg',
        'b=2x',
        '--devnet-dir',
        devnetDir,
      ]),
    );
    assert.equal(bad.code, EXIT.USAGE);
    assert.match(bad.stderr, /argument b: expected an integer \(int64\)/);
    const unknown = await failure(
      mosaic(['call', join(dir, 'm.json'), 'compare', '--contract', '1', '--arg', 'c=1', '--devnet-dir', devnetDir]),
    );
    assert.match(unknown.stderr, /has no argument c/);
    const tooBig = await failure(
      mosaic([
        'call',
        join(dir, 'm.json'),
        'compare',
        '--contract',
        '1',
        '--arg',
        'a=1',
        '--arg',
        `b=${2n ** 63n}`,
        '--no-prompt',
      ]),
    );
    assert.match(tooBig.stderr, /does not fit int64/);
    const missingArg = await failure(
      mosaic(['call', join(dir, 'm.json'), 'compare', '--contract', '1', '--arg', 'a=1', '--no-prompt']),
    );
    assert.equal(missingArg.code, EXIT.USAGE);
    assert.match(missingArg.stderr, /missing argument b \(secret int64\)/);
    const argsFile = join(dir, 'args.json');
    await writeFile(argsFile, '{"a": "1", "b": true}');
    const wrongType = await failure(
      mosaic(['call', join(dir, 'm.json'), 'compare', '--contract', '1', '--args-file', argsFile, '--no-prompt']),
    );
    assert.match(wrongType.stderr, /argument b: expected an integer/);
  });

  it('Ctrl-C while waiting for the chain exits 130 with one line', async () => {
    // A "chain" that accepts requests and never answers: the command is waiting when SIGINT arrives.
    let requested: () => void = () => {};
    const request = new Promise<void>((resolve) => {
      requested = resolve;
    });
    const server = createHttpServer(() => requested());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const child = spawn(process.execPath, [BIN, 'status', '--chain-rpc', url, '--deployment', 'x.json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await request;
    child.kill('SIGINT');
    assert.equal(await exited, EXIT.INTERRUPTED);
    assert.match(stderr, /^mosaic status: interrupted \(SIGINT\)\n$/);
    server.closeAllConnections();
    server.close();
  });

  it('reverts become sentences: stake below the minimum says how much more and the command to run', () => {
    const data = encodeErrorResult({
      abi: nodeRegistryAbi,
      errorName: 'StakeBelowMinimum',
      args: [10_000n * 10n ** 18n, 25_000n * 10n ** 18n],
    });
    const error = toCliError(new ContractFunctionRevertedError({ abi: nodeRegistryAbi, data, functionName: 'login' }));
    assert.equal(error.exitCode, EXIT.REJECTED);
    assert.equal(error.message, 'stake 10000 MOS is below the minimum 25000 MOS: 15000 MOS more is needed');
    assert.equal(error.hint, 'deposit it with `mosaic stake deposit 15000`');
    const unbonding = toCliError(
      new ContractFunctionRevertedError({
        abi: nodeRegistryAbi,
        data: encodeErrorResult({ abi: nodeRegistryAbi, errorName: 'Unbonding', args: [3n, 5n] }),
        functionName: 'withdraw',
      }),
    );
    assert.match(unbonding.message, /unbonding until epoch 5 \(now 3\)/);
  });

  it('result without the saved task explains that only the caller can open it (exit 1)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mosaic-cli-result-'));
    const error = await failure(mosaic(['result', '12345'], {}, dir));
    assert.equal(error.code, EXIT.USAGE);
    assert.match(error.stderr, /no saved task 12345 in \.mosaic\/tasks: only the caller holds the key/);
    assert.match(error.stderr, /mosaic task 12345/);
  });

  it('a missing secret argument is asked for without echo; a public one in the clear', async () => {
    const typed = async (visibility: string, answer: string) => {
      const input = new PassThrough();
      let shown = '';
      const output = new Writable({
        write(chunk, _encoding, done) {
          shown += chunk.toString();
          done();
        },
      });
      const asked = askFor(
        { name: 'a', visibility, type: { kind: 'int', bits: 64, arrayLength: 0 } },
        { input, output },
      );
      setTimeout(() => input.write(`${answer}\n`), 100);
      return { value: await asked, shown };
    };
    const secret = await typed('secret', '918273645');
    assert.equal(secret.value, '918273645');
    assert.match(secret.shown, /a \(secret int64\)/, 'the prompt names the argument and its type');
    assert.doesNotMatch(secret.shown, /918273645|9182/, 'the typed secret is not echoed');
    const open = await typed('public', '42');
    assert.equal(open.value, '42');
  });

  it('keys create writes a 0600 key file and prints no secret; keys show reads it back; passphrase errors are one line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mosaic-cli-keys-'));
    const { stdout } = await mosaic(['keys', 'create', '--data-dir', dir, '--json']);
    const created = JSON.parse(stdout) as { operator: string; peerId: string; file: string; x25519PublicKey: string };
    assert.match(created.operator, /^0x[0-9a-fA-F]{40}$/);
    assert.equal((await stat(created.file)).mode & 0o777, 0o600);
    assert.deepEqual(Object.keys(created).sort(), ['encrypted', 'file', 'operator', 'peerId', 'x25519PublicKey']);
    const shown = JSON.parse((await mosaic(['keys', 'show', '--data-dir', dir, '--json'])).stdout);
    assert.equal(shown.peerId, created.peerId);
    assert.equal((await failure(mosaic(['keys', 'create', '--data-dir', dir]))).code, EXIT.USAGE);

    const secret = await mkdtemp(join(tmpdir(), 'mosaic-cli-keys-enc-'));
    await writeFile(join(secret, 'pass'), 'open sesame\n');
    await mosaic(['keys', 'create', '--data-dir', join(secret, 'data'), '--passphrase-file', join(secret, 'pass')]);
    const wrong = await failure(
      mosaic(['keys', 'show', '--data-dir', join(secret, 'data')], { MOSAIC_PASSPHRASE: 'nope' }),
    );
    assert.equal(wrong.code, EXIT.USAGE);
    assert.match(wrong.stderr, /wrong passphrase/);
    assert.equal(wrong.stderr.trim().split('\n').length <= 2, true, `one line (and a hint): ${wrong.stderr}`);
    const missing = await failure(mosaic(['keys', 'show', '--data-dir', join(secret, 'data')]));
    assert.match(missing.stderr, /passphrase is required/);
    await mosaic(['keys', 'show', '--data-dir', join(secret, 'data')], { MOSAIC_PASSPHRASE: 'open sesame' });
  });
});
