import { RedisUnavailableError } from '../../errors.js';
import type { SessionStore } from '../../manager/session-store.js';
import { reportUnheardWarning } from '../../util/process-warning.js';
import { TypedEmitter } from '../../util/typed-emitter.js';
import { backoffMs } from '../backoff.js';
import { LuaScript } from '../client.js';
import { PublishFloors } from './publish-floors.js';
import { sinkSettings } from './sink-options.js';
import type {
  DispatchSource,
  RedisStreamSinkEvents,
  RedisStreamSinkOptions,
  RedisStreamSinkStats,
  SinkSettings,
  SourceDispatch,
} from './sink-options.js';
import { SinkOverflowError } from './stream-errors.js';

/**
 * Appends a batch: `XADD stream MAXLEN ~ maxLen * shard … session … seq … t … d …` per dispatch, in
 * order, in one script call (one round trip, and atomic: a batch is in the stream whole or not at all).
 * ARGV: maxLen, then five values per dispatch.
 */
const APPEND = new LuaScript(`
local maxLen = ARGV[1]
for i = 2, #ARGV, 5 do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxLen, '*',
    'shard', ARGV[i], 'session', ARGV[i + 1], 'seq', ARGV[i + 2], 't', ARGV[i + 3], 'd', ARGV[i + 4])
end
return (#ARGV - 1) / 5
`);

/** One buffered dispatch. */
interface Entry {
  readonly shardId: number;
  readonly sessionId: string;
  readonly seq: number;
  readonly t: string;
  readonly d: string;
}

/**
 * Publishes every dispatch of a `ShardManager` (or `ShardCluster`) to a Redis stream, for bot logic
 * that runs in other processes (`consumeDispatches`). Each dispatch becomes one entry with the fields
 * `shard`, `session`, `seq`, `t` and `d` (`d` as JSON text).
 *
 * - **Batches**: dispatches are buffered and written `lingerMs` (5 ms) after the first one, or as soon
 *   as `maxBatch` (500) wait, in one round trip per batch; one batch in flight at a time, so entries
 *   keep the order in which the shards received them.
 * - **Selective decoding**: the sink is a `dispatch` listener, so every dispatch is parsed; `types`
 *   limits what is published, not what is parsed. `d` is re-serialised with `JSON.stringify`.
 * - **Backpressure**: the buffer is bounded (`maxBuffered` dispatches, `maxBufferedBytes`). When it is
 *   full the newest dispatches are dropped (counted in `stats.dropped`, one `overflow` event per
 *   episode): the gateway cannot be paused without losing the session, and memory stays bounded.
 * - **Redis errors**: a failed batch stays buffered and is retried with backoff (`publishFailed`).
 * - **No loss across a crash**: a session store wrapped by {@link RedisStreamSink.guard} never saves a
 *   sequence beyond what is published, so a process that takes over (or restarts) resumes from there
 *   and Discord replays what was still buffered. It may publish a dispatch twice: consumers
 *   deduplicate by `(sessionId, seq)`.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { GatewayIntentBits, ShardManager } from 'statecord';
 * import { RedisSessionStore, RedisStreamSink } from 'statecord/redis';
 *
 * const redis = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 * const sink = new RedisStreamSink({ redis, stream: 'mybot:dispatches', maxLen: 100_000 });
 * const manager = new ShardManager({
 *   token: process.env.DISCORD_TOKEN!,
 *   intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages,
 *   sessionStore: sink.guard(new RedisSessionStore({ redis, keyPrefix: 'mybot' })),
 * });
 * sink.attach(manager);
 * await manager.createMinimumRequiredShards();
 * await Promise.all(manager.startShards());
 * ```
 */
