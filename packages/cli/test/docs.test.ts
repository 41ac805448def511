// Every code block of README.md and docs/tutorial.md is executed or checked here, so the docs cannot rot. The
// rules:
//
// - Every fenced block names its language.
// - `text` blocks are illustrative and skipped, except a `text` block that follows a shell block with nothing but
//   blank lines between: that is the shell block's expected output. Each of its lines must occur in the output
//   (spaces collapsed); `<anything>` in angle brackets matches any text, and a line of only `…` marks elided
//   lines. A `# → text` comment after a command is that command's expected output, with the same rules.
// - `sh`, `bash` and `console` blocks (`$ ` lines in the latter) run in document order, one command at a time in
//   bash, exactly as written, against ONE devnet that this test starts (3 nodes, as `npm start` does: the linked
//   `mosaic` bin), in a temporary directory that stands for a checkout of the repository after `npm install` and
//   `npm run build`: its package.json, node_modules, packages and scripts are symlinks to this repository's. So
//   `npx mosaic` is npm's own npx finding the bin that `npm install` linked (node_modules/.bin/mosaic); this test
//   fails when that link is missing. Every command must exit 0. `cd` is honoured and carries over to the
//   following blocks of the same document; each document starts in the temporary root. The commands in NOT_RUN
//   are recognised and not run; every document runs at least one command.
// - Contract ids: a document is written for a fresh devnet, where the first contract deployed after the example
//   is #2. When a command's expected output names `contract id N` and the real output another id, the
//   document's later `--contract N` arguments are given the real id.
// - `ts` and `typescript` blocks are written to files and type-checked together with this repository's tsc
//   (strict, noEmit, module nodenext, @mosaic/* resolved from this repository's node_modules). A block whose
//   first line is `// file: <path>` is written to that path, relative to the document's current directory at
//   that point (so a later shell command can compile and run it: that is how a block is runnable: the
//   document shows the command that runs it, and this test runs that command); any other block is a snippet
//   that must type-check on its own.
// - `mermaid` blocks must start with a known diagram type; `json` blocks must parse.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
/** The `mosaic` bin as `npm install` links it, and the file it must lead to. */
const LINKED_BIN = join(REPO, 'node_modules', '.bin', 'mosaic');
const BIN_FILE = join(REPO, 'packages', 'cli', 'bin', 'mosaic.js');
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
const DOCUMENTS = ['README.md', 'docs/tutorial.md'];

/** Commands the test recognises and does not run, and why. */
const NOT_RUN: { command: RegExp; reason: string }[] = [
  { command: /^npm (install|ci)$/, reason: 'CI installs the dependencies before any test runs (.ci/run: npm ci)' },
  { command: /^npm test$/, reason: 'this test runs inside `npm test`' },
  { command: /^npm run build$/, reason: '`npm test` builds everything before it runs the tests' },
  { command: /^npm start$/, reason: '`npm start` is `mosaic devnet`: this test has started one (3 nodes) in before()' },
];

const SHELL = new Set(['sh', 'bash', 'console']);
const TYPESCRIPT = new Set(['ts', 'typescript']);
const LANGUAGES = new Set([...SHELL, ...TYPESCRIPT, 'text', 'mermaid', 'json']);
const MERMAID = new Set([
  'flowchart',
  'graph',
  'sequenceDiagram',
  'classDiagram',
  'stateDiagram',
  'stateDiagram-v2',
  'erDiagram',
  'journey',
  'gantt',
  'pie',
  'gitGraph',
  'mindmap',
  'timeline',
  'quadrantChart',
  'requirementDiagram',
  'xychart-beta',
  'sankey-beta',
  'block-beta',
  'packet-beta',
  'architecture-beta',
  'kanban',
]);
const COMMAND_TIMEOUT_MS = 180_000;

interface Block {
  doc: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  body: string;
  /** Only blank lines between the previous block's closing fence and this block's opening fence. */
  adjacentToPrevious: boolean;
}

/** The fenced code blocks of a Markdown document. */
function parseBlocks(doc: string, markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  let lastClose = -2;
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length; i++) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(lines[i]!);
      if (close && close[1]![0] === fence[0] && close[1]!.length >= fence.length) break;
      body.push(lines[i]!);
    }
    assert.ok(i < lines.length, `${doc}:${start + 1}: code block never closed`);
    const between = lines.slice(lastClose + 1, start);
    blocks.push({
      doc,
      line: start + 1,
      lang: open[2]!.toLowerCase(),
      body: body.join('\n'),
      adjacentToPrevious: lastClose >= 0 && between.every((l) => l.trim() === ''),
    });
    lastClose = i;
  }
  return blocks;
}

