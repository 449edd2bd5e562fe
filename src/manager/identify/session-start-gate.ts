import { InvalidArgumentError, ShardStoppedError } from '../../errors.js';
import type { IdentifyGate } from '../../shard/identify-gate.js';
import { TypedEmitter } from '../../util/typed-emitter.js';
import { SessionBudget } from './session-budget.js';
import type {
  SessionStartBudget,
  SessionStartGateConfig,
  SessionStartGateEvents,
  SessionStartGateOptions,
} from './types.js';

/** Longest delay `setTimeout` takes (2^31 − 1 ms); longer waits wake early and re-check. */
const MAX_TIMER_MS = 2_147_483_647;
const DAY_MS = 86_400_000;

interface Waiter {
  readonly shardId: number;
  /** Arrival order: ready bucket heads are served oldest first. */
  readonly seq: number;
  readonly signal: AbortSignal;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly onAbort: () => void;
}

interface Bucket {
  /** Waiters in arrival order (FIFO within a bucket). */
  readonly queue: Waiter[];
  lastGrantAt: number | undefined;
  lastShardId: number | undefined;
  /**
   * When the gateway's answer to the last grant was reported ({@link SessionStartGate.identifyAnswered});
   * undefined until then. Only the first report counts.
   */
  answeredAt: number | undefined;
  /** The gate's grant count when this bucket last granted: the order buckets were served in. */
  lastGrantSeq: number | undefined;
}

/**
 * The default identify gate of a manager. It enforces both identify limits of docs/protocol/gateway.md §5:
 * - one Identify per bucket (`shard_id % max_concurrency`) per `intervalMs`; buckets run in parallel,
 *   waiters of one bucket are served first come, first served. Buckets ready at the same moment are
 *   served in the order they were served last time (never-used buckets first, oldest waiter first),
 *   so a bucket keeps its place among the identifies sent in one tick, round after round;
 * - the daily session-start budget: every grant (re-identifies after reconnects too; a Resume never
 *   asks the gate) spends one of `remaining`; at 0 the gate holds every waiter until the reset, then
 *   refills to `total`. Going over it would get the token reset (docs/protocol/gateway.md §5).
 *
 * An aborted waiter rejects with {@link ShardStoppedError}, leaves its queue and spends nothing: no
 * slot, no budget. Timers exist only while someone waits. In-process only; for several processes put a
 * shared gate behind the {@link IdentifyGate} interface.
 *
 * @example
 * ```ts
 * import { GatewayHttp, SessionStartGate } from 'statecord';
 *
 * const http = new GatewayHttp({ token: process.env.DISCORD_TOKEN! });
 * const gate = new SessionStartGate({ maxConcurrency: 16 });
 * const bot = await http.getBot();
 * gate.updateBudget({ total: bot.session_start_limit.total, remaining: bot.session_start_limit.remaining,
 *   resetAfterMs: bot.session_start_limit.reset_after });
 * gate.on('budgetExhausted', ({ resetAt, waiting }) => console.warn(`${waiting} shards wait until ${resetAt}`));
 * ```
 */
export class SessionStartGate extends TypedEmitter<SessionStartGateEvents> implements IdentifyGate {
  readonly #options: SessionStartGateOptions;
  readonly #now: () => number;
  readonly #budgetWindowMs: number;
  #maxConcurrency: number;
  #intervalMs: number;
  readonly #answerTimeoutMs: number;
  #budget: SessionBudget | undefined;
  #buckets = new Map<number, Bucket>();
  #granted = 0;
  #waiting = 0;
  #seq = 0;
  #holding = false;
  #timer: { readonly handle: unknown; readonly at: number } | undefined;
  #pumping = false;
  #pumpAgain = false;
  #flushing = false;
  readonly #pendingEvents: (() => void)[] = [];

