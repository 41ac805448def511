/**
 * The node's embedded store: LevelDB (classic-level) with one sublevel per namespace. Every write the node
 * acknowledges goes through `{ sync: true }` (fsync before the promise resolves), so it survives kill -9 and a
 * power cut. Writes that belong together (an event's effects and the listener's cursor, a task's state and its
 * shares) go in one `WriteBatch`, which LevelDB applies atomically.
 *
 * Namespaces now: `code` (contract IR by code hash), `shares`, `tasks`, `meta` (cursors, registration state).
 * Later issues add their own with `store.namespace(name, codec)`.
 */
import { ClassicLevel } from 'classic-level';
import { bytesCodec, type Codec, jsonCodec } from './codecs.js';

type Root = ClassicLevel<string, Uint8Array>;
type Sublevel = ReturnType<Root['sublevel']>;

const MAX_KEY_LENGTH = 1_024;
const NAMESPACE_NAME = /^[a-z][a-z0-9-]{0,31}$/;

export class StoreError extends Error {
  override name = 'StoreError';
}

export interface RangeOptions {
  /** Only keys starting with this prefix. */
  prefix?: string;
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
  limit?: number;
  reverse?: boolean;
}

/** One namespace: typed get/put/del/iterate; every write is synchronous (durable when it resolves). */
export class Namespace<V> {
  constructor(
    readonly name: string,
    /** @internal */ readonly sublevel: Sublevel,
    readonly codec: Codec<V>,
  ) {}

  async get(key: string): Promise<V | undefined> {
    checkKey(key);
    const bytes = (await this.sublevel.get(key)) as Uint8Array | undefined;
    return bytes === undefined ? undefined : this.codec.decode(bytes);
  }

  async has(key: string): Promise<boolean> {
    checkKey(key);
    return (await this.sublevel.get(key)) !== undefined;
  }

  async put(key: string, value: V): Promise<void> {
    checkKey(key);
    await this.sublevel.put(key, this.codec.encode(value), { sync: true } as object);
  }

  async del(key: string): Promise<void> {
    checkKey(key);
    await this.sublevel.del(key, { sync: true } as object);
  }

  /** Entries in key order (or reverse), optionally bounded by a prefix or a range. */
  async *entries(options: RangeOptions = {}): AsyncGenerator<[string, V]> {
    for await (const [key, bytes] of this.sublevel.iterator(rangeOf(options))) {
      yield [key as string, this.codec.decode(bytes as Uint8Array)];
    }
  }

  async *keys(options: RangeOptions = {}): AsyncGenerator<string> {
    for await (const key of this.sublevel.keys(rangeOf(options))) yield key as string;
  }
}

/** Writes across namespaces, applied atomically and durably by `write()`. */
export class WriteBatch {
  private readonly operations: {
    type: 'put' | 'del';
    sublevel: Sublevel;
    key: string;
    value?: Uint8Array;
  }[] = [];
  private written = false;
  private readonly writtenCallbacks: (() => void)[] = [];

  constructor(private readonly db: Root) {}

  put<V>(namespace: Namespace<V>, key: string, value: V): this {
    checkKey(key);
    this.operations.push({ type: 'put', sublevel: namespace.sublevel, key, value: namespace.codec.encode(value) });
    return this;
  }

  del<V>(namespace: Namespace<V>, key: string): this {
    checkKey(key);
    this.operations.push({ type: 'del', sublevel: namespace.sublevel, key });
    return this;
  }

  get length(): number {
    return this.operations.length;
  }

  /** Runs `callback` once the batch is durably written (e.g. to act on effects staged by an event handler). */
  onWritten(callback: () => void): this {
    this.writtenCallbacks.push(callback);
    return this;
  }

  async write(): Promise<void> {
    if (this.written) throw new StoreError('batch already written');
    this.written = true;
    if (this.operations.length > 0) await this.db.batch(this.operations as never, { sync: true });
    for (const callback of this.writtenCallbacks) callback();
  }
}

export class Store {
  readonly code: Namespace<Uint8Array>;
  readonly shares: Namespace<Uint8Array>;
  readonly tasks: Namespace<unknown>;
  readonly meta: Namespace<unknown>;
  private readonly namespaces = new Map<string, Namespace<unknown>>();

  private constructor(
    private readonly db: Root,
    readonly location: string,
  ) {
    this.code = this.namespace('code', bytesCodec);
    this.shares = this.namespace('shares', bytesCodec);
    this.tasks = this.namespace('tasks', jsonCodec());
    this.meta = this.namespace('meta', jsonCodec());
  }

  static async open(location: string): Promise<Store> {
    const db: Root = new ClassicLevel<string, Uint8Array>(location, { keyEncoding: 'utf8', valueEncoding: 'view' });
    try {
      await db.open();
    } catch (error) {
      const cause = (error as { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new StoreError(`cannot open the store at ${location}: ${cause}`);
    }
    return new Store(db, location);
  }

  /** The namespace `name` (created on first use). One name, one codec: asking again returns the same one. */
  namespace<V>(name: string, codec: Codec<V>): Namespace<V> {
    if (!NAMESPACE_NAME.test(name)) throw new StoreError(`bad namespace name ${JSON.stringify(name)}`);
    const existing = this.namespaces.get(name);
    if (existing) {
      if (existing.codec !== (codec as Codec<unknown>)) throw new StoreError(`namespace ${name} has another codec`);
      return existing as Namespace<V>;
    }
    const sublevel = this.db.sublevel<string, Uint8Array>(name, { keyEncoding: 'utf8', valueEncoding: 'view' });
    const namespace = new Namespace<V>(name, sublevel as unknown as Sublevel, codec);
    this.namespaces.set(name, namespace as Namespace<unknown>);
    return namespace;
  }

  batch(): WriteBatch {
    return new WriteBatch(this.db);
  }

  get isOpen(): boolean {
    return this.db.status === 'open';
  }

  async close(): Promise<void> {
    if (this.db.status === 'open' || this.db.status === 'opening') await this.db.close();
  }
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new StoreError(`store keys are strings of 1..${MAX_KEY_LENGTH} characters`);
  }
}

function rangeOf(options: RangeOptions): Record<string, unknown> {
  const range: Record<string, unknown> = {};
  if (options.prefix !== undefined) {
    range.gte = options.prefix;
    // The next string after every key with this prefix.
    range.lt = `${options.prefix}\uffff`;
  }
  for (const bound of ['gt', 'gte', 'lt', 'lte'] as const)
    if (options[bound] !== undefined) range[bound] = options[bound];
  if (options.limit !== undefined) range.limit = options.limit;
  if (options.reverse !== undefined) range.reverse = options.reverse;
  return range;
}