interface Command {
  line: number;
  text: string;
  /** From a `# → …` comment. */
  expected?: string;
}

/** The commands of a shell block: continuation lines joined, comments stripped, `$ ` prompts of console blocks. */
function parseCommands(block: Block): Command[] {
  const commands: Command[] = [];
  const lines = block.body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = block.line + 1 + i;
    let text = lines[i]!;
    if (block.lang === 'console') {
      if (!text.startsWith('$ ')) continue; // output lines of a console block are not checked
      text = text.slice(2);
    }
    while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i]!.trim()}`;
    if (text.trim() === '' || text.trim().startsWith('#')) continue;
    const comment = /\s#\s(.*)$/.exec(text);
    const expected = comment ? /^→\s*(.+)$/.exec(comment[1]!.trim())?.[1] : undefined;
    commands.push({ line, text: (comment ? text.slice(0, comment.index) : text).trim(), expected });
  }
  return commands;
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g');
const normalise = (s: string) =>
  s
    .replace(ANSI, '')
    .split('\n')
    .map((l) => l.replace(/[ \t]+/g, ' ').trim())
    .join('\n');
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Asserts that every line of `expected` occurs in `output` (see the rules at the top). */
function assertOutput(output: string, expected: string, where: string): void {
  const actual = normalise(output);
  for (const line of normalise(expected).split('\n')) {
    if (line === '' || line === '…' || line === '...') continue;
    const pattern = line
      .split(/<[^<>\n]+>/)
      .map(escapeRegExp)
      .join('[^\\n]*?');
    assert.match(actual, new RegExp(pattern), `${where}: the output lacks the documented line "${line}":\n${output}`);
  }
}

interface Run {
  code: number | null;
  output: string;
}

const running = new Set<ChildProcess>();

/** Runs one command in bash in its own process group; resolves with the exit code and stdout + stderr. */
function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolvePromise) => {
    const child = spawn('bash', ['-c', script], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const timer = setTimeout(() => killGroup(child), COMMAND_TIMEOUT_MS);
    child.once('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolvePromise({ code, output });
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const documents = await Promise.all(
  DOCUMENTS.map(async (doc) => ({ doc, blocks: parseBlocks(doc, await readFile(join(REPO, doc), 'utf8')) })),
);

describe('the code blocks of the documentation', () => {
  it('name a known language; mermaid blocks start with a diagram type; json blocks parse', () => {
    for (const { blocks } of documents) {
      for (const block of blocks) {
        const where = `${block.doc}:${block.line}`;
        assert.notEqual(block.lang, '', `${where}: a code block without a language (use text for illustrations)`);
        assert.ok(LANGUAGES.has(block.lang), `${where}: no rule for \`${block.lang}\` blocks in docs.test.ts`);
        if (block.lang === 'mermaid') {
          const first = block.body.split('\n').find((l) => l.trim() !== '') ?? '';
          assert.ok(MERMAID.has(first.trim().split(/\s+/)[0]!), `${where}: unknown Mermaid diagram "${first}"`);
        }
        if (block.lang === 'json') assert.doesNotThrow(() => JSON.parse(block.body), `${where}: invalid JSON`);
      }
    }
  });
});

