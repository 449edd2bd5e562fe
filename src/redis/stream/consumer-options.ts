import { InvalidArgumentError } from '../../errors.js';
import type { StatecordError } from '../../errors.js';
import { nonNegative, positive } from '../options.js';

/**
 * The part of a Redis client that `consumeDispatches` uses: one command as an argument list. A client
 * of the official `redis` package (`createClient()`) fits as it is (`sendCommand`); an ioredis client
 * through `fromIoredisCommands(client)`. Replies in RESP2 (both clients' default) or RESP3.
 */
export interface RedisCommandClient {
  /** Sends one command (`['XACK', stream, group, id]`) and resolves with its raw reply. */
  sendCommand(args: string[]): Promise<unknown>;
}

/** Options of {@link consumeDispatches}. `redis`, `stream`, `group` and `consumer` are required. */
export interface ConsumeDispatchesOptions {
  /**
   * A connected client used by this consumer alone: reads block it for up to `blockMs` (with
   * node-redis, `client.duplicate()` of the bot's client).
   */
  readonly redis: RedisCommandClient;
  /** The stream's key (the sink's `stream`). */
  readonly stream: string;
  /** The consumer group: every dispatch goes to one consumer of the group. Created when missing. */
  readonly group: string;
  /** This consumer's name within the group, stable across restarts (e.g. the host name). */
  readonly consumer: string;
  /** Ends the iteration (promptly, also during a blocking read). */
  readonly signal?: AbortSignal;
  /**
   * Where a group created now starts: `'0'` (the default) reads what the stream still holds, `'$'`
   * only what is added from now on. An existing group keeps its position.
   */
  readonly startId?: '0' | '$';
  /** Most entries per read. Default 100. */
  readonly count?: number;
  /** How long a read waits for new entries. Default 1000 ms. */
  readonly blockMs?: number;
  /**
   * Entries another consumer of the group read but did not acknowledge for this long are claimed
   * (`XAUTOCLAIM`) and yielded here: that consumer died. Default 30 000 ms; 0 never claims.
   */
  readonly claimIdleMs?: number;
  /** Sequences remembered per session for deduplication. Default 4096. */
  readonly dedupeWindow?: number;
  /** Sessions remembered for deduplication (the least recently seen is forgotten). Default 10 000. */
  readonly dedupeSessions?: number;
  /** A command (other than the blocking read) without an answer after this long fails. Default 5000 ms. */
  readonly commandTimeoutMs?: number;
}

/** Events of a {@link DispatchConsumer}. */
export interface DispatchConsumerEvents {
  /**
   * Something recoverable went wrong: Redis failed (`RedisUnavailableError`; retried with backoff),
   * or an entry could not be read (`StreamEntryError`; acknowledged and skipped).
   */
  warning: {
    /** What went wrong. */
    readonly error: StatecordError;
  };
}

/** Counters of a {@link DispatchConsumer}. */
export interface DispatchConsumerStats {
  /** Dispatches yielded. */
  readonly delivered: number;
  /** Entries dropped as copies of a dispatch already yielded (same `sessionId` and `seq`). */
  readonly duplicates: number;
  /** Entries skipped because they could not be read (see `StreamEntryError`). */
  readonly skipped: number;
  /** Entries claimed from other consumers of the group. */
  readonly claimed: number;
}

/** The validated options. @internal */
export interface ConsumerSettings {
  readonly redis: RedisCommandClient;
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  readonly signal: AbortSignal | null;
  readonly startId: '0' | '$';
  readonly count: number;
  readonly blockMs: number;
  readonly claimIdleMs: number;
  readonly dedupeWindow: number;
  readonly dedupeSessions: number;
  readonly commandTimeoutMs: number;
}

const OWNER = 'consumeDispatches';

/** Checks the options (synchronously, with `InvalidArgumentError`). @internal */
export function consumerSettings(options: ConsumeDispatchesOptions): ConsumerSettings {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`${OWNER} needs an options object`);
  }
  if (typeof (options.redis as Partial<RedisCommandClient> | null)?.sendCommand !== 'function') {
    throw new InvalidArgumentError(
      `${OWNER} needs \`redis\`: a connected client of the \`redis\` package, or an object with sendCommand()`,
    );
  }
  for (const name of ['stream', 'group', 'consumer'] as const) {
    if (typeof options[name] !== 'string' || options[name].length === 0) {
      throw new InvalidArgumentError(`${OWNER}: ${name} must be a non-empty string`);
    }
  }
  const startId = options.startId ?? '0';
  if (startId !== '0' && startId !== '$')
    throw new InvalidArgumentError(`${OWNER}: startId must be '0' or '$'`);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new InvalidArgumentError(`${OWNER}: signal must be an AbortSignal`);
  }
  return {
    redis: options.redis,
    stream: options.stream,
    group: options.group,
    consumer: options.consumer,
    signal: options.signal ?? null,
    startId,
    count: positive(OWNER, 'count', options.count, 100),
    blockMs: positive(OWNER, 'blockMs', options.blockMs, 1_000),
    claimIdleMs: nonNegative(OWNER, 'claimIdleMs', options.claimIdleMs, 30_000),
    dedupeWindow: positive(OWNER, 'dedupeWindow', options.dedupeWindow, 4_096),
    dedupeSessions: positive(OWNER, 'dedupeSessions', options.dedupeSessions, 10_000),
    commandTimeoutMs: positive(OWNER, 'commandTimeoutMs', options.commandTimeoutMs, 5_000),
  };
}
