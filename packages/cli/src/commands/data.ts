/**
 * `mosaic data store|load|grant|revoke|ls|recover`: private data in the network (docs/storage.md). The data is
 * secret-shared to the pointer's storage committee; the chain holds only the pointer (SHA-256 of the salted
 * payload), its owner, type and size, and who may use it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DataValue, MosaicClient } from '@mosaic/client';
import { nodeAead, nodeX25519 } from '@mosaic/node';
import type { Command } from 'commander';
import { getAddress, type Hex, isAddress } from 'viem';
import {
  addAccountOptions,
  addNetworkOptions,
  type ConnectionFlags,
  resolveAccount,
  resolveNetwork,
} from '../cli/connection.js';
import { nodeUnreachable, usageError } from '../cli/errors.js';
import { EXIT_CODE_HELP } from '../cli/exit-codes.js';
import { action, type RunContext } from '../cli/run.js';

interface DataFlags extends ConnectionFlags {
  json?: boolean;
  n?: string;
  t?: string;
}

const EXAMPLES = `
Examples:
  $ mosaic data store --file location.csv --type 3 --epochs 20
  $ mosaic data store --text "lat 52.37 lon 4.89" --type 3 --json
  $ mosaic data grant 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --types 3,4
  $ mosaic data load 0x5f2c…e1 --out location.csv           (as the owner or a granted service)
  $ mosaic data revoke 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --types 3
  $ mosaic data ls --json
  $ mosaic data recover 0x5f2c…e1 --data-dir ./node-1 --n 5 --t 2   (on the node's machine, after a lost disk)

${EXIT_CODE_HELP}`;

export function register(program: Command): void {
  const data = program
    .command('data')
    .description('store private data in the network, load it, grant and revoke access, list what you stored')
    .addHelpText('after', EXAMPLES);

  const store = data
    .command('store')
    .description('secret-share data to its storage committee and record its pointer on chain (prepaid)')
    .option('--file <path>', 'the bytes of this file')
    .option('--text <text>', 'this text (UTF-8)')
    .requiredOption('--type <number>', 'data type number 0..255 (what grants refer to)')
    .option('--epochs <count>', 'epochs of storage to prepay', '10')
    .option(
      '--max-fee <mos-units>',
      'the most the store may cost, in MOS smallest units (default: the fee read just before; a fee raised meanwhile makes the store revert)',
    )
    .option('--json', 'print JSON');
  common(store).action(
    action(
      async (
        context: RunContext,
        flags: DataFlags & { file?: string; text?: string; type: string; epochs: string; maxFee?: string },
      ) => {
        if ((flags.file === undefined) === (flags.text === undefined))
          throw usageError('give exactly one of --file or --text');
        const value: DataValue =
          flags.file !== undefined
            ? {
                encoding: 'bytes',
                value: new Uint8Array(await readFile(flags.file).catch(() => fail(`cannot read ${flags.file}`))),
              }
            : { encoding: 'text', value: flags.text! };
        const dataType = integer(flags.type, '--type', 0, 255);
        const epochs = BigInt(integer(flags.epochs, '--epochs', 1, 1_000_000));
        if (flags.maxFee !== undefined && !/^\d+$/.test(flags.maxFee)) {
          throw usageError('--max-fee must be a non-negative integer (MOS smallest units)');
        }
        const maxFee = flags.maxFee === undefined ? {} : { maxFee: BigInt(flags.maxFee) };
        const client = await connect(context, flags);
        context.out.progress('recording the pointer on chain and storing the shares');
        const result = await client.data.store(value, { dataType, epochs, ...maxFee, ...committee(flags) });
        context.out.result(result, [
          `pointer   ${result.pointer}`,
          `size      ${result.size} bytes (with an 18-byte header), ${result.segments} segment(s)`,
          `type      ${result.dataType}`,
          `committee (n = ${result.n}, t = ${result.t}) of epoch ${result.epoch}: ${result.members.map((m) => m.operator).join(', ')}`,
          `tx        ${result.transactionHash}`,
        ]);
      },
    ),
  );

  const load = data
    .command('load')
    .description('load data by its pointer (as its owner or a service granted its type)')
    .argument('<pointer>', 'the data pointer (0x + 64 hex digits)')
    .option('--out <path>', 'write the data to this file (default: print text, or hex for bytes)')
    .option('--json', 'print JSON');
  common(load).action(
    action(async (context: RunContext, pointer: string, flags: DataFlags & { out?: string }) => {
      if (!/^0x[0-9a-fA-F]{64}$/.test(pointer)) throw usageError('pointer must be 0x followed by 64 hex digits');
      const client = await connect(context, flags);
      context.out.progress('asking the storage committee');
      const loaded = await client.data.load(pointer as Hex, committee(flags));
      const bytes =
        loaded.data.encoding === 'bytes'
          ? loaded.data.value
          : new TextEncoder().encode(
              loaded.data.encoding === 'text' ? loaded.data.value : JSON.stringify(loaded.data.value, bigints),
            );
      if (flags.out) await writeFile(flags.out, bytes, { mode: 0o600 });
      const shown = Buffer.from(bytes).toString(loaded.data.encoding === 'bytes' ? 'hex' : 'utf8');
      const summary = {
        pointer,
        encoding: loaded.data.encoding,
        bytes: bytes.length,
        answered: loaded.answered,
        missing: loaded.missing,
        wrong: loaded.wrong,
        ...(flags.out ? { file: flags.out } : { data: shown }),
      };
      context.out.result(summary, [
        ...(flags.out ? [`wrote ${bytes.length} bytes to ${flags.out}`] : [shown]),
        `answered by members ${loaded.answered.join(', ')}`,
        ...loaded.missing.map((m) => `member ${m.member} (${m.operator}) did not answer: ${m.reason}`),
        ...loaded.wrong.map((m) => `member ${m.member} (${m.operator}) returned a WRONG share: ${m.reason}`),
      ]);
    }),
  );

  const grant = data
    .command('grant')
    .description('let a service use your data of these types (creates the compound identity when needed)')
    .argument('<service>', "the service's address")
    .requiredOption('--types <list>', 'comma-separated data type numbers, e.g. 3,4')
    .option('--json', 'print JSON');
  common(grant).action(
    action(async (context: RunContext, service: string, flags: DataFlags & { types: string }) => {
      const client = await connect(context, flags);
      context.out.progress('setting access on chain');
      const identity = await client.data.grant(address(service), types(flags.types));
      // The identity's secret key is shown once, as the key pair of the shared (owner, service) identity.
      const keyPair = identity.keyPair
        ? {
            publicKey: Buffer.from(identity.keyPair.publicKey).toString('hex'),
            secretKey: Buffer.from(identity.keyPair.secretKey).toString('hex'),
          }
        : undefined;
      context.out.result({ ...identity, keyPair }, [
        `service   ${identity.service}`,
        `types     ${identity.dataTypes.join(', ') || '(none)'}`,
        `identity  ${identity.identityKey}${keyPair ? ' (new: its secret key is in the --json output only)' : ''}`,
      ]);
    }),
  );

  const revoke = data
    .command('revoke')
    .description('take data types back from a service (all of them without --types)')
    .argument('<service>', "the service's address")
    .option('--types <list>', 'comma-separated data type numbers')
    .option('--json', 'print JSON');
  common(revoke).action(
    action(async (context: RunContext, service: string, flags: DataFlags & { types?: string }) => {
      const client = await connect(context, flags);
      context.out.progress('setting access on chain');
      const identity = await client.data.revoke(address(service), flags.types ? types(flags.types) : undefined);
      context.out.result(identity, [
        `service   ${identity.service}`,
        `types     ${identity.dataTypes.join(', ') || '(none)'}`,
      ]);
    }),
  );

  const recover = data
    .command('recover')
    .description("rebuild a node's lost shares of a pointer from t + 1 other members (run by the node's operator)")
    .argument('<pointer>', 'the data pointer (0x + 64 hex digits)')
    .requiredOption('-d, --data-dir <dir>', "the node's data directory (its operator token file is read there)")
    .option('--operator-rpc <url>', "the node's operator JSON-RPC URL", 'http://127.0.0.1:7546')
    .option('--token-file <file>', 'the operator token file (default <data-dir>/operator-rpc.token)')
    .option('--n <count>', 'storage committee size (default 5)')
    .option('--t <count>', 'storage threshold (default 2)')
    .option('--json', 'print JSON');
  recover.action(
    action(
      async (
        context: RunContext,
        pointer: string,
        flags: { dataDir: string; operatorRpc: string; tokenFile?: string; n?: string; t?: string; json?: boolean },
      ) => {
        if (!/^0x[0-9a-fA-F]{64}$/.test(pointer)) throw usageError('pointer must be 0x followed by 64 hex digits');
        const { OPERATOR_TOKEN_FILE, readOperatorToken } = await import('@mosaic/node');
        const token = await readOperatorToken(flags.tokenFile ?? join(flags.dataDir, OPERATOR_TOKEN_FILE)).catch(
          (error: Error) => fail(error.message),
        );
        context.out.progress('asking the other members to help this node recover its shares');
        const result = (await operatorCall(flags.operatorRpc, token, 'mosaic_recoverData', {
          pointer,
          n: 5,
          t: 2,
          ...committee(flags),
        })) as { epoch: string; member: number; helpers: number[] };
        context.out.result({ pointer, ...result }, [
          `recovered member ${result.member} of the committee of epoch ${BigInt(result.epoch)}`,
          `helpers   ${result.helpers.join(', ')}`,
        ]);
      },
    ),
  );

  const ls = data
    .command('ls')
    .description('list the data you (or --owner) stored, from the chain')
    .option('--owner <address>', 'whose records (default: your account)')
    .option('--json', 'print JSON');
  common(ls).action(
    action(async (context: RunContext, flags: DataFlags & { owner?: string }) => {
      const client = await connect(context, flags);
      const records = await client.data.list(flags.owner ? address(flags.owner) : undefined);
      context.out.result(
        records.map((r) => ({
          ...r,
          size: r.size.toString(),
          storedAtEpoch: r.storedAtEpoch.toString(),
          paidThroughEpoch: r.paidThroughEpoch.toString(),
        })),
        records.length === 0
          ? ['no data stored']
          : records.map(
              (r) =>
                `${r.pointer}  type ${r.dataType}  ${r.size} bytes  epochs ${r.storedAtEpoch}..${r.paidThroughEpoch}`,
            ),
      );
    }),
  );
}

function common(command: Command): Command {
  addNetworkOptions(command);
  addAccountOptions(command);
  return command
    .option('--n <count>', 'storage committee size (default 5)')
    .option('--t <count>', 'storage threshold (default 2: any 3 of 5 reconstruct)');
}

async function connect(context: RunContext, flags: DataFlags): Promise<MosaicClient> {
  const network = await resolveNetwork(flags, { node: true });
  context.urls.chainRpc = network.chainRpc;
  context.urls.nodeRpc = network.nodeRpc;
  const { account } = await resolveAccount(flags, network);
  return MosaicClient.connect({
    chain: { rpcUrl: network.chainRpc, account },
    addresses: network.addresses,
    node: network.nodeRpc!,
    // node:crypto's X25519 and ChaCha20-Poly1305 (several times faster than Web Crypto's X25519 and @noble).
    x25519: nodeX25519,
    aead: nodeAead,
  });
}

function committee(flags: { n?: string; t?: string }): { n?: number; t?: number } {
  return {
    ...(flags.n !== undefined ? { n: integer(flags.n, '--n', 3, 64) } : {}),
    ...(flags.t !== undefined ? { t: integer(flags.t, '--t', 1, 31) } : {}),
  };
}

function integer(value: string, flag: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(value)) throw usageError(`${flag} must be a whole number`);
  const n = Number(value);
  if (n < min || n > max) throw usageError(`${flag} must be between ${min} and ${max}`);
  return n;
}

function types(list: string): number[] {
  return list.split(',').map((v) => integer(v.trim(), '--types', 0, 255));
}

function address(value: string) {
  if (!isAddress(value)) throw usageError(`${value} is not an address`);
  return getAddress(value);
}

function fail(message: string): never {
  throw usageError(message);
}

function bigints(_key: string, value: unknown) {
  return typeof value === 'bigint' ? value.toString() : value;
}

/**
 * One call to a node's operator listener, with its bearer token (docs/json-rpc.md, "Operator listener"); an
 * error answer is the node's message.
 */
async function operatorCall(url: string, token: string, method: string, params: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (error) {
    throw nodeUnreachable(url, (error as Error).message);
  }
  if (response.status === 401)
    fail(`the operator listener at ${url} refused the token (the node writes a new one at every start)`);
  const body = (await response.json().catch(() => undefined)) as
    | { result?: unknown; error?: { code: number; message: string } }
    | undefined;
  if (body === undefined) fail(`${url} answered HTTP ${response.status} without JSON`);
  if (body.error) fail(`${method}: ${body.error.message} (${body.error.code})`);
  return body.result;
}