describe('the documentation run against a devnet', { timeout: 600_000 }, () => {
  let root: string;
  let devnet: ChildProcess;
  let devnetOutput = '';
  const written: string[] = [];
  const env = () => {
    const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    for (const key of Object.keys(e)) if (/^MOSAIC_/.test(key)) delete e[key];
    return e;
  };

  before(async () => {
    assert.ok(
      existsSync(LINKED_BIN) && realpathSync(LINKED_BIN) === realpathSync(BIN_FILE),
      `${LINKED_BIN} does not lead to ${BIN_FILE}: \`npm install\` links it (the documented \`npx mosaic\` needs it)`,
    );
    root = await mkdtemp(join(tmpdir(), 'mosaic-docs-'));
    for (const dir of ['node_modules', 'packages', 'scripts']) await symlink(join(REPO, dir), join(root, dir), 'dir');
    await symlink(join(REPO, 'package.json'), join(root, 'package.json'), 'file');
    // `npm start` is `npm run build && mosaic devnet`: the build is done, so the linked bin starts the devnet.
    const bin = join(root, 'node_modules', '.bin', 'mosaic');
    devnet = spawn(process.execPath, [bin, 'devnet', '--nodes', '3', '--data-dir', join(root, '.mosaic-devnet')], {
      cwd: root,
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (c: Buffer) => {
      devnetOutput = (devnetOutput + c.toString()).slice(-20_000);
    };
    devnet.stdout?.on('data', collect);
    devnet.stderr?.on('data', collect);
    const deadline = Date.now() + 150_000;
    while (!(existsSync(join(root, '.mosaic-devnet', 'devnet.json')) && /Press Ctrl-C/.test(devnetOutput))) {
      if (devnet.exitCode !== null || devnet.signalCode !== null) assert.fail(`devnet exited:\n${devnetOutput}`);
      if (Date.now() > deadline) assert.fail(`devnet not ready after 150 s:\n${devnetOutput}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  after(async () => {
    for (const child of running) killGroup(child);
    const pids: number[] = [];
    const env = await readFile(join(root, '.mosaic-devnet', 'devnet.json'), 'utf8').catch(() => undefined);
    if (env) pids.push(...(JSON.parse(env) as { pids: { nodes: number[] } }).pids.nodes);
    const anvil = /anvil pid (\d+)/.exec(devnetOutput);
    if (anvil) pids.push(Number(anvil[1]));
    if (devnet && devnet.exitCode === null && devnet.signalCode === null) {
      const exited = new Promise((r) => devnet.once('exit', r));
      devnet.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (devnet.exitCode === null && devnet.signalCode === null) devnet.kill('SIGKILL');
    }
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (root) await rm(root, { recursive: true, force: true });
  });

  for (const { doc, blocks } of documents) {
    it(`runs the shell blocks of ${doc} and writes its TypeScript blocks`, { timeout: 300_000 }, async () => {
      let cwd = root;
      const ids = new Map<string, string>(); // the document's contract ids → the real ones
      const pwdFile = join(root, '.docs-test-pwd');
      let ran = 0;
      for (let b = 0; b < blocks.length; b++) {
        const block = blocks[b]!;
        if (TYPESCRIPT.has(block.lang)) {
          const header = /^\/\/ file: (\S+)\s*\n/.exec(block.body);
          const file = header
            ? resolve(cwd, header[1]!)
            : join(root, 'snippets', `${basename(doc, '.md')}-${block.line}.ts`);
          await mkdir(dirname(file), { recursive: true });
          if (!header) await writeFile(join(root, 'snippets', 'package.json'), '{ "type": "module" }\n');
          await writeFile(file, `${block.body}\n`);
          written.push(file);
          continue;
        }
        if (!SHELL.has(block.lang)) continue;
        let output = '';
        for (const command of parseCommands(block)) {
          const where = `${doc}:${command.line}`;
          const skip = NOT_RUN.find((n) => n.command.test(command.text));
          if (skip) {
            console.log(`# ${where}: not run: \`${command.text}\`: ${skip.reason}`);
            continue;
          }
          const text = command.text.replace(/--contract (\d+)\b/g, (m, id: string) =>
            ids.has(id) ? `--contract ${ids.get(id)}` : m,
          );
          const script = `${text}\n__rc=$?\npwd > '${pwdFile}'\nexit $__rc`;
          const run = await bash(script, cwd, env());
          assert.equal(run.code, 0, `${where}: \`${command.text}\` exited ${run.code}:\n${run.output}`);
          ran++;
          cwd = (await readFile(pwdFile, 'utf8')).trim();
          output += run.output;
          if (command.expected !== undefined) {
            let expected = command.expected;
            const documented = /contract id (\d+)/.exec(expected);
            const real = /contract id\s+(\d+)/.exec(normalise(run.output));
            if (documented && real) {
              ids.set(documented[1]!, real[1]!);
              expected = expected.replace(documented[0], `contract id ${real[1]}`);
            }
            assertOutput(run.output, expected, where);
          }
        }
        const next = blocks[b + 1];
        if (next?.lang === 'text' && next.adjacentToPrevious) assertOutput(output, next.body, `${doc}:${next.line}`);
      }
      assert.ok(ran > 0, `${doc}: no shell command ran`);
    });
  }

  it('type-checks every TypeScript block (strict, module nodenext)', { timeout: 120_000 }, async () => {
    const blocks = documents.flatMap((d) => d.blocks).filter((b) => TYPESCRIPT.has(b.lang));
    assert.ok(blocks.length > 0, 'the documentation has TypeScript blocks to check');
    assert.equal(written.length, blocks.length, 'every TypeScript block was written (the runs above got to each)');
    const config = join(root, 'tsconfig.docs.json');
    const compilerOptions = {
      strict: true,
      noEmit: true,
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      skipLibCheck: true,
      types: ['node'],
    };
    await writeFile(config, JSON.stringify({ compilerOptions, files: written }, null, 2));
    const run = await bash(`node '${TSC}' -p '${config}'`, root, env());
    assert.equal(run.code, 0, `tsc found errors in the documentation's TypeScript:\n${run.output}`);
  });
});
