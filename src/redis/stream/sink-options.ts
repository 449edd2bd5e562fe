import type { GatewayDispatchEvents, GatewayDispatchPayload } from 'discord-api-types/v10';
import { InvalidArgumentError } from '../../errors.js';
import type { Shard } from '../../shard/shard.js';
import type { RedisUnavailableError } from '../../errors.js';
import type { RedisScriptClient } from '../client.js';
import { checkRedisOptions, nonNegative, positive } from '../options.js';
import type { SinkOverflowError } from './stream-errors.js';

/** Options of {@link RedisStreamSink}. `redis`, `stream` and `maxLen` are required. */
export interface RedisStreamSinkOptions {
  /** A connected client of the official `redis` package, or any `RedisScriptClient` (`fromIoredis`). */
  readonly redis: RedisScriptClient;
  /** The stream's key (e.g. `mybot:dispatches`). */
  readonly stream: string;
  /**
   * The stream's approximate length cap: every `XADD` trims with `MAXLEN ~ maxLen`, so the stream
   * holds at least `maxLen` entries and at most a little more (Redis trims whole nodes, ≤ 100 entries
   * each by default). Size it so that consumers read every entry before it is trimmed.
   */
  readonly maxLen: number;
  /**
   * Publish only these dispatch types (`['MESSAGE_CREATE', 'INTERACTION_CREATE']`). Default: every
   * type. The sink listens to the source's `dispatch` event, so every dispatch is still parsed.
   */
  readonly types?: readonly (GatewayDispatchEvents | `${GatewayDispatchEvents}`)[];
  /** Most dispatches written by one round trip. Default 500. */
  readonly maxBatch?: number;
  /**
   * How long a dispatch may wait in the buffer for others to share its round trip: a batch is written
   * `lingerMs` after the first dispatch into an empty buffer, or at once when `maxBatch` are buffered.
   * Default 5 ms (a round trip costs the bot more CPU than a dispatch does: `BENCHMARKS.md`); 0 writes
   * once per event-loop turn.
   */
  readonly lingerMs?: number;
  /** Most dispatches held in memory while Redis is slow or away; more are dropped. Default 10 000. */
  readonly maxBuffered?: number;
  /**
   * Most bytes of dispatch data held in memory (counted as the length of `d`'s JSON text); more are
   * dropped. Default 64 MiB. A single dispatch larger than this is still taken when the buffer is empty.
   */
  readonly maxBufferedBytes?: number;
  /** A batch without an answer after this long counts as failed (and is retried). Default 5000 ms. */
  readonly commandTimeoutMs?: number;
  /** How long `close()` waits for the buffer to be published. Default 5000 ms. */
  readonly closeTimeoutMs?: number;
}

/** What a sink attaches to: a `ShardManager` or a `ShardCluster` (anything with their `dispatch` event). */
export interface DispatchSource {
  /** Adds a `dispatch` listener. */
  on(event: 'dispatch', listener: (event: SourceDispatch) => void): unknown;
  /** Removes a `dispatch` listener. */
  off(event: 'dispatch', listener: (event: SourceDispatch) => void): void;
}

/** The `dispatch` event of a {@link DispatchSource}. */
export interface SourceDispatch {
  /** The shard that received it. */
  readonly shard: Shard;
  /** The dispatch (`t`, `s`, `d`). */
  readonly payload: GatewayDispatchPayload;
}

