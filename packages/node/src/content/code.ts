/**
 * Contract code (IR bytes) on the network. A node holding code for hash h stores it under h and announces it
 * as a DHT provider of `codeCid(h)`. Another node finds providers and asks them for the
 * bytes on `/mosaic/code/1.0.0`:
 *
 *   request:  one length-prefixed message, the 32-byte code hash
 *   response: one length-prefixed message, 0x01 || code, or 0x00 when the provider does not hold it
 *
 * A fetched code is accepted only when keccak256(code) equals the asked hash; the caller also checks that
 * the ledger has a secret contract with that hash before storing it (code nobody deployed is not kept).
 */
import { createHash } from 'node:crypto';
import type { Connection, PeerId, Stream } from '@libp2p/interface';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import type { Logger } from 'pino';
import { bytesToHex, type Hex, hexToBytes, keccak256 } from 'viem';
import type { Store } from '../db/store.js';
import type { Host } from '../p2p/host.js';
import { StreamReader } from '../p2p/stream-reader.js';
import { lengthPrefixed } from '../p2p/wire.js';

export const CODE_PROTOCOL = '/mosaic/code/1.0.0';
/** Largest contract code accepted anywhere (RPC, network, store). */
export const MAX_CODE_BYTES = 8 << 20;
const RAW_CODEC = 0x55;
const SHA2_256 = 0x12;
const CODE_KEY_PREFIX = 'mosaic/code/v1:';

export class CodeError extends Error {
  override name = 'CodeError';
  constructor(
    message: string,
    readonly reason: 'hash-mismatch' | 'not-deployed' | 'not-found' | 'too-large',
  ) {
    super(message);
  }
}

/**
 * The DHT key under which providers of `codeHash` announce themselves: CID(raw, sha2-256("mosaic/code/v1:" ||
 * codeHash)). Not the keccak-256 multihash of the code itself: kad-dht on libp2p 3 silently finds no
 * providers for a keccak-256 CID (measured), while sha2-256 works; the prefix keeps the key space Mosaic's own.
 */
export function codeCid(codeHash: Hex): CID {
  const digest = createHash('sha256').update(CODE_KEY_PREFIX).update(hexToBytes(codeHash)).digest();
  return CID.createV1(RAW_CODEC, Digest.create(SHA2_256, new Uint8Array(digest)));
}

export function codeHashOf(code: Uint8Array): Hex {
  return keccak256(code);
}

export interface CodeServiceOptions {
  host: Host;
  store: Store;
  /** Whether the ledger has a secret contract with this code hash. */
  isDeployed: (codeHash: Hex) => Promise<boolean>;
  logger: Logger;
  /** Time limit of one provider search / fetch (default 10 s). */
  timeoutMs?: number;
}

export class CodeService {
  private started = false;
  private readonly timeoutMs: number;

  constructor(private readonly options: CodeServiceOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.options.host.handle(CODE_PROTOCOL, (stream, connection) => this.serve(stream, connection), {
      maxInboundStreams: 32,
    });
    this.started = true;
  }

  async stop(): Promise<void> {
    if (this.started) await this.options.host.unhandle(CODE_PROTOCOL);
    this.started = false;
  }

  /** Verifies and stores code, then announces it. Throws CodeError on a bad hash or undeployed code. */
  async put(codeHash: Hex, code: Uint8Array): Promise<{ stored: boolean; provided: boolean }> {
    if (code.length > MAX_CODE_BYTES) throw new CodeError(`code exceeds ${MAX_CODE_BYTES} bytes`, 'too-large');
    if (codeHashOf(code) !== codeHash.toLowerCase()) {
      throw new CodeError('keccak256(code) does not equal codeHash', 'hash-mismatch');
    }
    if (!(await this.options.isDeployed(codeHash))) {
      throw new CodeError(`no secret contract with code hash ${codeHash} on chain`, 'not-deployed');
    }
    const key = codeHash.toLowerCase();
    const stored = !(await this.options.store.code.has(key));
    if (stored) await this.options.store.code.put(key, code);
    return { stored, provided: await this.provide(codeHash) };
  }

