/**
 * Loads the node configuration from, in order (later wins): a JSON file, `MOSAIC_*` environment variables,
 * and flags (an object of the same shape as the file, which the CLI builds). The merged object is checked by
 * the zod schema; an error names every bad field and where its value came from.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { type NodeConfig, nodeConfigSchema } from './schema.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Parse = (raw: string) => unknown;
const list: Parse = (raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
const integer: Parse = (raw) => (/^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw);
const boolean: Parse = (raw) => {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  return raw;
};
const text: Parse = (raw) => raw;

/** Environment variables and the config path each sets. */
export const ENVIRONMENT: Record<string, { path: string[]; parse: Parse }> = {
  MOSAIC_DATA_DIR: { path: ['dataDir'], parse: text },
  MOSAIC_LISTEN: { path: ['listen'], parse: list },
  MOSAIC_ANNOUNCE: { path: ['announce'], parse: list },
  MOSAIC_BOOTSTRAP: { path: ['bootstrap'], parse: list },
  MOSAIC_CHAIN_RPC_URL: { path: ['chain', 'rpcUrl'], parse: text },
  MOSAIC_DEPLOYMENT_FILE: { path: ['chain', 'deploymentFile'], parse: text },
  MOSAIC_CONFIRMATIONS: { path: ['chain', 'confirmations'], parse: integer },
  MOSAIC_POLL_INTERVAL_MS: { path: ['chain', 'pollIntervalMs'], parse: integer },
  MOSAIC_FROM_BLOCK: { path: ['chain', 'fromBlock'], parse: integer },
  MOSAIC_RPC_ENABLED: { path: ['rpc', 'enabled'], parse: boolean },
  MOSAIC_RPC_HOST: { path: ['rpc', 'host'], parse: text },
  MOSAIC_RPC_PORT: { path: ['rpc', 'port'], parse: integer },
  MOSAIC_OPERATOR_RPC_ENABLED: { path: ['operatorRpc', 'enabled'], parse: boolean },
  MOSAIC_OPERATOR_RPC_HOST: { path: ['operatorRpc', 'host'], parse: text },
  MOSAIC_OPERATOR_RPC_PORT: { path: ['operatorRpc', 'port'], parse: integer },
  MOSAIC_OPERATOR_TOKEN_FILE: { path: ['operatorRpc', 'tokenFile'], parse: text },
  MOSAIC_METRICS: { path: ['metrics', 'enabled'], parse: boolean },
  MOSAIC_MIN_CONNECTIONS: { path: ['discovery', 'minConnections'], parse: integer },
  MOSAIC_REGISTER: { path: ['register', 'enabled'], parse: boolean },
  MOSAIC_DEPOSIT: { path: ['register', 'deposit'], parse: text },
  MOSAIC_LOGIN: { path: ['register', 'login'], parse: boolean },
  MOSAIC_PASSPHRASE_FILE: { path: ['keys', 'passphraseFile'], parse: text },
  MOSAIC_LOG_LEVEL: { path: ['log', 'level'], parse: text },
};

export interface LoadConfigOptions {
  /** A JSON config file. */
  file?: string;
  /** Environment (default process.env); only MOSAIC_* names listed in ENVIRONMENT are read. */
  env?: Record<string, string | undefined>;
  /** Values from flags, shaped like the file (partial). */
  flags?: Record<string, unknown>;
}

type Json = Record<string, unknown>;

export async function loadConfig(options: LoadConfigOptions = {}): Promise<NodeConfig> {
  const sources = new Map<string, string>();
  let merged: Json = {};
  if (options.file !== undefined) {
    const file = resolve(options.file);
    let raw: string;
    try {
      raw = await readFile(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      throw new ConfigError(`config file ${file} is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`config file ${file} must hold a JSON object`);
    }
    merged = mergeInto(merged, parsed as Json, `file ${file}`, sources, []);
  }
  merged = mergeInto(merged, fromEnvironment(options.env ?? process.env), 'environment', sources, []);
  if (options.flags !== undefined) merged = mergeInto(merged, options.flags, 'flags', sources, []);
  return parseConfig(merged, sources);
}

/** Checks an in-memory config object (for embedding a node without files). */
export function parseConfig(input: unknown, sources: ReadonlyMap<string, string> = new Map()): NodeConfig {
  const result = nodeConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(`invalid configuration:\n${describeIssues(result.error, sources)}`);
}

function describeIssues(error: z.ZodError, sources: ReadonlyMap<string, string>): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.') || '(root)';
      const keys = issue.code === 'unrecognized_keys' ? ` ${issue.keys.join(', ')}` : '';
      const source = sourceOf(issue.path.map(String), sources);
      return `  ${path}: ${issue.message}${keys}${source ? ` (from ${source})` : ''}`;
    })
    .join('\n');
}

function sourceOf(path: string[], sources: ReadonlyMap<string, string>): string | undefined {
  for (let i = path.length; i > 0; i--) {
    const source = sources.get(path.slice(0, i).join('.'));
    if (source !== undefined) return source;
  }
  return undefined;
}

function fromEnvironment(env: Record<string, string | undefined>): Json {
  const out: Json = {};
  for (const [name, { path, parse }] of Object.entries(ENVIRONMENT)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    let node = out;
    for (const key of path.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Json;
    }
    node[path[path.length - 1]] = parse(raw);
  }
  return out;
}

/** Deep merge of plain objects (arrays and scalars replace); records where each leaf came from. */
function mergeInto(base: Json, overlay: Json, source: string, sources: Map<string, string>, path: string[]): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    if (value === undefined || key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    const here = [...path, key];
    if (isPlainObject(value) && isPlainObject(out[key])) {
      out[key] = mergeInto(out[key] as Json, value, source, sources, here);
    } else {
      out[key] = value;
      sources.set(here.join('.'), source);
      if (isPlainObject(value)) markLeaves(value, here, source, sources);
    }
  }
  return out;
}

function markLeaves(value: Json, path: string[], source: string, sources: Map<string, string>): void {
  for (const [key, inner] of Object.entries(value)) {
    sources.set([...path, key].join('.'), source);
    if (isPlainObject(inner)) markLeaves(inner, [...path, key], source, sources);
  }
}

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