/** Events of {@link RedisStreamSink}. */
export interface RedisStreamSinkEvents {
  /** A batch was written (one round trip). */
  published: {
    /** Dispatches in the batch. */
    readonly count: number;
    /** Dispatches still buffered. */
    readonly buffered: number;
  };
  /**
   * Writing a batch failed (Redis down or slow): the batch stays at the head of the buffer and is
   * retried after `retryInMs` (backoff from 100 ms to 5 s). A batch that timed out may have been
   * written after all: its retry publishes it twice, which `consumeDispatches` deduplicates.
   */
  publishFailed: {
    /** The failure. */
    readonly error: RedisUnavailableError;
    /** Failed attempts in a row. */
    readonly attempt: number;
    /** Wait before the next attempt. */
    readonly retryInMs: number;
    /** Dispatches buffered. */
    readonly buffered: number;
  };
  /**
   * The buffer was full: dispatches are dropped (drop-newest) until it has room again. Once per
   * episode; `sink.stats.dropped` counts every dropped dispatch.
   */
  overflow: {
    /** The overflow, with the buffer's size. */
    readonly error: SinkOverflowError;
    /** The first dropped dispatch's shard. */
    readonly shardId: number;
    /** The first dropped dispatch's sequence. */
    readonly seq: number;
  };
}

/** Counters of a {@link RedisStreamSink}. */
export interface RedisStreamSinkStats {
  /** Dispatches written to the stream. */
  readonly published: number;
  /** Dispatches dropped: the buffer was full, or `close()` gave up on them. */
  readonly dropped: number;
  /** Dispatches waiting in the buffer. */
  readonly buffered: number;
  /** Bytes of `d` waiting in the buffer. */
  readonly bufferedBytes: number;
  /** Round trips that wrote a batch. */
  readonly batches: number;
  /** Round trips that failed. */
  readonly failures: number;
}

/** The validated options. @internal */
export interface SinkSettings {
  readonly redis: RedisScriptClient;
  readonly stream: string;
  readonly maxLen: string;
  readonly types: ReadonlySet<string> | null;
  readonly maxBatch: number;
  readonly lingerMs: number;
  readonly maxBuffered: number;
  readonly maxBufferedBytes: number;
  readonly commandTimeoutMs: number;
  readonly closeTimeoutMs: number;
}

const OWNER = 'RedisStreamSink';

/** Checks the options (synchronously, with `InvalidArgumentError`). @internal */
export function sinkSettings(options: RedisStreamSinkOptions): SinkSettings {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`${OWNER} needs an options object`);
  }
  checkRedisOptions(OWNER, options.redis, undefined);
  if (typeof options.stream !== 'string' || options.stream.length === 0) {
    throw new InvalidArgumentError(`${OWNER}: stream must be a non-empty string (the stream's key)`);
  }
  if (options.maxLen === undefined) {
    throw new InvalidArgumentError(`${OWNER}: maxLen is required (the stream's length cap)`);
  }
  const maxLen = positive(OWNER, 'maxLen', options.maxLen, 0);
  const maxBatch = positive(OWNER, 'maxBatch', options.maxBatch, 500);
  if (maxBatch > 10_000) throw new InvalidArgumentError(`${OWNER}: maxBatch must be at most 10000`);
  const maxBuffered = positive(OWNER, 'maxBuffered', options.maxBuffered, 10_000);
  if (maxBuffered < maxBatch) {
    throw new InvalidArgumentError(
      `${OWNER}: maxBuffered (${maxBuffered}) must be at least maxBatch (${maxBatch})`,
    );
  }
  return {
    redis: options.redis,
    stream: options.stream,
    maxLen: String(maxLen),
    types: typeSet(options.types),
    maxBatch,
    lingerMs: nonNegative(OWNER, 'lingerMs', options.lingerMs, 5),
    maxBuffered,
    maxBufferedBytes: positive(OWNER, 'maxBufferedBytes', options.maxBufferedBytes, 64 * 1024 * 1024),
    commandTimeoutMs: positive(OWNER, 'commandTimeoutMs', options.commandTimeoutMs, 5_000),
    closeTimeoutMs: nonNegative(OWNER, 'closeTimeoutMs', options.closeTimeoutMs, 5_000),
  };
}

function typeSet(types: readonly string[] | undefined): ReadonlySet<string> | null {
  if (types === undefined) return null;
  if (!Array.isArray(types) || types.some((type) => typeof type !== 'string' || type.length === 0)) {
    throw new InvalidArgumentError(`${OWNER}: types must be an array of dispatch names`);
  }
  return new Set(types);
}
