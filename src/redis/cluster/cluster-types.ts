import type { ShardManagerEvents } from '../../manager/shard-manager.js';
import type { ShardManagerOptions } from '../../manager/shard-manager-options.js';
import type { SessionStore } from '../../manager/session-store.js';
import type { RedisScriptClient } from '../client.js';
import type { RedisIdentifyGateOptions } from '../gate-types.js';
import type { DispatchSource } from '../stream/sink-options.js';

/**
 * What `ShardCluster`'s `sink` option takes: a `RedisStreamSink` (or anything with its `guard` and
 * `attach`). The cluster wraps its session store with `guard` and attaches the sink to itself.
 */
export interface ClusterSink {
  /** Wraps a session store so that no saved sequence runs ahead of what the sink has published. */
  guard(store: SessionStore): SessionStore;
  /** Publishes every dispatch of `source` from now on. */
  attach(source: DispatchSource): void;
}

/**
 * Which shards a process runs. `'dynamic'`: claimed through leases in Redis, taken over when their
 * process dies. `{ clusterId, clusterCount }`: a fixed, bucket-spreading share (process `clusterId` of
 * `clusterCount`, e.g. a Kubernetes StatefulSet ordinal); nothing moves when a process dies.
 */
export type ShardClusterMode =
  | 'dynamic'
  | {
      /** This process's index among the processes, from 0 (e.g. a StatefulSet ordinal). */
      readonly clusterId: number;
      /** How many processes share the bot's shards. */
      readonly clusterCount: number;
    };

/**
 * Options of `new ShardCluster(...)`: the manager's options, plus Redis and the mode. Worker threads
 * (`workers`) are not among them: each shard of a cluster runs in a one-shard manager of its own, so
 * a cluster uses more cores through more processes.
 */
export interface ShardClusterOptions extends Omit<
  ShardManagerOptions,
  'identifyGate' | 'sessionStore' | 'maxShards' | 'workers' | 'workerRespawn' | 'spawnWorker'
> {
  /** A connected client of the official `redis` package, or any `RedisScriptClient`. */
  readonly redis: RedisScriptClient;
  /** Prefix of every key (hash-tagged). One per bot; every process of the bot uses the same. Default `statecord`. */
  readonly keyPrefix?: string;
  /** `'dynamic'` (leases in Redis) or a fixed `{ clusterId, clusterCount }` share. */
  readonly mode: ShardClusterMode;
  /** The bot's shard count. Default: `shards` of `GET /gateway/bot`, read once at `start()`. */
  readonly totalShards?: number;
  /** Dynamic mode: a lease's lifetime in Redis. A dead process's shards move after about this long. Default 15 000 ms. */
  readonly leaseMs?: number;
  /** Dynamic mode: how often a process renews its leases and looks for unowned shards. At most leaseMs / 3. Default 3000 ms. */
  readonly renewMs?: number;
  /**
   * Dynamic mode: how long a process waits before claiming, after it starts and after Redis answers
   * again (so that every live owner re-asserted its leases first). At least 2 × renewMs. Default 2 × renewMs.
   */
  readonly claimGraceMs?: number;
  /** Dynamic mode: this process's name among the members (unique per process). Default a random UUID. */
  readonly memberId?: string;
  /** Tuning of the shared `RedisIdentifyGate` the cluster creates (e.g. a short `intervalMs` in tests). */
  readonly gate?: Omit<RedisIdentifyGateOptions, 'redis' | 'keyPrefix'>;
  /** TTL of the `RedisSessionStore` entries. Default its own (150 s). */
  readonly sessionTtlMs?: number;
  /**
   * A `RedisStreamSink` that publishes this process's dispatches. The cluster guards its session store
   * with it (`sink.guard(store)`: a saved sequence never runs ahead of what is published, so a process
   * that takes the shards over after a crash resumes from there and nothing buffered is lost) and
   * attaches it (`sink.attach(cluster)`). Checked in the constructor (`InvalidArgumentError`).
   */
  readonly sink?: ClusterSink;
}

/** Events of a `ShardCluster`: the manager's events of every shard it runs, and its ownership events. */
export interface ShardClusterEvents extends ShardManagerEvents {
  /**
   * This process now owns the shard and starts it: it resumes the session in the store if there is one
   * (a takeover), or identifies through the shared gate. `fence`: the lease's fencing token (raised by
   * every claim of that shard); null in static mode.
   */
  shardAcquired: {
    /** The shard's id. */
    readonly shardId: number;
    /** The lease's fencing token, or null in static mode. */
    readonly fence: number | null;
  };
  /**
   * This process gave the shard up, its session saved for the next owner: `stop` (the cluster
   * stopped), `handOver` (it held more than its fair share after another process joined) or `fault`
   * (its lease loop stopped on an internal error, so its leases would lapse: the shard stops before
   * another process can claim it, and the cluster reports a `ClusterStateError` warning).
   */
  shardReleased: {
    /** The shard's id. */
    readonly shardId: number;
    /**
     * `stop` (the cluster stopped), `handOver` (given to a process that joined), `fault` (see above) or
     * `reshard` (an old shard whose session a committed reshard ended; its new shards run here).
     */
    readonly reason: 'stop' | 'handOver' | 'fault' | 'reshard';
  };
  /** Another process holds the shard's lease: this process stopped the shard at once (fencing). */
  shardTakenOver: {
    /** The shard's id. */
    readonly shardId: number;
  };
}
