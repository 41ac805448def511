/**
 * `mosaic keys create|show|rotate-at-rest`: the node's key file in a data directory (secrets are never printed),
 * and the rotation of the key its stored shares are sealed under at rest.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { EXIT_CODE_HELP } from '../cli/exit-codes.js';

interface KeyFlags {
  dataDir: string;
  passphraseFile?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const keys = program.command('keys').description("create or show a node's keys");
  keys
    .command('create')
    .description('generate the operator, libp2p and X25519 keys into <data-dir>/keys.json (mode 0600)')
    .requiredOption('-d, --data-dir <dir>', 'data directory')
    .option('--passphrase-file <file>', 'encrypt the key file with the passphrase in this file (or MOSAIC_PASSPHRASE)')
    .option('--json', 'print JSON')
    .addHelpText('after', `\nExample:\n  $ mosaic keys create --data-dir ./node-1 --json\n\n${EXIT_CODE_HELP}`)
    .action(async (flags: KeyFlags) => {
      const passphrase = await passphraseOf(flags);
      const { createKeys } = await import('@mosaic/node');
      const loaded = await createKeys(flags.dataDir, passphrase === undefined ? {} : { passphrase });
      print({ ...loaded.keys.toJSON(), file: loaded.file, encrypted: passphrase !== undefined }, flags.json);
    });
  keys
    .command('show')
    .description('print the public keys (operator address, peer id, X25519 public key)')
    .requiredOption('-d, --data-dir <dir>', 'data directory')
    .option('--passphrase-file <file>', 'passphrase of an encrypted key file (or MOSAIC_PASSPHRASE)')
    .option('--json', 'print JSON')
    .addHelpText('after', `\nExample:\n  $ mosaic keys show --data-dir .mosaic-devnet/node-1\n\n${EXIT_CODE_HELP}`)
    .action(async (flags: KeyFlags) => {
      const passphrase = await passphraseOf(flags);
      const { loadKeys } = await import('@mosaic/node');
      const loaded = await loadKeys(flags.dataDir, passphrase === undefined ? {} : { passphrase });
      print(loaded.toJSON(), flags.json);
    });
  keys
    .command('rotate-at-rest')
    .description(
      'seal every stored data share and contract state record under a fresh at-rest key (the node must be stopped; an interrupted rotation resumes when run again)',
    )
    .requiredOption('-d, --data-dir <dir>', 'data directory')
    .option('--passphrase-file <file>', 'passphrase of an encrypted key file (or MOSAIC_PASSPHRASE)')
    .option('--batch-size <records>', 'records per durable write batch', '256')
    .option('--json', 'print JSON')
    .addHelpText('after', `\nExample:\n  $ mosaic keys rotate-at-rest --data-dir /var/lib/mosaic\n\n${EXIT_CODE_HELP}`)
    .action(async (flags: KeyFlags & { batchSize: string }) => {
      if (!/^[1-9]\d{0,6}$/.test(flags.batchSize)) throw new Error('--batch-size must be an integer in [1, 10^7)');
      const passphrase = await passphraseOf(flags);
      const { loadKeys, rotateAtRestKey } = await import('@mosaic/node');
      const loaded = await loadKeys(flags.dataDir, passphrase === undefined ? {} : { passphrase });
      const result = await rotateAtRestKey(flags.dataDir, loaded.x25519SecretKey, {
        batchSize: Number(flags.batchSize),
        onProgress: (resealed) => process.stderr.write(`resealed ${resealed}\n`),
      });
      print({ ...result }, flags.json);
    });
}

async function passphraseOf(flags: KeyFlags): Promise<string | undefined> {
  if (flags.passphraseFile) return (await readFile(flags.passphraseFile, 'utf8')).replace(/\r?\n$/, '');
  const env = process.env.MOSAIC_PASSPHRASE;
  return env === undefined || env === '' ? undefined : env;
}

function print(value: Record<string, unknown>, json: boolean | undefined): void {
  if (json) {
    console.log(JSON.stringify(value));
    return;
  }
  for (const [key, v] of Object.entries(value)) console.log(`${key.padEnd(16)} ${String(v)}`);
}
