/**
 * The node's logger: pino, JSON lines. Secrets never reach it: keys are logged by their public parts only
 * (NodeKeys.toJSON), and the usual secret-bearing field names are redacted as a second line of defence.
 */
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

const REDACT = [
  'privateKey',
  'secretKey',
  'passphrase',
  'password',
  'mnemonic',
  '*.privateKey',
  '*.secretKey',
  '*.passphrase',
  '*.password',
  '*.mnemonic',
  'x25519SecretKey',
  '*.x25519SecretKey',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'mosaic-node' }, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
