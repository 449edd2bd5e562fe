import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { RedisUnavailableError } from '../../errors.js';
import type { RedisScriptClient } from '../client.js';
import { pickClaims, pickReleases } from './assignment.js';
import { claimScript, releaseScript, tickScript } from './lease-scripts.js';

/** Timings of the dynamic mode (checked by `ShardCluster`). @internal */
export interface LeaseTimings {
  /** A lease's TTL in Redis (server clock). */
  readonly leaseMs: number;
  /** Time between two ticks (renewals); also the longest a tick's Redis call may take. */
  readonly renewMs: number;
  /** How long a process waits, after it starts or after Redis answers again, before it claims. */
  readonly claimGraceMs: number;
}

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
}

/**
 * The dynamic mode's lease loop of one process: every `renewMs` one script call heartbeats this
 * member, renews its leases and counts the unowned shards; then it claims its share of them.
 *
 * Rules (the why is in `ShardCluster`'s documentation):
 * - A renewal answered "taken" ends that shard here at once (`taken`).
 * - No answer (Redis down or unreachable) changes nothing: shards keep running, the next tick retries
 *   after `renewMs`. A lease that lapsed meanwhile is set again by the first answered tick, unless
 *   another process holds it (then `taken`).
 * - Claims wait `claimGraceMs` after this process starts, after Redis answers again, and after Redis
 *   lost its data (`{p}:epoch` changed): by then every live owner has re-asserted its leases.
 * @internal
 */
export class LeaseKeeper {
  /** Held leases: shard id → fencing token. */
  readonly held = new Map<number, number>();
  readonly memberId: string;
  readonly #redis: RedisScriptClient;
  readonly #prefix: string;
  readonly #timings: LeaseTimings;
  readonly #shardCount: number;
  readonly #maxConcurrency: number;
  readonly #events: LeaseKeeperEvents;
  /** Shards being handed over (still held and renewed until released). */
  readonly #handingOver = new Set<number>();
  #unownedBefore = new Set<number>();
  #membersBefore = '';
  #epoch: string | null = null;
  #claimAfter = Infinity;
  #failing = false;
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #tickDone: Promise<void> = Promise.resolve();

  constructor(
    redis: RedisScriptClient,
    prefix: string,
    shardCount: number,
    maxConcurrency: number,
    timings: LeaseTimings,
    events: LeaseKeeperEvents,
    memberId?: string,
  ) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#shardCount = shardCount;
    this.#maxConcurrency = maxConcurrency;
    this.#timings = timings;
    this.#events = events;
    this.memberId = memberId ?? randomUUID();
  }

  /** Runs the first tick (rejects with `RedisUnavailableError` if Redis does not answer), then ticks. */
  async start(): Promise<void> {
    this.#running = true;
    try {
      await this.#tick(true);
    } catch (error) {
      this.#running = false;
      throw error;
    }
    this.#schedule();
  }

  /** Stops ticking (after the tick under way); the leases stay until `release`. */
  async halt(): Promise<void> {
    this.#running = false;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#tickDone;
  }

  /** Gives up shards this process stopped (a hand-over, or a stop). Never rejects. */
  async release(shardIds: readonly number[], leave = false): Promise<void> {
    // After the tick under way: a renewal sent before the release and run after it would set the
    // lease again (a missing lease is re-asserted), and nobody could claim the shard for leaseMs.
    await this.#tickDone;
    const args = [this.memberId, `${this.#prefix}:lease:`, leave ? 'leave' : ''];
    for (const id of shardIds) {
      const fence = this.held.get(id);
      this.held.delete(id);
      this.#handingOver.delete(id);
      if (fence !== undefined) args.push(String(id), String(fence));
    }
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

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      this.#tickDone = this.#tick(false).catch(() => undefined);
      void this.#tickDone.then(() => this.#schedule());
    }, this.#timings.renewMs);
    this.#timer.unref();
  }

  async #tick(first: boolean): Promise<void> {
    const pairs = [...this.held];
    const proposedEpoch = randomUUID();
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
            String(this.#shardCount),
            proposedEpoch,
            ...pairs.flatMap(([id, fence]) => [String(id), String(fence)]),
          ],
        },
        this.#timings.renewMs,
      )) as typeof reply;
    } catch (error) {
      const wrapped =
        error instanceof RedisUnavailableError ? error : new RedisUnavailableError(String(error), error);
      if (first) throw wrapped;
      if (!this.#failing) this.#events.redis(wrapped);
      this.#failing = true;
      this.#claimAfter = Infinity;
      return;
    }
    if (!this.#running) return;
    const now = performance.now();
    const [epoch, members, statuses, unowned] = reply;
    if (this.#failing || first || epoch !== this.#epoch) this.#claimAfter = now + this.#timings.claimGraceMs;
    if (this.#failing) this.#events.redis(null);
    this.#failing = false;
    this.#epoch = epoch;
    pairs.forEach(([id, fence], index) => {
      if (statuses[index] !== 'taken' || this.held.get(id) !== fence) return;
      this.held.delete(id);
      this.#handingOver.delete(id);
      this.#events.taken(id);
    });
    const membersNow = members.join(',');
    const stable = membersNow === this.#membersBefore;
    this.#membersBefore = membersNow;
    const unownedIds = unowned.map(Number);
    if (now < this.#claimAfter) {
      this.#unownedBefore = new Set(unownedIds);
      return;
    }
    // Claims and hand-overs wait until the member list held still for a tick: processes that join
    // (or die) together are all counted in the fair share before anyone acts on it.
    if (!stable) {
      this.#unownedBefore = new Set(unownedIds);
      return;
    }
    if (unownedIds.length === 0) this.#handOver(members);
    await this.#claim(members, unownedIds);
  }

  #handOver(members: readonly string[]): void {
    const candidates = [...this.held.keys()].filter((id) => !this.#handingOver.has(id));
    const owned = candidates.length;
    const ids = pickReleases(
      candidates,
      this.#shardCount,
      this.#maxConcurrency,
      members,
      this.memberId,
    ).filter((id) => this.#events.canHandOver(id));
    if (ids.length === 0 || ids.length >= owned) return;
    for (const id of ids) this.#handingOver.add(id);
    this.#events.handOver(ids);
  }

  async #claim(members: readonly string[], unowned: readonly number[]): Promise<void> {
    const wanted = pickClaims({
      shardCount: this.#shardCount,
      maxConcurrency: this.#maxConcurrency,
      members,
      memberId: this.memberId,
      unowned,
      unownedBefore: this.#unownedBefore,
      owned: this.held.size - this.#handingOver.size,
    });
    this.#unownedBefore = new Set(unowned);
    if (wanted.length === 0) return;
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
            ...wanted.map(String),
          ],
        },
        this.#timings.renewMs,
      )) as number[];
    } catch {
      // Not answered: a claim that went through anyway is held by nobody here and lapses after leaseMs.
      return;
    }
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const id = Number(reply[i]);
      const fence = Number(reply[i + 1]);
      this.held.set(id, fence);
      this.#unownedBefore.delete(id);
      // Halted meanwhile: kept in `held`, so the cluster's final release gives it back.
      if (this.#running) this.#events.acquired(id, fence);
    }
  }
}
