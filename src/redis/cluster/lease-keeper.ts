import { randomUUID } from 'node:crypto';
import { createActor } from 'xstate';
import type { Actor, ActorOptions, AnyActorLogic, InspectionEvent, Observer } from 'xstate';
import { leaseMachine } from '../../../machines/lease.machine.js';
import type { LeasePair, LeaseTimings } from '../../../machines/lease.types.js';
import { RedisUnavailableError } from '../../errors.js';
import type { RedisScriptClient } from '../client.js';
import { claimScript, releaseScript, tickScript } from './lease-scripts.js';

export type { LeaseTimings } from '../../../machines/lease.types.js';

/** What a {@link LeaseKeeper} tells its cluster. @internal */
export interface LeaseKeeperEvents {
  /** This process now holds the shard's lease: start it. */
  readonly acquired: (shardId: number, fence: number) => void;
  /** Another process holds the shard's lease: stop it at once. */
  readonly taken: (shardId: number) => void;
  /** This process holds more than its fair share: hand these over (stop, then `release`). */
  readonly handOver: (shardIds: readonly number[]) => void;
  /**
   * Whether a shard may be handed over now: only a shard with a live session, which the next owner
   * resumes. One still identifying would leave a session nobody holds and cost a second identify.
   */
  readonly canHandOver: (shardId: number) => boolean;
  /** Redis failed or answered again (`error` null). */
  readonly redis: (error: RedisUnavailableError | null) => void;
  /**
   * The lease machine stopped on an internal error (a bug, e.g. a callback above that threw): nothing
   * renews the leases any more, so the cluster must stop its shards before they lapse and another
   * process claims them.
   */
  readonly fault: (error: Error) => void;
}

type Clock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;

/** Test hooks of a {@link LeaseKeeper}: the machine's clock and an inspection observer. @internal */
export interface LeaseKeeperHooks {
  /** The machine's clock (xstate's `SimulatedClock` in model tests). Default: unref'd timers. */
  readonly clock?: Clock;
  /** Inspection of the lease actor (the model test records the transitions taken). */
  readonly inspect?: (event: InspectionEvent) => void;
}

/** Timers that do not keep the process alive (as a forgotten cluster's lease loop should not). */
const unrefClock: Clock = {
  setTimeout: (fn: () => void, timeout: number) => {
    const timer = setTimeout(fn, timeout);
    timer.unref();
    return timer;
  },
  clearTimeout: (id: unknown) => clearTimeout(id as NodeJS.Timeout),
};

/**
 * The dynamic mode's lease loop of one process: the adapter of the lease machine
 * (`machines/lease.machine.ts`, diagram in `diagrams/lease.md`), which makes every decision. This
 * class runs the Redis script calls the machine asks for, sends their answers back, and turns the
 * machine's announcements into the cluster's callbacks.
 *
 * Rules (the why is in `ShardCluster`'s documentation and docs/protocol/gateway.md §6.1):
 * - A renewal answered "taken" ends that shard here at once (`taken`).
 * - No answer (Redis down or unreachable) changes nothing: shards keep running, the next tick retries
 *   after `renewMs`. A lease that lapsed meanwhile is set again by the first answered tick, unless
 *   another process holds it (then `taken`).
 * - Claims wait `claimGraceMs` after this process starts, after Redis answers again, and after Redis
 *   lost its data (`{p}:epoch` changed): by then every live owner has re-asserted its leases.
 * @internal
 */
export class LeaseKeeper {
  readonly memberId: string;
  readonly #redis: RedisScriptClient;
  readonly #prefix: string;
  readonly #timings: LeaseTimings;
  readonly #events: LeaseKeeperEvents;
  readonly #actor: Actor<typeof leaseMachine>;
  /** The tick under way, with the claim that follows it. */
  #tickDone: Promise<RedisUnavailableError | null> = Promise.resolve(null);
  #claimDone: Promise<void> | null = null;
  #faulted = false;
  /** The first tick's outcome: `start()` rejects with its error. */
  #firstTick: Promise<RedisUnavailableError | null> | null = null;

