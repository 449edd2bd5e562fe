import { InvalidArgumentError, SessionStoreCorruptError } from '../errors.js';
import { sessionProblem } from '../manager/file-session-store.js';
import type { GatewayCompression } from '../gateway/gateway-url.js';
import type { SessionDetails, SessionStore } from '../manager/session-store.js';
import type { ShardSession } from '../shard/shard-options.js';
import type { RedisScriptClient } from './client.js';
import { checkRedisOptions, positive } from './options.js';
import { isCompression, parseSession } from './session-entry.js';
import { readScript, writeScript } from './session-scripts.js';

/**
 * The default {@link RedisSessionStoreOptions.ttlMs}: 150 s. Discord keeps a session whose socket
 * dropped resumable for "a few minutes" (docs/protocol/gateway.md §4, §7; the FakeGateway keeps it
 * 180 s). A live session's entry is re-saved at least every {@link RedisSessionStore.refreshMs}, so an
 * entry outlives the process that held it by 120–150 s: a little less than Discord's few minutes,
 * so a restarted process rarely tries a Resume Discord has already forgotten (that costs a round trip
 * and an op 9 before the identify it would have needed anyway).
 */
export const DEFAULT_SESSION_TTL_MS = 150_000;

/** Options of {@link RedisSessionStore}. Only `redis` is required. */
export interface RedisSessionStoreOptions {
  /** A connected client of the official `redis` package, or any `RedisScriptClient`. */
  readonly redis: RedisScriptClient;
  /** Prefix of every key (hash-tagged: `{statecord}:session:<shardId>`). One per bot. Default `statecord`. */
  readonly keyPrefix?: string;
  /** How long an entry lives after its last write. Default {@link DEFAULT_SESSION_TTL_MS}. */
  readonly ttlMs?: number;
  /** A write or read without an answer after this long rejects. Default 2000 ms. */
  readonly commandTimeoutMs?: number;
}

/**
 * A shard's entry as {@link RedisSessionStore.inspect} shows it to an operator: the session, and
 * what is kept beside it.
 */
export interface StoredSessionRecord {
  /** The session, as `get` returns it (what a shard resumes). */
  readonly session: ShardSession;
  /**
   * The transport compression of the connection that last saved the session, or null when the entry
   * was written without it (by a statecord before this field existed, or a caller of `set` that did
   * not pass it). For inspection only: a session resumes under any compression (see `SessionDetails`).
   */
  readonly compress: GatewayCompression | null;
  /** When the entry was last written, in Redis server ms (Unix epoch). */
  readonly updatedAt: number;
}

/** One shard's change in a batch, and the callers waiting for it. */
interface Pending {
  readonly op: 'set' | 'del';
  readonly session: ShardSession | null;
  readonly compress: GatewayCompression | null;
  readonly waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

/** The callers waiting for one shard's entry in a batch of reads. */
type ReadWaiters = {
  resolve: (record: StoredSessionRecord | null) => void;
  reject: (error: unknown) => void;
}[];

/**
 * A {@link SessionStore} in Redis, shared by every process and host of a bot: a process that takes
 * over (or restarts) resumes the shards' sessions instead of identifying. Per shard a hash
 * `{sessionId, sequence, resumeUrl, shardCount, compress, since, updatedAt}` (`updatedAt`, `since`:
 * server ms; `compress` is for operators, see {@link RedisSessionStore.inspect}).
 *
 * - **One round trip per flush.** Every `set`/`delete` made in one tick (a manager saves all moved
 *   sequences of a save interval together) is written by one script call. A `ShardManager` saves at
 *   READY, RESUMED and stop, and moved sequences every `sessionSaveIntervalMs`: never per dispatch.
 * - **Conditional writes** (Lua, atomic): a session's `sequence` never goes backwards, and an older
 *   session never overwrites a newer one (a process that lost a shard flushing late). The first write
 *   of a session this process has never stored nor read counts as the newest.
 * - **One round trip per batch of reads.** Every `get`/`inspect` made in one tick is read by one script
 *   call (a manager loads all its shards' sessions at start together: one call, not one per shard).
 * - **Expiry**: entries live `ttlMs` (see {@link DEFAULT_SESSION_TTL_MS}) after their last write.
 * - **Corrupt entries** (not a hash of that shape) make `get` and `set` of that shard reject with
 *   {@link SessionStoreCorruptError} and are left as they are (`delete` removes them); a manager
 *   reports it as a `warning` and identifies.
 * - Never holds the token.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { GatewayIntentBits, ShardManager } from 'statecord';
 * import { RedisSessionStore } from 'statecord/redis';
 *
 * const redis = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 * const manager = new ShardManager({
 *   token: process.env.DISCORD_TOKEN!,
 *   intents: GatewayIntentBits.Guilds,
 *   sessionStore: new RedisSessionStore({ redis, keyPrefix: 'mybot' }),
 * });
 * ```
 */
export class RedisSessionStore implements SessionStore {
  /** How often a manager re-saves a live session whose sequence did not move (keeps its entry alive). */
  readonly refreshMs: number;
  readonly #redis: RedisScriptClient;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #timeoutMs: number;
  /** Per shard, the session this process stored or read, and its `since` (server ms). */
  readonly #known = new Map<number, { readonly sessionId: string; readonly since: string }>();
  #batch: Map<number, Pending> | null = null;
  /** The reads not sent yet: everything asked for in this tick. */
  #reads: Map<number, ReadWaiters> | null = null;
  /** The end of the write chain (never rejects): one batch at a time. */
  #tail: Promise<void> = Promise.resolve();

