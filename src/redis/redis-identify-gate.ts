import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, RedisUnavailableError, ShardStoppedError } from '../errors.js';
import type { ConfigurableIdentifyGate } from '../manager/identify/configurable-gate.js';
import { defaultIdentifyMargin } from '../manager/identify/default-gate.js';
import type { SessionStartBudget, SessionStartGateConfig } from '../manager/identify/types.js';
import { reportUnheardWarning } from '../util/process-warning.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { acquireScript, answeredScript, configureScript, releaseScript } from './gate-scripts.js';
import { checkRedisOptions, nonNegative, positive, sleep } from './options.js';
import { backoffMs } from './backoff.js';
import type { RedisScriptClient } from './client.js';
import type { RedisIdentifyGateEvents, RedisIdentifyGateOptions } from './gate-types.js';

export type { RedisIdentifyGateEvents, RedisIdentifyGateOptions } from './gate-types.js';

/**
 * An identify gate shared by every process and host of a bot, in Redis: one identify per bucket
 * (`shard_id % max_concurrency`) per interval and the daily session-start budget
 * (docs/protocol/gateway.md §5), decided by one Lua script per attempt on the server's clock.
 *
 * - **First come, first served** per bucket: each waiter holds a ticket in a sorted set; tickets are
 *   leased (`leaseMs`) and renewed by every attempt, so a dead process's waiter drops out instead of
 *   blocking the bucket.
 * - **One shared budget**: `configure` (a `ShardManager` calls it with `GET /gateway/bot`'s
 *   `session_start_limit`) fills it; every grant spends one atomically; at 0 every waiter is held until
 *   the reset and `budgetExhausted` fires (a manager relays it).
 * - **Counts from the answer**: `identifyAnswered` (called by a manager's shards) starts the bucket's
 *   next interval when the gateway answered, as the manager's default gate does.
 * - **Fails closed**: while Redis fails or does not answer, nobody identifies; the gate reports a
 *   {@link RedisUnavailableError} as `warning` and retries with backoff. Running shards are not touched
 *   (a Resume never asks the gate). An aborted wait removes its ticket.
 *
 * Redis must keep its data across restarts (AOF or RDB) for the budget to survive one; a Redis that
 * lost it forgets recent windows and counts the budget again from what each process last knew.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { GatewayIntentBits, ShardManager } from 'statecord';
 * import { RedisIdentifyGate } from 'statecord/redis';
 *
 * const redis = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 * const manager = new ShardManager({
 *   token: process.env.DISCORD_TOKEN!,
 *   intents: GatewayIntentBits.Guilds,
 *   identifyGate: new RedisIdentifyGate({ redis, keyPrefix: 'mybot' }),
 * });
 * ```
 */
