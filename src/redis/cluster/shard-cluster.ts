import { randomUUID } from 'node:crypto';
import type { RESTGetAPIGatewayBotResult } from 'discord-api-types/v10';
import { ClusterStateError, InvalidArgumentError, ListenerError } from '../../errors.js';
import { GatewayHttp } from '../../http/index.js';
import { configureFromGatewayBot } from '../../manager/identify/default-gate.js';
import type { SessionStore } from '../../manager/session-store.js';
import type { ShardManagerOptions } from '../../manager/shard-manager-options.js';
import type { IdentifyGate } from '../../shard/identify-gate.js';
import type { Shard } from '../../shard/shard.js';
import { reportUnheardWarning } from '../../util/process-warning.js';
import { TypedEmitter } from '../../util/typed-emitter.js';
import { LuaScript } from '../client.js';
import { RedisIdentifyGate } from '../redis-identify-gate.js';
import { RedisSessionStore } from '../redis-session-store.js';
import { staticShards } from './assignment.js';
import type { ShardClusterEvents, ShardClusterMode, ShardClusterOptions } from './cluster-types.js';
import { LeaseKeeper } from './lease-keeper.js';
import type { ReshardOutcome } from '../../manager/reshard/resharder.js';
import type { ClusterReshardLeases } from '../../../machines/index.js';
import type { ClusterReshardHost } from './cluster-resharder.js';
import { ClusterReshards } from './cluster-reshards.js';
import { planClusterReshard } from './cluster-reshard-options.js';
import type { ClusterReshardOptions } from './cluster-reshard-options.js';
import { ReshardRecords } from './reshard-record.js';
import { resolveClusterOptions } from './resolve-cluster-options.js';
import { ShardRunner } from './shard-runner.js';
import type { RelayedEvents } from './shard-runner.js';

export type {
  ClusterSink,
  ShardClusterEvents,
  ShardClusterMode,
  ShardClusterOptions,
} from './cluster-types.js';

const pingScript = new LuaScript('return 1');

/**
 * Runs a share of a bot's shards in this process, with every other process of the bot, on one Redis:
 * one shared identify gate ({@link RedisIdentifyGate}), one shared session store
 * ({@link RedisSessionStore}), and, in dynamic mode, shard ownership by leases.
 *
 * **Static mode** (`mode: { clusterId, clusterCount }`): process `clusterId` runs the shards
 * `(id % max_concurrency + ⌊id / max_concurrency⌋) % clusterCount === clusterId` — every process holds
 * shards of every identify bucket, and each round of identifies spreads over processes. A process that
 * restarts resumes its shards from the store; nothing moves while it is down.
 *
 * **Dynamic mode** (`mode: 'dynamic'`): each shard is owned through a lease in Redis
 * (`{p}:lease:<id>` = `<member>|<fence>`, `PX leaseMs` on the server's clock). Every `renewMs` each
 * process renews its leases and claims unowned shards up to its fair share `⌈shards / processes⌉`,
 * its bucket-spreading slice first. A process that dies stops renewing; after `leaseMs` its leases lapse
 * and the survivors take its shards, which **resume** from the store (RESUME on the session's
 * `resume_gateway_url`: the gateway replays what the stored sequence missed, duplicates are dropped by
 * `(sessionId, seq)`); a session too old to resume identifies through the shared gate. A process that
 * joins gets shards handed over by those above their share (stopped resumably, then resumed by it).
 *
 * **Fencing, and the rule for Redis outages.** A renewal that finds the lease held by another process
 * stops that shard at once (`shardTakenOver`; the close is resumable, so the new owner's RESUME is
 * honoured). A renewal must be answered within `renewMs` (its deadline, shorter than the lease); one
 * that is not (Redis down, or this process cut off from it) stops nothing, because a process cannot
 * tell an outage of Redis from a partition of its own, and stopping on silence would stop every shard
 * of every process while Redis is down. Running shards keep delivering. Why that stays safe:
 * - A lease changes hands only through Redis, atomically (`SET … PX` only on a missing key). While
 *   Redis is down nobody takes anything.
 * - When Redis answers again (or lost its data: its `{p}:epoch` key changed), no process claims for
 *   `claimGraceMs` (≥ 2 renew periods), while every live owner's first answered renewal (within one
 *   renew period) re-asserts the leases it still holds. After an outage shards stay with their owners.
 * - A process cut off from Redis alone (a partition, or frozen) loses its leases after `leaseMs`; the
 *   new owner RESUMEs the same session, which moves it to the new connection: only one connection
 *   receives its dispatches (docs/protocol/gateway.md §7). The old owner's first renewal that reaches
 *   Redis finds the lease taken and stops the shard: within one renew period of reaching Redis.
 *
 * So two processes never both receive one session's dispatches for longer than one renew period once
 * both reach Redis. The one case left: a takeover that cannot resume (the session expired, or the store
 * lost it) identifies a new session while the old owner is still cut off; both then receive the shard's
 * events until the old owner reaches Redis. Keep `leaseMs` well above your longest network blip.
 *
 * **Resharding.** `reshard(newCount)` (dynamic mode, a multiple of the count) moves every process to
 * the new count without downtime, coordinated through Redis (docs/protocol/resharding.md §4, §5).
 *
 * **Event sink.** With `sink` (a `RedisStreamSink`), the cluster saves sessions through
 * `sink.guard(store)` and attaches the sink: a saved sequence never runs ahead of what is published,
 * so the process that takes a killed process's shards over resumes them from there and nothing the
 * killed process still buffered is lost (consumers drop the replayed copies by `(sessionId, seq)`).
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { GatewayIntentBits } from 'statecord';
 * import { ShardCluster } from 'statecord/redis';
 *
 * const redis = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 * const token = process.env.DISCORD_TOKEN!;
 * const cluster = new ShardCluster({ redis, token, intents: GatewayIntentBits.Guilds, keyPrefix: 'mybot', mode: 'dynamic' });
 * cluster.on('dispatch', ({ shard, payload }) => console.log(shard.id, payload.t));
 * await cluster.start();
 * ```
 */