  constructor(
    redis: RedisScriptClient,
    prefix: string,
    shardCount: number,
    maxConcurrency: number,
    timings: LeaseTimings,
    events: LeaseKeeperEvents,
    memberId?: string,
    hooks: LeaseKeeperHooks = {},
  ) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#timings = timings;
    this.#events = events;
    this.memberId = memberId ?? randomUUID();
    this.#actor = createActor(leaseMachine, {
      input: { memberId: this.memberId, shardCount, maxConcurrency, timings },
      clock: hooks.clock ?? unrefClock,
      ...(hooks.inspect === undefined ? {} : { inspect: hooks.inspect }),
    });
    this.#actor.on('tick', ({ pairs }) => {
      this.#tickDone = this.#tick(pairs);
      this.#firstTick ??= this.#tickDone;
    });
    this.#actor.on('claim', ({ shardIds }) => {
      this.#claimDone = this.#claim(shardIds);
    });
    // The cluster's callbacks run inside the machine's emit: xstate rethrows a listener's error on a
    // timer, which would crash the process. A throw there, or in a guard or action of the machine, is a
    // bug: the loop halts, and the cluster stops the shards whose leases nothing renews now (no two
    // owners, docs/protocol/gateway.md §6.1).
    const guard =
      <E>(handle: (event: E) => void) =>
      (event: E) => {
        try {
          handle(event);
        } catch (error) {
          this.#fault(error);
        }
      };
    this.#actor.on(
      'acquired',
      guard(({ leases }) => leases.forEach(([id, fence]) => events.acquired(id, fence))),
    );
    this.#actor.on(
      'taken',
      guard(({ shardIds }) => shardIds.forEach((id) => events.taken(id))),
    );
    this.#actor.on(
      'handOver',
      guard(({ shardIds }) => events.handOver(shardIds)),
    );
    this.#actor.on(
      'redisDown',
      guard(({ error }) => events.redis(asUnavailable(error))),
    );
    this.#actor.on(
      'redisUp',
      guard(() => events.redis(null)),
    );
    const observer: Observer<unknown> = { error: (error) => this.#fault(error) };
    this.#actor.subscribe(observer);
  }

  /** Held leases: shard id → fencing token. */
  get held(): ReadonlyMap<number, number> {
    return this.#actor.getSnapshot().context.held;
  }

  /** Runs the first tick (rejects with `RedisUnavailableError` if Redis does not answer), then ticks. */
  async start(): Promise<void> {
    this.#actor.start();
    const error = await this.#firstTick;
    if (error !== null) throw error;
  }

  /** Stops ticking (after the tick under way); the leases stay until `release`. */
  async halt(): Promise<void> {
    this.#actor.send({ type: 'halt' });
    await this.#tickDone;
  }

  /** The loop's first internal error: halt it and tell the cluster, once. */
  #fault(error: unknown): void {
    if (this.#faulted) return;
    this.#faulted = true;
    this.#actor.send({ type: 'halt' });
    this.#events.fault(error instanceof Error ? error : new Error(String(error)));
  }

  /** Resolves once the tick under way (and its claim) ended. @internal (model tests) */
  async settled(): Promise<void> {
    await this.#tickDone;
  }

  /** The lease actor's snapshot. @internal (model tests) */
  get snapshot() {
    return this.#actor.getSnapshot();
  }

  /**
   * A cluster reshard committed: ticks use the new shard count from now on, and the leases the commit
   * set for this process (`adopted`) are held and renewed.
   */
  resize(shardCount: number, adopted: readonly LeasePair[]): void {
    this.#actor.send({ type: 'resize', shardCount, adopted });
  }

  /** Gives up shards this process stopped (a hand-over, or a stop). Never rejects. */
  async release(shardIds: readonly number[], leave = false): Promise<void> {
    // After the tick under way: a renewal sent before the release and run after it would set the
    // lease again (a missing lease is re-asserted), and nobody could claim the shard for leaseMs.
    await this.#tickDone;
    const args = [this.memberId, `${this.#prefix}:lease:`, leave ? 'leave' : ''];
    for (const id of shardIds) {
      const fence = this.held.get(id);
      if (fence !== undefined) args.push(String(id), String(fence));
    }
    this.#actor.send({ type: 'release', shardIds });
    try {
      await releaseScript.run(
        this.#redis,
        { keys: [this.#keys.members], arguments: args },
        this.#timings.renewMs,
      );
    } catch {
      // The leases lapse by themselves after leaseMs.
    }
  }

  get #keys() {
    const p = this.#prefix;
    return { members: `${p}:members`, epoch: `${p}:epoch`, fences: `${p}:fences` };
  }

  /**
   * One tick script call; its answer (or failure) goes to the machine, then the claim it asks for
   * runs. Never rejects: resolves with the error of an unanswered call.
   */
  async #tick(pairs: readonly LeasePair[]): Promise<RedisUnavailableError | null> {
    let reply: [string, string[], string[], number[]];
    try {
      reply = (await tickScript.run(
        this.#redis,
        {
          keys: [this.#keys.members, this.#keys.epoch],
          arguments: [
            this.memberId,
            String(this.#timings.leaseMs),
            String(this.#timings.leaseMs),
            `${this.#prefix}:lease:`,
            String(this.#actor.getSnapshot().context.shardCount),
            randomUUID(),
            ...pairs.flatMap(([id, fence]) => [String(id), String(fence)]),
          ],
        },
        this.#timings.renewMs,
      )) as typeof reply;
    } catch (error) {
      const wrapped = asUnavailable(error);
      this.#actor.send({ type: 'tick.failed', error: wrapped });
      return wrapped;
    }
    const [epoch, members, statuses, unowned] = reply;
    this.#claimDone = null;
    this.#actor.send({
      type: 'tick.answered',
      pairs,
      epoch,
      members,
      statuses,
      unowned: unowned.map(Number),
      ready: pairs.map(([id]) => id).filter((id) => this.#events.canHandOver(id)),
    });
    const claim = this.#claimDone as Promise<void> | null;
    if (claim !== null) await claim;
    return null;
  }

  async #claim(shardIds: readonly number[]): Promise<void> {
    let reply: number[];
    try {
      reply = (await claimScript.run(
        this.#redis,
        {
          keys: [this.#keys.fences],
          arguments: [
            this.memberId,
            String(this.#timings.leaseMs),
            `${this.#prefix}:lease:`,
            ...shardIds.map(String),
          ],
        },
        this.#timings.renewMs,
      )) as number[];
    } catch {
      this.#actor.send({ type: 'claim.failed' });
      return;
    }
    const claimed: LeasePair[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) claimed.push([Number(reply[i]), Number(reply[i + 1])]);
    this.#actor.send({ type: 'claim.answered', claimed });
  }
}

function asUnavailable(error: unknown): RedisUnavailableError {
  return error instanceof RedisUnavailableError ? error : new RedisUnavailableError(String(error), error);
}