export class RedisStreamSink extends TypedEmitter<RedisStreamSinkEvents> {
  readonly #settings: SinkSettings;
  readonly #floors = new PublishFloors();
  readonly #sources = new Set<DispatchSource>();
  readonly #listener = (event: SourceDispatch) => this.#accept(event);
  /** The buffer: entries from `#head` on are waiting; the batch in flight is at the head. */
  #entries: Entry[] = [];
  #head = 0;
  #bytes = 0;
  #inFlight = false;
  /** The batch planned `lingerMs` after the first dispatch into an empty buffer. */
  #linger: NodeJS.Timeout | null = null;
  /** The batch planned for this turn's check phase. */
  #immediate: NodeJS.Immediate | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #attempt = 0;
  #overflowing = false;
  #closed = false;
  /** Entries ever accepted, and those published or dropped since: flush waits for the difference. */
  #accepted = 0;
  #settled = 0;
  #waiters: { readonly until: number; readonly resolve: () => void }[] = [];
  #published = 0;
  #dropped = 0;
  #batches = 0;
  #failures = 0;

  /** Validates the options; throws `InvalidArgumentError` for a wrong one. Publishes nothing until attached. */
  constructor(options: RedisStreamSinkOptions) {
    super();
    this.#settings = sinkSettings(options);
  }

  /** Counters: published, dropped, buffered. */
  get stats(): RedisStreamSinkStats {
    return {
      published: this.#published,
      dropped: this.#dropped,
      buffered: this.#entries.length - this.#head,
      bufferedBytes: this.#bytes,
      batches: this.#batches,
      failures: this.#failures,
    };
  }