  constructor(options: SessionStartGateOptions = {}) {
    super();
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#budgetWindowMs = positiveInteger('budgetWindowMs', options.budgetWindowMs ?? DAY_MS);
    this.#maxConcurrency = positiveInteger('maxConcurrency', options.maxConcurrency ?? 1);
    this.#intervalMs = nonNegative('intervalMs', options.intervalMs ?? 5_000);
    this.#answerTimeoutMs = nonNegative('answerTimeoutMs', options.answerTimeoutMs ?? 0);
    this.#budget =
      options.budget === undefined
        ? undefined
        : new SessionBudget(options.budget, this.#now(), this.#budgetWindowMs);
  }

  /** `max_concurrency`: the number of buckets. */
  get maxConcurrency(): number {
    return this.#maxConcurrency;
  }

  /** Time between two identifies of one bucket. */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /** How long a bucket waits for the answer to its last identify (0: never waits). */
  get answerTimeoutMs(): number {
    return this.#answerTimeoutMs;
  }

  /** Identifies left in the current window (a due refill counted); null when no budget is known. */
  get remaining(): number | null {
    return this.#budget?.remainingAt(this.#now()) ?? null;
  }

  /** The budget as the gate sees it now, or null when none was given. */
  get budget(): {
    /** Session starts per window (`session_start_limit.total`). */
    readonly total: number;
    /** Session starts left in the current window; identifies wait for the reset at 0. */
    readonly remaining: number;
    /** When the window resets and `remaining` refills to `total`, in ms on the gate's clock (`Date.now()` by default). */
    readonly resetAt: number;
  } | null {
    const budget = this.#budget;
    if (budget === undefined) return null;
    const now = this.#now();
    return { total: budget.total, remaining: budget.remainingAt(now), resetAt: budget.resetAtFor(now) };
  }

  /** Identifies granted since the gate was created. */
  get granted(): number {
    return this.#granted;
  }

  /** Shards waiting for their turn. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Whether waiters are held because the budget is used up. */
  get holding(): boolean {
    return this.#holding;
  }

  /** Per bucket (key `shard_id % max_concurrency`), when it last granted an identify. */
  get lastGrants(): ReadonlyMap<number, number> {
    const grants = new Map<number, number>();
    for (const [key, bucket] of this.#buckets) {
      if (bucket.lastGrantAt !== undefined) grants.set(key, bucket.lastGrantAt);
    }
    return grants;
  }

  /** The bucket of a shard: `shard_id % max_concurrency` (docs/protocol/gateway.md §5). */
  bucketOf(shardId: number): number {
    return shardId % this.#maxConcurrency;
  }

  /** Resolves when `shardId` may send IDENTIFY; rejects with {@link ShardStoppedError} if `signal` aborts first. */
  waitForIdentify(shardId: number, signal: AbortSignal): Promise<void> {
    if (!Number.isSafeInteger(shardId) || shardId < 0) {
      return Promise.reject(
        new InvalidArgumentError(`shardId must be a non-negative integer, got ${shardId}`),
      );
    }
    if (signal.aborted) return Promise.reject(new ShardStoppedError('identify wait aborted'));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        shardId,
        seq: this.#seq++,
        signal,
        resolve,
        reject,
        onAbort: () => this.#remove(waiter, new ShardStoppedError('identify wait aborted')),
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.#bucket(this.bucketOf(shardId)).queue.push(waiter);
      this.#waiting += 1;
      this.#pump();
    });
  }

  /** Replaces the budget with fresh `/gateway/bot` numbers (`session_start_limit`). */
  updateBudget(budget: SessionStartBudget): void {
    this.configure({ budget });
  }

  /**
   * Changes `maxConcurrency`, `intervalMs` and/or the budget. Waiting shards move to their new
   * buckets in arrival order; each new bucket stays closed for `intervalMs` after the last grant to a
   * shard that maps to it.
   */
  configure(config: SessionStartGateConfig): void {
    const maxConcurrency =
      config.maxConcurrency === undefined
        ? undefined
        : positiveInteger('maxConcurrency', config.maxConcurrency);
    const intervalMs =
      config.intervalMs === undefined ? undefined : nonNegative('intervalMs', config.intervalMs);
    const budget =
      config.budget === undefined
        ? undefined
        : new SessionBudget(config.budget, this.#now(), this.#budgetWindowMs);
    if (intervalMs !== undefined) this.#intervalMs = intervalMs;
    if (maxConcurrency !== undefined && maxConcurrency !== this.#maxConcurrency)
      this.#rebucket(maxConcurrency);
    if (budget !== undefined) {
      this.#budget = budget;
      if (this.#holding && budget.remaining > 0) this.#emitRefilled(budget);
    }
    this.#pump();
  }

  /** Rejects every waiting shard with {@link ShardStoppedError} and stops the timer. The gate stays usable. */
  cancelAll(): number {
    const waiters = [...this.#buckets.values()].flatMap((bucket) => bucket.queue);
    for (const waiter of waiters)
      this.#remove(waiter, new ShardStoppedError('the identify gate was cancelled'));
    return waiters.length;
  }

  /**
   * The gateway answered `shardId`'s IDENTIFY (READY or op 9), or its connection closed first: that
   * identify has arrived, if it ever will. If it was its bucket's last grant, the bucket's next interval
   * counts from now instead of from the grant. Discord measures the interval between identifies as they
   * arrive (docs/protocol/gateway.md §5), and the answer proves the last one arrived before now, so spacing holds on
   * arrival however late that identify travelled (a busy event loop, a slow network), at the cost of
   * one round trip per round. Called by the shards of a `ShardManager`; later reports are ignored.
   */
  identifyAnswered(shardId: number): void {
    const bucket = this.#buckets.get(this.bucketOf(shardId));
    if (bucket === undefined || bucket.lastShardId !== shardId || bucket.answeredAt !== undefined) return;
    bucket.answeredAt = this.#now();
    this.#pump();
  }

  #bucket(key: number): Bucket {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = {
        queue: [],
        lastGrantAt: undefined,
        lastShardId: undefined,
        answeredAt: undefined,
        lastGrantSeq: undefined,
      };
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  #remove(waiter: Waiter, error: Error): void {
    const queue = this.#buckets.get(this.bucketOf(waiter.shardId))?.queue;
    const index = queue?.indexOf(waiter) ?? -1;
    if (queue === undefined || index === -1) return;
    queue.splice(index, 1);
    this.#waiting -= 1;
    waiter.signal.removeEventListener('abort', waiter.onAbort);
    // Not granted, so neither the bucket slot nor the budget is spent.
    waiter.reject(error);
    this.#pump();
  }

  #rebucket(maxConcurrency: number): void {
    const old = [...this.#buckets.values()];
    this.#maxConcurrency = maxConcurrency;
    this.#buckets = new Map();
    // Only each old bucket's last grant can still be within the interval (earlier ones were ≥ interval before it).
    for (const { lastGrantAt, lastShardId, answeredAt, lastGrantSeq } of old) {
      if (lastGrantAt === undefined || lastShardId === undefined) continue;
      const bucket = this.#bucket(this.bucketOf(lastShardId));
      if (
        bucket.lastGrantAt === undefined ||
        this.#nextSlot(bucket) < this.#nextSlotAfter(lastGrantAt, answeredAt)
      ) {
        bucket.lastGrantAt = lastGrantAt;
        bucket.answeredAt = answeredAt;
        bucket.lastShardId = lastShardId;
        bucket.lastGrantSeq = lastGrantSeq;
      }
    }
    const waiters = old.flatMap((bucket) => bucket.queue).sort((a, b) => a.seq - b.seq);
    for (const waiter of waiters) this.#bucket(this.bucketOf(waiter.shardId)).queue.push(waiter);
  }

  /** Grants what may go now, tracks the hold, re-arms the timer, then emits. Re-entrant calls loop. */
  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        this.#grantReady(this.#now());
      } while (this.#pumpAgain);
      this.#schedule(this.#now());
    } finally {
      this.#pumping = false;
    }
    this.#flushEvents();
  }

  #grantReady(now: number): void {
    const budget = this.#budget;
    if (budget?.refillIfDue(now)) this.#emitRefilled(budget);
    // Served in the order of their last grants, so that within one tick a bucket's identify leaves at
    // the same place every round: the gateway measures the spacing between arrivals, and a bucket
    // moving from first to last of 16 sends would arrive that much closer to its previous identify.
    const ready = [...this.#buckets.values()]
      .filter((bucket) => bucket.queue.length > 0 && this.#isSlotFree(bucket, now))
      .sort(
        (a, b) =>
          (a.lastGrantSeq ?? -1) - (b.lastGrantSeq ?? -1) || (a.queue[0]?.seq ?? 0) - (b.queue[0]?.seq ?? 0),
      );
    for (const bucket of ready) {
      // docs/protocol/gateway.md §5: never identify past the daily budget (Discord would reset the token).
      if (budget !== undefined && budget.remaining === 0) break;
      this.#grant(bucket, now);
    }
    const holding = budget !== undefined && budget.remaining === 0 && this.#waiting > 0;
    if (holding && !this.#holding) {
      const payload = { resetAt: budget.resetAt, waiting: this.#waiting };
      this.#pendingEvents.push(() => this.emit('budgetExhausted', payload));
    }
    this.#holding = holding;
  }

  /** docs/protocol/gateway.md §5: one Identify per bucket per interval. */
  #isSlotFree(bucket: Bucket, now: number): boolean {
    return bucket.lastGrantAt === undefined || now >= this.#nextSlot(bucket);
  }

  /**
   * When a used bucket may grant again: `intervalMs` after its last identify's answer (or grant), and
   * not before that answer came, for at most `answerTimeoutMs` after the grant: an identify still
   * unanswered may still be on its way, and counting from its grant could put the next one too close.
   */
  #nextSlot(bucket: Bucket): number {
    return this.#nextSlotAfter(bucket.lastGrantAt ?? 0, bucket.answeredAt);
  }

  #nextSlotAfter(grantedAt: number, answeredAt: number | undefined): number {
    if (answeredAt !== undefined) return Math.max(grantedAt, answeredAt) + this.#intervalMs;
    return grantedAt + Math.max(this.#intervalMs, this.#answerTimeoutMs);
  }

  #grant(bucket: Bucket, now: number): void {
    const waiter = bucket.queue.shift();
    if (waiter === undefined) return;
    this.#waiting -= 1;
    waiter.signal.removeEventListener('abort', waiter.onAbort);
    bucket.lastGrantAt = now;
    bucket.answeredAt = undefined;
    bucket.lastShardId = waiter.shardId;
    bucket.lastGrantSeq = this.#granted;
    this.#granted += 1;
    if (this.#budget !== undefined) this.#budget.remaining -= 1;
    waiter.resolve();
    const payload = {
      shardId: waiter.shardId,
      bucket: this.bucketOf(waiter.shardId),
      at: now,
      remaining: this.#budget?.remaining ?? null,
    };
    this.#pendingEvents.push(() => this.emit('identifyGranted', payload));
  }

  /** A refill ends a hold; if the new budget runs out while shards still wait, that is a new hold. */
  #emitRefilled(budget: SessionBudget): void {
    this.#holding = false;
    const payload = { total: budget.total, remaining: budget.remaining, resetAt: budget.resetAt };
    this.#pendingEvents.push(() => this.emit('budgetRefilled', payload));
  }

  /** One timer, for the earliest moment a waiter could go: a bucket's next slot, or the budget reset. */
  #schedule(now: number): void {
    const budget = this.#budget;
    let wakeAt = Infinity;
    for (const bucket of this.#buckets.values()) {
      if (bucket.queue.length === 0) continue;
      let at = bucket.lastGrantAt === undefined ? now : this.#nextSlot(bucket);
      if (budget !== undefined && budget.remaining === 0) at = Math.max(at, budget.resetAt);
      wakeAt = Math.min(wakeAt, at);
    }
    if (this.#timer !== undefined && this.#timer.at === wakeAt) return;
    if (this.#timer !== undefined) this.#clearTimer(this.#timer.handle);
    this.#timer = undefined;
    if (wakeAt === Infinity) return;
    const handle = this.#setTimer(
      () => {
        this.#timer = undefined;
        this.#pump();
      },
      Math.min(MAX_TIMER_MS, Math.max(0, wakeAt - now)),
    );
    this.#timer = { handle, at: wakeAt };
  }

  #setTimer(callback: () => void, ms: number): unknown {
    const options = this.#options;
    return options.setTimeout ? options.setTimeout(callback, ms) : setTimeout(callback, ms);
  }

  #clearTimer(handle: unknown): void {
    const options = this.#options;
    if (options.clearTimeout) options.clearTimeout(handle);
    else clearTimeout(handle as ReturnType<typeof setTimeout>);
  }

  /** Listeners run after the gate's state is consistent; one that waits or aborts re-enters safely. */
  #flushEvents(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      for (let emit = this.#pendingEvents.shift(); emit; emit = this.#pendingEvents.shift()) emit();
    } finally {
      this.#flushing = false;
    }
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(`${name} must be a non-negative number, got ${String(value)}`);
  }
  return value;
}