export class RedisIdentifyGate
  extends TypedEmitter<RedisIdentifyGateEvents>
  implements ConfigurableIdentifyGate
{
  readonly #redis: RedisScriptClient;
  readonly #prefix: string;
  readonly #options: RedisIdentifyGateOptions;
  readonly #now: () => number;
  #maxConcurrency: number;
  #intervalMs: number;
  /** Budget numbers not yet written to Redis. */
  #pendingBudget: SessionStartBudget | null = null;
  /** The budget as this process last saw it (server times); seeds a Redis that lost it. */
  #knownBudget: { total: number; remaining: number; resetAt: number } | null = null;
  #waiting = 0;
  #holding = false;
  #failing = false;

  constructor(options: RedisIdentifyGateOptions) {
    super();
    const owner = 'RedisIdentifyGate';
    this.#prefix = checkRedisOptions(owner, options?.redis, options?.keyPrefix);
    this.#redis = options.redis;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#maxConcurrency = positive(owner, 'maxConcurrency', options.maxConcurrency, 1);
    const interval = nonNegative(owner, 'intervalMs', options.intervalMs, 5_000);
    this.#intervalMs =
      interval + nonNegative(owner, 'marginMs', options.marginMs, defaultIdentifyMargin(interval));
    for (const name of [
      'answerTimeoutMs',
      'leaseMs',
      'pollMs',
      'budgetWindowMs',
      'commandTimeoutMs',
    ] as const) {
      positive(owner, name, options[name], 1);
    }
  }

  /** `max_concurrency`: the number of buckets. */
  get maxConcurrency(): number {
    return this.#maxConcurrency;
  }

  /** Time between two identifies of one bucket (interval plus margin). */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /**
   * The shared budget as this process last saw it (`resetAt` on the Redis server's clock), or null
   * before `configure` gave one.
   */
  get budget(): {
    /** Session starts per window (`session_start_limit.total`). */
    readonly total: number;
    /** Session starts left in the current window, as of the last script run. */
    readonly remaining: number;
    /** When the window resets, in ms on the Redis server's clock. */
    readonly resetAt: number;
  } | null {
    return this.#knownBudget === null ? null : { ...this.#knownBudget };
  }

  /** Shards of this process waiting for their turn. */
  get waiting(): number {
    return this.#waiting;
  }

  /** The bucket of a shard: `shard_id % max_concurrency`. */
  bucketOf(shardId: number): number {
    return shardId % this.#maxConcurrency;
  }

  /**
   * Takes fresh `GET /gateway/bot` numbers. `maxConcurrency` and `intervalMs` apply at once to this
   * process; the budget is written to Redis before this process's next attempt (never throws: a Redis
   * failure holds identifies and is retried).
   */
  configure(config: SessionStartGateConfig): void {
    if (config.maxConcurrency !== undefined) {
      this.#maxConcurrency = positive('RedisIdentifyGate', 'maxConcurrency', config.maxConcurrency, 1);
    }
    if (config.intervalMs !== undefined) {
      this.#intervalMs = nonNegative('RedisIdentifyGate', 'intervalMs', config.intervalMs, 0);
    }
    if (config.budget !== undefined) this.#pendingBudget = config.budget;
  }

  /** Subscribes to this gate's warnings (a `ShardManager` reports them as its own `warning`). */
  onWarning(listener: (error: Error, context: string) => void): () => void {
    return this.on('warning', ({ error, context }) => listener(error, context));
  }

  /** Resolves when `shardId` may send IDENTIFY; rejects with `ShardStoppedError` if `signal` aborts first. */
  async waitForIdentify(shardId: number, signal: AbortSignal): Promise<void> {
    if (!Number.isSafeInteger(shardId) || shardId < 0) {
      throw new InvalidArgumentError(`shardId must be a non-negative integer, got ${shardId}`);
    }
    const aborted = () => new ShardStoppedError('identify wait aborted');
    if (signal.aborted) throw aborted();
    const ticket = randomUUID();
    this.#waiting += 1;
    try {
      for (let failures = 0; ;) {
        let reply: AcquireReply;
        try {
          await this.#writeBudget();
          reply = await this.#acquire(ticket, shardId);
          this.#recovered();
        } catch (error) {
          if (signal.aborted) throw aborted();
          failures += 1;
          this.#unavailable(error);
          await sleep(backoffMs(failures), signal, aborted);
          continue;
        }
        failures = 0;
        if (reply.kind === 'granted') {
          // A grant that comes after an abort is wasted (the slot stays used), never sent.
          if (signal.aborted) throw aborted();
          this.#granted(shardId, reply);
          return;
        }
        if (reply.kind === 'held') this.#held(reply);
        await sleep(reply.waitMs, signal, aborted);
      }
    } catch (error) {
      if (signal.aborted) this.#release(ticket, shardId);
      throw error;
    } finally {
      this.#waiting -= 1;
    }
  }

  /** The gateway answered `shardId`'s identify: its bucket's next interval counts from now (server time). */
  identifyAnswered(shardId: number): void {
    const call = { keys: [this.#bucketKey(shardId)], arguments: [String(shardId), String(this.#intervalMs)] };
    answeredScript
      .run(this.#redis, call, this.#timeoutMs)
      .catch((error: unknown) => this.#unavailable(error));
  }

  get #timeoutMs(): number {
    return this.#options.commandTimeoutMs ?? 2_000;
  }

  #bucketKey(shardId: number): string {
    return `${this.#prefix}:gate:b:${this.bucketOf(shardId)}`;
  }

  async #writeBudget(): Promise<void> {
    const budget = this.#pendingBudget;
    if (budget === null) return;
    const window = this.#options.budgetWindowMs ?? 86_400_000;
    const call = {
      keys: [`${this.#prefix}:gate:budget`],
      arguments: [budget.total, budget.remaining, budget.resetAfterMs, window].map(String),
    };
    const [remaining, resetAt] = (await configureScript.run(this.#redis, call, this.#timeoutMs)) as number[];
    if (this.#pendingBudget === budget) this.#pendingBudget = null;
    this.#knownBudget = { total: budget.total, remaining: Number(remaining), resetAt: Number(resetAt) };
  }

  async #acquire(ticket: string, shardId: number): Promise<AcquireReply> {
    const bucket = this.bucketOf(shardId);
    const o = this.#options;
    const known = this.#knownBudget;
    const call = {
      keys: [
        `${this.#prefix}:gate:q:${bucket}`,
        `${this.#prefix}:gate:l:${bucket}`,
        this.#bucketKey(shardId),
        `${this.#prefix}:gate:budget`,
        `${this.#prefix}:gate:seq`,
      ],
      arguments: [
        ticket,
        shardId,
        this.#intervalMs,
        o.answerTimeoutMs ?? Math.max(this.#intervalMs, 5_000),
        o.leaseMs ?? 15_000,
        o.pollMs ?? 250,
        o.budgetWindowMs ?? 86_400_000,
        known?.total ?? '',
        known?.remaining ?? '',
        known?.resetAt ?? '',
      ].map(String),
    };
    const [kind, waitMs, n, serverNow] = (await acquireScript.run(this.#redis, call, this.#timeoutMs)) as [
      AcquireReply['kind'],
      number,
      number,
      number,
    ];
    return { kind, waitMs: Number(waitMs), n: Number(n), serverNow: Number(serverNow) };
  }

  #granted(shardId: number, reply: AcquireReply): void {
    this.#holding = false;
    const remaining = reply.n < 0 ? null : reply.n;
    if (this.#knownBudget !== null && remaining !== null) this.#knownBudget.remaining = remaining;
    this.emit('identifyGranted', { shardId, bucket: this.bucketOf(shardId), at: reply.serverNow, remaining });
  }

  /** The budget is used up: one `budgetExhausted` per hold of this process. */
  #held(reply: AcquireReply): void {
    if (this.#knownBudget !== null) this.#knownBudget.remaining = 0;
    if (this.#holding) return;
    this.#holding = true;
    this.emit('budgetExhausted', { resetAt: this.#now() + reply.n, waiting: this.#waiting });
  }

  #release(ticket: string, shardId: number): void {
    const bucket = this.bucketOf(shardId);
    const call = {
      keys: [`${this.#prefix}:gate:q:${bucket}`, `${this.#prefix}:gate:l:${bucket}`],
      arguments: [ticket],
    };
    // If this fails the ticket's lease ends it anyway.
    releaseScript.run(this.#redis, call, this.#timeoutMs).catch(() => undefined);
  }

  #unavailable(error: unknown): void {
    if (this.#failing) return;
    this.#failing = true;
    const wrapped =
      error instanceof RedisUnavailableError ? error : new RedisUnavailableError(String(error), error);
    const context = 'the Redis identify gate cannot reach Redis; no shard identifies until it answers';
    if (!this.emit('warning', { error: wrapped, context })) reportUnheardWarning(wrapped, context);
  }

  #recovered(): void {
    this.#failing = false;
  }
}

interface AcquireReply {
  readonly kind: 'granted' | 'wait' | 'held';
  readonly waitMs: number;
  /** granted: budget left (-1: none); wait: place in the queue; held: ms until the reset. */
  readonly n: number;
  readonly serverNow: number;
}