export class ShardCluster extends TypedEmitter<ShardClusterEvents> {
  /** The identify gate every process of the bot shares. */
  readonly identifyGate: RedisIdentifyGate;
  /** The session store every process of the bot shares (with `sink`, the shards save through the sink's guard). */
  readonly sessionStore: RedisSessionStore;
  /** What the shards save to: `sessionStore`, guarded by the `sink` when one was given. */
  readonly #store: SessionStore;
  readonly #options: ShardClusterOptions;
  readonly #mode: ShardClusterMode;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #renewMs: number;
  readonly #claimGraceMs: number;
  readonly #managerOptions: ShardManagerOptions;
  readonly #runners = new Map<number, ShardRunner>();
  /** What shards wait on: the shared gate, seen by the managers as a plain gate (the cluster configures it). */
  readonly #gateForShards: IdentifyGate;
  #keeper: LeaseKeeper | null = null;
  /** Cluster reshards (docs/protocol/resharding.md §4): the records in Redis, and this process's part. */
  readonly #records: ReshardRecords;
  readonly #reshards: ClusterReshards;
  #state: 'idle' | 'starting' | 'running' | 'stopping' = 'idle';
  #totalShards = 0;

  /** @param options - checked synchronously (`InvalidArgumentError` naming the option) */
  constructor(options: ShardClusterOptions) {
    super();
    const resolved = resolveClusterOptions(options);
    this.#prefix = resolved.prefix;
    this.#mode = resolved.mode;
    this.#leaseMs = resolved.leaseMs;
    this.#renewMs = resolved.renewMs;
    this.#claimGraceMs = resolved.claimGraceMs;
    this.#managerOptions = resolved.managerOptions;
    this.#options = options;
    const { redis, keyPrefix, gate, sessionTtlMs, sink } = options;
    this.identifyGate = new RedisIdentifyGate({
      ...gate,
      redis,
      ...(keyPrefix === undefined ? {} : { keyPrefix }),
      ...(options.maxConcurrency === undefined ? {} : { maxConcurrency: options.maxConcurrency }),
    });
    this.sessionStore = new RedisSessionStore({
      redis,
      ...(keyPrefix === undefined ? {} : { keyPrefix }),
      ...(sessionTtlMs === undefined ? {} : { ttlMs: sessionTtlMs }),
    });
    this.#records = new ReshardRecords(redis, this.#prefix, this.#renewMs);
    this.#reshards = new ClusterReshards({
      records: this.#records,
      renewMs: this.#renewMs,
      running: () => this.#state === 'running' && this.#keeper !== null,
      count: () => this.#totalShards,
      adoptCount: (count) => {
        this.#totalShards = count;
        this.#keeper?.resize(count, []);
      },
      resharderHost: () => this.#reshardHost(),
      started: (from, to) => this.emit('reshardStarted', { from, to }),
      done: (outcome, from, to) => this.emit('resharded', { ...outcome, from, to }),
      failed: (error) => this.emit('reshardFailed', { error }),
    });
    this.#store = sink === undefined ? this.sessionStore : sink.guard(this.sessionStore);
    const shared = this.identifyGate;
    this.#gateForShards = {
      waitForIdentify: (shardId, signal) => shared.waitForIdentify(shardId, signal),
      identifyAnswered: (shardId) => shared.identifyAnswered(shardId),
    };
    shared.on('budgetExhausted', (event) => this.emit('budgetExhausted', event));
    shared.onWarning((error, context) => this.#warn(error, context));
    sink?.attach(this);
  }

  /** The shards this process runs now. */
  get shards(): readonly Shard[] {
    return [...this.#runners.values()].map((runner) => runner.shard);
  }

  /** The ids of the shards this process runs now, ascending. */
  get shardIds(): number[] {
    return [...this.#runners.keys()].sort((a, b) => a - b);
  }

  /** The bot's shard count (known once `start()` resolved). */
  get totalShardCount(): number {
    return this.#totalShards;
  }

  /** This process's member id (dynamic mode; null in static mode or before `start()`). */
  get memberId(): string | null {
    return this.#keeper?.memberId ?? null;
  }

  /**
   * Joins the cluster: reads `GET /gateway/bot` once (shard count, `max_concurrency`, budget), then
   * starts its static share, or (dynamic) starts claiming. Resolves once that is under way (shards
   * report `shardReady`, then `ready`). Rejects with `RedisUnavailableError` when Redis does not answer,
   * with an `Http*Error` when `GET /gateway/bot` fails, and with `InvalidArgumentError` when a static
   * `clusterCount` exceeds the shard count.
   */
  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new ClusterStateError(`start() while ${this.#state}`);
    this.#state = 'starting';
    try {
      await pingScript.run(this.#options.redis, { keys: [`${this.#prefix}:ping`], arguments: [] }, 2_000);
      const info = await this.#gatewayInfo();
      if (info !== null) configureFromGatewayBot(this.identifyGate, info);
      this.#totalShards = this.#options.totalShards ?? info?.shards ?? 1;
      // After a cluster reshard the count committed in Redis is the bot's (docs/protocol/resharding.md §4).
      if (this.#mode === 'dynamic') this.#totalShards = (await this.#records.count()) ?? this.#totalShards;
      const mc = this.identifyGate.maxConcurrency;
      if (this.#mode === 'dynamic') {
        const keeper = new LeaseKeeper(
          this.#options.redis,
          this.#prefix,
          this.#totalShards,
          mc,
          { leaseMs: this.#leaseMs, renewMs: this.#renewMs, claimGraceMs: this.#claimGraceMs },
          {
            acquired: (shardId, fence) => this.#acquire(shardId, fence),
            taken: (shardId) => void this.#takenOver(shardId),
            handOver: (shardIds) => void this.#handOver(shardIds),
            // No hand-over during a reshard: both copies of an event must meet in one process (§5).
            canHandOver: (shardId) =>
              this.#reshards.active === null && this.#runners.get(shardId)?.shard.state === 'ready',
            fault: (error) => void this.#leaseFault(error),
            redis: (error) => {
              if (error !== null)
                this.#warn(
                  error,
                  'the shard cluster cannot reach Redis; running shards go on, nothing is claimed',
                );
            },
          },
          this.#options.memberId,
        );
        this.#keeper = keeper;
        await keeper.start();
        this.#reshards.watch();
      } else {
        const { clusterId, clusterCount } = this.#mode;
        if (clusterCount > this.#totalShards) {
          throw new InvalidArgumentError(
            `ShardCluster: clusterCount ${clusterCount} exceeds the shard count ${this.#totalShards}`,
          );
        }
        for (const shardId of staticShards(this.#totalShards, mc, clusterId, clusterCount)) {
          this.#acquire(shardId, null);
        }
      }
      this.#state = 'running';
    } catch (error) {
      this.#keeper = null;
      this.#state = 'idle';
      throw error;
    }
  }

  /**
   * Moves the whole bot (every process) to `newCount` shards without downtime
   * (docs/protocol/resharding.md §4, §5). Call it in one process; every other process takes part
   * through Redis. `newCount` must be a multiple of the current count (dynamic mode only): each
   * process starts, for each old shard `i` it holds, the new shards `j ≡ i (mod old count)` next to it,
   * identifying through the shared gate, so both copies of every event reach the same process and are
   * delivered once there. When every new shard of the cluster is loaded and the sets overlapped for
   * `overlapMs`, one script commits (the new leases, the new count); each process then ends its old
   * sessions and keeps its new shards. Events on every process: `reshardStarted`, then `resharded` or
   * `reshardFailed`. Resolves with this process's counts once its tail (`dedupeWindowMs`) passed.
   *
   * Rejects with `ReshardBudgetError` (before any IDENTIFY) when `GET /gateway/bot`'s remaining session
   * starts cannot cover `newCount`; `InvalidArgumentError` for a count that is not a larger multiple or
   * a bad option; `ReshardStateError` (static mode, not running, a reshard under way); an `Http*Error`;
   * `ReshardFailedError` (stage `start`) when the reshard was aborted before its commit — another
   * reshard runs, an old shard had no owner or changed owner (a process died or joined and took a
   * shard), a new shard failed, a process gave up or stopped, or `startTimeoutMs` passed: every new
   * shard is stopped and the old set runs on; `ShardStoppedError` when `stop()` cancelled it.
   */
  async reshard(newCount: number, options?: ClusterReshardOptions): Promise<ReshardOutcome> {
    const settings = planClusterReshard(newCount, options, {
      running: this.#state === 'running',
      dynamic: this.#mode === 'dynamic',
      resharding: this.#reshards.active !== null,
      count: this.#totalShards,
    });
    const { newCount: to, ...windows } = settings;
    return new Promise<ReshardOutcome>((resolve, reject) =>
      this.#reshards.takePart(
        { id: randomUUID(), coordinator: true, from: this.#totalShards, to, owners: null, ...windows },
        { resolve, reject },
      ),
    );
  }

  #reshardHost(): ClusterReshardHost {
    const keeper = this.#keeper!;
    return {
      memberId: keeper.memberId,
      records: this.#records,
      store: this.#store,
      leaseMs: this.#leaseMs,
      renewMs: this.#renewMs,
      getBot: (signal) => this.#http().getBot({ signal }),
      useGatewayInfo: (info) => configureFromGatewayBot(this.identifyGate, info),
      heldOld: () => new Map([...keeper.held].filter(([id]) => this.#runners.has(id))),
      createRunner: (id, count, store, relay) =>
        new ShardRunner(id, count, this.#managerOptions, { gate: this.#gateForShards, store }, relay),
      deliver: (shard, payload) => this.emit('dispatch', { shard, payload }),
      relay: (event, payload) => this.#relay(event, payload),
      handOver: (oldIds, runners, count, leases) => this.#reshardHandOver(oldIds, runners, count, leases),
      warn: (error, context) => this.#warn(error, context),
      inspect: undefined,
    };
  }

  /** The commit: old sessions ended, the new runners are this process's shards, the new count. */
  async #reshardHandOver(
    oldIds: readonly number[],
    runners: ReadonlyMap<number, ShardRunner>,
    count: number,
    leases: ClusterReshardLeases,
  ): Promise<void> {
    const old = oldIds.flatMap((id) => this.#runners.get(id) ?? []);
    for (const runner of old) this.#runners.delete(runner.shardId);
    await Promise.all(old.map((runner) => runner.stop(false)));
    for (const runner of old) this.emit('shardReleased', { shardId: runner.shardId, reason: 'reshard' });
    this.#totalShards = count;
    this.#keeper?.resize(count, [...leases]);
    if (this.#state !== 'running') {
      // stop() came during the handover: it did not see these runners, so stop them here (resumably).
      await Promise.all([...runners.values()].map((runner) => runner.stop(true)));
      return;
    }
    for (const [shardId, runner] of runners) {
      this.#runners.set(shardId, runner);
      this.emit('shardAcquired', { shardId, fence: this.#keeper?.held.get(shardId) ?? null });
    }
  }

  /**
   * Leaves the cluster: stops claiming, stops every shard and releases its lease. With `resumable`
   * (default true) each session is closed resumably and saved first, so the processes that take the
   * shards over resume them; with false the sessions end (use it when the whole bot shuts down).
   */
  async stop(options: { resumable?: boolean } = {}): Promise<void> {
    if (this.#state !== 'running') return;
    this.#state = 'stopping';
    const resumable = options.resumable ?? true;
    const keeper = this.#keeper;
    await this.#reshards.stop();
    await keeper?.halt();
    const runners = [...this.#runners.values()];
    this.#runners.clear();
    await Promise.all(runners.map((runner) => runner.stop(resumable)));
    await keeper?.release([...keeper.held.keys()], true);
    for (const runner of runners) this.emit('shardReleased', { shardId: runner.shardId, reason: 'stop' });
    this.#keeper = null;
    this.#state = 'idle';
  }

  async #gatewayInfo(): Promise<RESTGetAPIGatewayBotResult | null> {
    if (this.#options.fetchGatewayInfo === false) return null;
    return this.#http().getBot();
  }

  #http(): GatewayHttp {
    return new GatewayHttp({
      token: this.#options.token,
      ...(this.#options.restUrl === undefined ? {} : { restUrl: this.#options.restUrl }),
    });
  }

  #acquire(shardId: number, fence: number | null): void {
    if (this.#runners.has(shardId)) return;
    const runner = new ShardRunner(
      shardId,
      this.#totalShards,
      this.#managerOptions,
      { gate: this.#gateForShards, store: this.#store },
      (event, payload) => this.#relay(event, payload),
    );
    this.#runners.set(shardId, runner);
    this.emit('shardAcquired', { shardId, fence });
    runner.start();
  }

  /** Fencing: another process holds the lease; stop at once (resumably: the new owner resumes). */
  async #takenOver(shardId: number): Promise<void> {
    const runner = this.#runners.get(shardId);
    if (runner === undefined) return;
    this.#runners.delete(shardId);
    this.#reshards.active?.lost(shardId);
    await runner.stop(true);
    this.emit('shardTakenOver', { shardId });
  }

  /** The lease loop died (a bug): the leases will lapse, so stop every shard resumably before they do. */
  async #leaseFault(error: Error): Promise<void> {
    this.#warn(
      new ClusterStateError('the lease loop stopped on an internal error; its shards are stopped', {
        cause: error,
      }),
      'the shard cluster stopped its shards: nothing renews their leases',
    );
    const runners = [...this.#runners.values()];
    this.#runners.clear();
    await Promise.all(runners.map((runner) => runner.stop(true)));
    for (const runner of runners) this.emit('shardReleased', { shardId: runner.shardId, reason: 'fault' });
  }

  /** More than the fair share: stop resumably (the session is saved), then release the leases. */
  async #handOver(shardIds: readonly number[]): Promise<void> {
    const runners = shardIds.flatMap((id) => this.#runners.get(id) ?? []);
    for (const runner of runners) this.#runners.delete(runner.shardId);
    await Promise.all(runners.map((runner) => runner.stop(true)));
    await this.#keeper?.release(shardIds);
    for (const runner of runners) this.emit('shardReleased', { shardId: runner.shardId, reason: 'handOver' });
  }

  #relay<K extends keyof RelayedEvents>(event: K, payload: RelayedEvents[K]): void {
    const reshard = this.#reshards.active;
    if (event === 'dispatch' && reshard !== null) {
      // During a reshard the old shards' dispatches pass the overlap's dedupe (docs/protocol/resharding.md §5).
      if (!reshard.admitOld((payload as RelayedEvents['dispatch']).payload)) return;
    }
    if (event === 'shardReady') {
      const shards = this.shards;
      const ready = shards.filter((shard) => shard.state === 'ready').length;
      this.emit('shardReady', {
        shard: (payload as RelayedEvents['shardReady']).shard,
        ready,
        total: shards.length,
      });
      if (ready === shards.length) this.emit('ready', { shards: ready });
      return;
    }
    this.emit(event, payload as ShardClusterEvents[K]);
  }

  #warn(error: unknown, context: string): void {
    const wrapped = error instanceof Error ? error : new Error(String(error));
    if (!this.emit('warning', { error: wrapped, context, shard: null }))
      reportUnheardWarning(wrapped, context);
  }

  protected override onListenerError(event: string, error: unknown): void {
    const wrapped = new ListenerError(event, error);
    if (event === 'warning') reportUnheardWarning(wrapped);
    else this.#warn(wrapped, `a listener for "${event}" failed`);
  }
}