  /** From the store, else from DHT providers (hash-checked; stored when the chain knows the hash). */
  async get(codeHash: Hex): Promise<Uint8Array | undefined> {
    const local = await this.options.store.code.get(codeHash.toLowerCase());
    if (local !== undefined) return local;
    const fetched = await this.fetch(codeHash);
    if (fetched !== undefined && (await this.options.isDeployed(codeHash))) {
      await this.options.store.code.put(codeHash.toLowerCase(), fetched);
      void this.provide(codeHash);
    }
    return fetched;
  }

  /** Announces this node as a provider of `codeHash`; false when no peer took the record in time. */
  async provide(codeHash: Hex): Promise<boolean> {
    try {
      await this.options.host.contentRouting.provide(codeCid(codeHash), {
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return true;
    } catch (error) {
      this.options.logger.warn({ codeHash, err: (error as Error).message }, 'DHT provide failed');
      return false;
    }
  }

  /** Asks the providers of `codeHash` in turn for the bytes; undefined when none has them. */
  async fetch(codeHash: Hex): Promise<Uint8Array | undefined> {
    const host = this.options.host;
    const signal = AbortSignal.timeout(this.timeoutMs);
    // A record provided a moment ago may not be found on the first walk of the DHT, and a provider may not have
    // admitted this node yet: walk again until the time limit, asking each provider once per walk.
    while (!signal.aborted) {
      const tried = new Set<string>();
      try {
        for await (const provider of host.contentRouting.findProviders(codeCid(codeHash), { signal })) {
          if (provider.id.equals(host.peerId) || tried.has(provider.id.toString())) continue;
          tried.add(provider.id.toString());
          if (provider.multiaddrs.length > 0)
            await host.peerStore.merge(provider.id, { multiaddrs: provider.multiaddrs });
          const code = await this.fetchFrom(provider.id, codeHash).catch((error: unknown) => {
            this.options.logger.debug({ peer: provider.id.toString(), err: String(error) }, 'code fetch failed');
            return undefined;
          });
          if (code !== undefined) return code;
        }
      } catch (error) {
        if (!signal.aborted) this.options.logger.debug({ codeHash, err: String(error) }, 'provider search failed');
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return undefined;
  }

  private async fetchFrom(peer: PeerId, codeHash: Hex): Promise<Uint8Array | undefined> {
    const stream = await this.options.host.dialProtocol(peer, CODE_PROTOCOL, {
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const reader = new StreamReader(stream, MAX_CODE_BYTES + 1, 0);
    try {
      stream.send(lengthPrefixed(hexToBytes(codeHash)));
      const reply = await reader.first(this.timeoutMs);
      if (reply[0] !== 1) return undefined;
      const code = reply.subarray(1);
      // Never trust a provider: the bytes must hash to what was asked.
      if (codeHashOf(code) !== codeHash.toLowerCase()) {
        throw new CodeError(`peer ${peer} sent code that does not match ${codeHash}`, 'hash-mismatch');
      }
      return code.slice();
    } finally {
      await stream.close().catch(() => stream.abort(new Error('close failed')));
    }
  }

  private async serve(stream: Stream, connection: Connection): Promise<void> {
    const reader = new StreamReader(stream, 64, 0);
    try {
      const request = await reader.first(this.timeoutMs);
      if (request.length !== 32) throw new Error(`code request of ${request.length} bytes`);
      const code = await this.options.store.code.get(bytesToHex(request));
      const reply = new Uint8Array(1 + (code?.length ?? 0));
      if (code !== undefined) {
        reply[0] = 1;
        reply.set(code, 1);
      }
      stream.send(lengthPrefixed(reply));
      await stream.close();
    } catch (error) {
      this.options.logger.debug({ peer: connection.remotePeer.toString(), err: String(error) }, 'bad code request');
      reader.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
