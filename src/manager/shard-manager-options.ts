import type { Worker } from 'node:worker_threads';
import type { WorkerSupervisorConfig } from '../../machines/index.js';
import type { GatewayClientOptions } from '../options/client-options.js';
import type { SessionStore } from './session-store.js';

/** The default of {@link ShardManagerOptions.maxShards}. */
export const DEFAULT_MAX_SHARDS = 2_500;

/** Options of `new ShardManager(...)`: the shared client options, plus how the manager runs its shards. */
export interface ShardManagerOptions extends GatewayClientOptions {
  /**
   * `max_concurrency` until `/gateway/bot` says otherwise. Default 1. A bot that gives its own lets
   * identify round 0 (one shard per bucket) connect while `GET /gateway/bot` is asked at start; their
   * IDENTIFYs still wait for its answer (docs/protocol/gateway.md §13).
   */
  readonly maxConcurrency?: number;
  /** Interval per identify bucket. Default 5000 ms (Discord's). */
  readonly identifyIntervalMs?: number;
  /**
   * Added to `identifyIntervalMs` between two identifies of a bucket. The default gate counts a bucket's
   * next interval from the gateway's answer (READY or op 9) to its last identify, so delays on the way
   * (event-loop pauses, network jitter) cannot bring two arrivals too close; the margin only covers how
   * Discord's limiter may round time. Default 1 % of the interval (50 ms at Discord's 5 s).
   */
  readonly identifyMarginMs?: number;
  /** Where sessions are kept so that a new process can resume them. Default: in memory. */
  readonly sessionStore?: SessionStore;
  /** How often live sessions' sequence numbers are saved between READY/RESUMED. Default 5000 ms. */
  readonly sessionSaveIntervalMs?: number;
  /**
   * The most shards this process runs. `createShards` and `createMinimumRequiredShards` refuse more
   * (`TooManyShardsError`): a bot that big spreads its shards over processes with
   * `createShards(ids, total)`. Default `DEFAULT_MAX_SHARDS`.
   */
  readonly maxShards?: number;
  /**
   * Runs the shards' connections in this many `worker_threads` (or `'auto'`: one per core but one, at
   * most 16): shard `id` lives in worker `id % workers`. The worker reads the socket (decompression,
   * envelope, unwanted dispatches dropped unparsed) and hands the frames to the main thread in batches;
   * the shard machines, the identify gate, the session store and every event stay in the main thread,
   * so everything works as without workers. A worker that dies is respawned and its shards resume.
   * Default: no workers (everything in the main thread).
   */
  readonly workers?: number | 'auto';
  /** Respawn limits of the worker threads (`workers`); see `WorkerSupervisorConfig` for the defaults. */
  readonly workerRespawn?: Partial<WorkerSupervisorConfig>;
  /** Starts worker `index` instead of statecord's worker entry (fault-injection tests). @internal */
  readonly spawnWorker?: (index: number) => Worker;
}