  constructor(options: RedisSessionStoreOptions) {
    const owner = 'RedisSessionStore';
    this.#prefix = checkRedisOptions(owner, options?.redis, options?.keyPrefix);
    this.#redis = options.redis;
    this.#ttlMs = positive(owner, 'ttlMs', options.ttlMs, DEFAULT_SESSION_TTL_MS);
    this.#timeoutMs = positive(owner, 'commandTimeoutMs', options.commandTimeoutMs, 2_000);
    this.refreshMs = Math.max(1, Math.floor(this.#ttlMs / 5));
  }

  /** The Redis key of a shard's session. */
  keyOf(shardId: number): string {
    return `${this.#prefix}:session:${shardId}`;
  }

  /** The stored session of a shard, or null. Rejects with {@link SessionStoreCorruptError} for a bad entry. */
  async get(shardId: number): Promise<ShardSession | null> {
    checkShardId(shardId);
    return (await this.#read(shardId))?.session ?? null;
  }

  /**
   * A shard's whole entry, for operators (which compression saved it, when it was last written), or
   * null. Rejects with {@link SessionStoreCorruptError} for a bad entry, like `get`.
   */
  inspect(shardId: number): Promise<StoredSessionRecord | null> {
    checkShardId(shardId);
    return this.#read(shardId);
  }

  /** Adds a read to the open batch of reads (sent at the end of this tick, one call for all). */
  #read(shardId: number): Promise<StoredSessionRecord | null> {
    if (this.#reads === null) {
      const reads = new Map<number, ReadWaiters>();
      this.#reads = reads;
      setImmediate(() => void this.#readBatch(reads));
    }
    const waiters = this.#reads.get(shardId) ?? [];
    this.#reads.set(shardId, waiters);
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  }

  async #readBatch(reads: Map<number, ReadWaiters>): Promise<void> {
    if (this.#reads === reads) this.#reads = null;
    const entries = [...reads];
    const keys = entries.map(([shardId]) => this.keyOf(shardId));
    let reply: string[][];
    try {
      reply = (await readScript.run(this.#redis, { keys, arguments: [] }, this.#timeoutMs)) as string[][];
    } catch (error) {
      for (const [, waiters] of entries) for (const waiter of waiters) waiter.reject(error);
      return;
    }
    entries.forEach(([shardId, waiters], index) => {
      let record: StoredSessionRecord | null;
      try {
        record = this.#parseEntry(shardId, keys[index]!, reply[index] ?? []);
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
        return;
      }
      for (const waiter of waiters) waiter.resolve(record);
    });
  }

  /** Checks one entry of a read reply (`[type, field, value, …]`) and remembers its session's `since`. */
  #parseEntry(shardId: number, key: string, reply: readonly string[]): StoredSessionRecord | null {
    const [kind, ...pairs] = reply;
    if (kind === 'none') return null;
    const corrupt = (reason: string) => new SessionStoreCorruptError(`redis:${key}`, reason);
    if (kind !== 'hash') throw corrupt(`it is a Redis ${String(kind)}, not a hash`);
    const fields = new Map<string, string>();
    for (let i = 0; i + 1 < pairs.length; i += 2) fields.set(String(pairs[i]), String(pairs[i + 1]));
    const session = parseSession(fields);
    const problem = sessionProblem(session);
    if (problem !== null) throw corrupt(`its session is malformed: ${problem}`);
    const since = fields.get('since') ?? '';
    if (!/^[0-9]+$/.test(since)) throw corrupt('its `since` is not a time');
    this.#known.set(shardId, { sessionId: (session as ShardSession).sessionId, since });
    const compress = fields.get('compress');
    return {
      session: session as ShardSession,
      // Only a value this statecord writes; anything else (or '', or absent) is "not recorded".
      compress: isCompression(compress) ? compress : null,
      updatedAt: Number(fields.get('updatedAt') ?? since),
    };
  }

  /**
   * Saves a shard's session (conditionally, see the class); resolves once Redis has it, or refused it
   * as stale. `details.compress` is recorded beside it (a `ShardManager` passes it).
   */
  set(shardId: number, session: ShardSession, details?: SessionDetails): Promise<void> {
    checkShardId(shardId);
    const problem = sessionProblem(session);
    if (problem !== null) {
      return Promise.reject(
        new InvalidArgumentError(`the session of shard ${shardId} is malformed: ${problem}`),
      );
    }
    return this.#enqueue(shardId, 'set', { ...session }, details?.compress ?? null);
  }

  /** Forgets a shard's session (whatever is stored, a corrupt entry too). */
  delete(shardId: number): Promise<void> {
    checkShardId(shardId);
    return this.#enqueue(shardId, 'del', null, null);
  }

  /** Adds a change to the open batch (a later change of a shard replaces its earlier one). */
  #enqueue(
    shardId: number,
    op: Pending['op'],
    session: ShardSession | null,
    compress: GatewayCompression | null,
  ): Promise<void> {
    if (this.#batch === null) {
      const batch = new Map<number, Pending>();
      this.#batch = batch;
      // Everything enqueued until the previous batch is written and this tick ends shares one call.
      const run = this.#tail
        .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .then(() => this.#write(batch));
      this.#tail = run.catch(() => undefined);
    }
    const waiters = this.#batch.get(shardId)?.waiters ?? [];
    this.#batch.set(shardId, { op, session, compress, waiters });
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  }

  async #write(batch: Map<number, Pending>): Promise<void> {
    if (this.#batch === batch) this.#batch = null;
    const entries = [...batch];
    const keys = entries.map(([shardId]) => this.keyOf(shardId));
    const args = [String(this.#ttlMs)];
    for (const [shardId, { op, session, compress }] of entries) {
      const known = this.#known.get(shardId);
      const since = session !== null && known?.sessionId === session.sessionId ? known.since : '';
      args.push(
        op,
        session?.sessionId ?? '',
        session?.sequence === null || session === null ? '' : String(session.sequence),
        session?.resumeUrl ?? '',
        session?.shardCount === undefined ? '' : String(session.shardCount),
        compress ?? '',
        since,
      );
    }
    let reply: [string, string][];
    try {
      reply = (await writeScript.run(this.#redis, { keys, arguments: args }, this.#timeoutMs)) as [
        string,
        string,
      ][];
    } catch (error) {
      for (const [, pending] of entries) for (const waiter of pending.waiters) waiter.reject(error);
      return;
    }
    entries.forEach(([shardId, pending], index) => {
      const [status, since] = reply[index] ?? ['corrupt', ''];
      if (pending.op === 'del') this.#known.delete(shardId);
      else if (status === 'ok' && pending.session !== null) {
        this.#known.set(shardId, { sessionId: pending.session.sessionId, since: String(since) });
      }
      const error =
        status === 'corrupt'
          ? new SessionStoreCorruptError(
              `redis:${keys[index]}`,
              'it is not a statecord session hash; left as it is',
            )
          : null;
      for (const waiter of pending.waiters) {
        if (error === null) waiter.resolve();
        else waiter.reject(error);
      }
    });
  }
}

function checkShardId(shardId: number): void {
  if (!Number.isSafeInteger(shardId) || shardId < 0) {
    throw new InvalidArgumentError(`shard id must be a non-negative integer, got ${String(shardId)}`);
  }
}