  /** Publishes every dispatch of `source` (a `ShardManager` or `ShardCluster`) from now on. */
  attach(source: DispatchSource): void {
    if (this.#closed || this.#sources.has(source)) return;
    this.#sources.add(source);
    source.on('dispatch', this.#listener);
  }

  /** Stops publishing `source`'s dispatches (those already buffered are still published). */
  detach(source: DispatchSource): void {
    if (!this.#sources.delete(source)) return;
    source.off('dispatch', this.#listener);
  }

  /**
   * Wraps a session store so that the sequence it saves for a shard never runs ahead of what this sink
   * has published: after a crash the shard resumes from there and Discord replays the dispatches that
   * were still buffered (`consumeDispatches` removes the copies). Pass the result as the manager's
   * `sessionStore`. A session this sink has not seen a dispatch of is saved as it is; a save that was
   * lowered is written again by the sink once it has published that far. A `ShardCluster` builds its
   * own store: pass the sink as its `sink` option, and it guards that store with this method (and
   * attaches the sink).
   */
  guard(store: SessionStore): SessionStore {
    return this.#floors.guard(store);
  }

  /** Writes the buffer now (without waiting `lingerMs`); resolves once every dispatch buffered now is published (or dropped by `close`). */
  flush(): Promise<void> {
    const until = this.#accepted;
    if (this.#settled >= until) return Promise.resolve();
    this.#schedule(true);
    return new Promise((resolve) => this.#waiters.push({ until, resolve }));
  }

  /**
   * Detaches from every source, waits up to `closeTimeoutMs` for the buffer to be published, then
   * drops what is left (counted in `stats.dropped`) and stops retrying. The client stays open (it is
   * the caller's).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    for (const source of [...this.#sources]) this.detach(source);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>(
      (resolve) => (timer = setTimeout(resolve, this.#settings.closeTimeoutMs)),
    );
    await Promise.race([this.flush(), timeout]);
    clearTimeout(timer);
    this.#closed = true;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    if (this.#linger !== null) clearTimeout(this.#linger);
    if (this.#immediate !== null) clearImmediate(this.#immediate);
    this.#retryTimer = null;
    this.#linger = null;
    this.#immediate = null;
    this.#settle(this.#entries.length - this.#head, false);
  }

  #accept({ shard, payload }: SourceDispatch): void {
    const sessionId = shard.snapshot.context.session?.sessionId;
    if (sessionId === undefined) return;
    const { types } = this.#settings;
    if (types !== null && !types.has(payload.t)) {
      this.#floors.seen(shard.id, sessionId, payload.s, false);
      return;
    }
    const d = JSON.stringify(payload.d) ?? 'null';
    const buffered = this.#entries.length - this.#head;
    if (
      buffered >= this.#settings.maxBuffered ||
      (buffered > 0 && this.#bytes + d.length > this.#settings.maxBufferedBytes)
    ) {
      this.#overflow(shard.id, payload.s, buffered);
      return;
    }
    this.#overflowing = false;
    this.#floors.seen(shard.id, sessionId, payload.s, true);
    this.#entries.push({ shardId: shard.id, sessionId, seq: payload.s, t: payload.t, d });
    this.#bytes += d.length;
    this.#accepted += 1;
    this.#schedule();
  }

  #overflow(shardId: number, seq: number, buffered: number): void {
    this.#dropped += 1;
    if (this.#overflowing) return;
    this.#overflowing = true;
    const error = new SinkOverflowError(buffered, this.#bytes);
    if (!this.emit('overflow', { error, shardId, seq })) reportUnheardWarning(error);
  }

  /**
   * Plans the next batch: `lingerMs` after the first dispatch into an empty buffer, or in this turn's
   * check phase (`setImmediate`) when a full batch waits or `now` (the dispatches that arrived during
   * the last round trip have waited already).
   */
  #schedule(now = false): void {
    if (this.#inFlight || this.#retryTimer !== null || this.#closed || this.#immediate !== null) return;
    const buffered = this.#entries.length - this.#head;
    if (buffered === 0) return;
    if (now || buffered >= this.#settings.maxBatch || this.#settings.lingerMs === 0) {
      if (this.#linger !== null) clearTimeout(this.#linger);
      this.#linger = null;
      this.#immediate = setImmediate(() => {
        this.#immediate = null;
        void this.#publish();
      });
    } else if (this.#linger === null) {
      this.#linger = setTimeout(() => {
        this.#linger = null;
        void this.#publish();
      }, this.#settings.lingerMs);
    }
  }

  async #publish(): Promise<void> {
    const { maxBatch, maxLen, redis, stream, commandTimeoutMs } = this.#settings;
    const count = Math.min(maxBatch, this.#entries.length - this.#head);
    if (count === 0 || this.#closed) return;
    const args = new Array<string>(1 + count * 5);
    args[0] = maxLen;
    for (let i = 0; i < count; i += 1) {
      const entry = this.#entries[this.#head + i]!;
      const at = 1 + i * 5;
      args[at] = String(entry.shardId);
      args[at + 1] = entry.sessionId;
      args[at + 2] = String(entry.seq);
      args[at + 3] = entry.t;
      args[at + 4] = entry.d;
    }
    this.#inFlight = true;
    try {
      await APPEND.run(redis, { keys: [stream], arguments: args }, commandTimeoutMs);
    } catch (error) {
      this.#inFlight = false;
      if (this.#closed) return;
      this.#failed(
        error instanceof RedisUnavailableError ? error : new RedisUnavailableError(String(error), error),
      );
      return;
    }
    this.#inFlight = false;
    if (this.#closed) return;
    this.#attempt = 0;
    this.#batches += 1;
    this.#published += count;
    this.#settle(count, true);
    this.#floors.release();
    if (this.listenerCount('published') > 0) {
      this.emit('published', { count, buffered: this.#entries.length - this.#head });
    }
    this.#schedule(true);
  }

  #failed(error: RedisUnavailableError): void {
    this.#failures += 1;
    this.#attempt += 1;
    const retryInMs = backoffMs(this.#attempt);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#schedule(true);
    }, retryInMs);
    const buffered = this.#entries.length - this.#head;
    if (!this.emit('publishFailed', { error, attempt: this.#attempt, retryInMs, buffered })) {
      reportUnheardWarning(error);
    }
  }

  /** Removes `count` entries from the head of the buffer: published, or dropped. */
  #settle(count: number, published: boolean): void {
    for (let i = 0; i < count; i += 1) {
      const entry = this.#entries[this.#head + i]!;
      this.#bytes -= entry.d.length;
      this.#floors.settled(entry.shardId, entry.sessionId, entry.seq, published);
    }
    if (!published) this.#dropped += count;
    this.#head += count;
    this.#settled += count;
    if (this.#head === this.#entries.length) {
      this.#entries = [];
      this.#head = 0;
    } else if (this.#head >= 4096 && this.#head * 2 >= this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
    if (this.#waiters.length > 0) {
      const ready = this.#waiters.filter((waiter) => waiter.until <= this.#settled);
      this.#waiters = this.#waiters.filter((waiter) => waiter.until > this.#settled);
      for (const waiter of ready) waiter.resolve();
    }
  }
}
