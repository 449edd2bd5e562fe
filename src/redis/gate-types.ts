import type { RedisScriptClient } from './client.js';
import type { SessionStartGateEvents } from '../manager/identify/types.js';

/** Options of `RedisIdentifyGate`. Only `redis` is required. */
export interface RedisIdentifyGateOptions {
  /** A connected client of the official `redis` package, or any {@link RedisScriptClient}. */
  readonly redis: RedisScriptClient;
  /** Prefix of every key (wrapped in a hash tag: `{statecord}:gate:…`). One per bot. Default `statecord`. */
  readonly keyPrefix?: string;
  /** `max_concurrency` until `GET /gateway/bot` (through a manager's `configure`) says otherwise. Default 1. */
  readonly maxConcurrency?: number;
  /** Interval per bucket. Default 5000 ms, Discord's (docs/protocol/gateway.md §5); shorter in tests. */
  readonly intervalMs?: number;
  /** Added to the interval. Default 1 % of it, as the manager's default gate. */
  readonly marginMs?: number;
  /** How long a bucket waits for the answer to its last identify before it opens anyway. Default max(interval, 5000). */
  readonly answerTimeoutMs?: number;
  /** How long a waiter's ticket lives without renewal: a dead waiter blocks its bucket at most this long. Default 15000. */
  readonly leaseMs?: number;
  /** Longest sleep of a waiter at the head of a bucket while it waits for an answer seen by another process. Default 250. */
  readonly pollMs?: number;
  /** Length of every budget window after the first reset. Default 86 400 000 (24 h, Discord's). */
  readonly budgetWindowMs?: number;
  /** A Redis call without an answer after this long counts as Redis unreachable. Default 2000. */
  readonly commandTimeoutMs?: number;
  /** The local clock, only to report `budgetExhausted.resetAt` in local time; never decides a window. Default `Date.now`. */
  readonly now?: () => number;
}

/** Events of a `RedisIdentifyGate`. */
export interface RedisIdentifyGateEvents {
  /** This process's shard may identify. `at` is the Redis server's time; `remaining` the shared budget left (null: none known). */
  identifyGranted: SessionStartGateEvents['identifyGranted'];
  /** The shared budget is used up; this process's `waiting` shards are held until `resetAt` (local Unix ms). */
  budgetExhausted: SessionStartGateEvents['budgetExhausted'];
  /** Redis failed (`RedisUnavailableError`): nobody identifies until it answers again. Once per outage. */
  warning: {
    /** What went wrong (a Redis error, a malformed script answer, a throwing listener). */
    readonly error: Error;
    /** Where it happened and what the gate does about it, in words. */
    readonly context: string;
  };
}
