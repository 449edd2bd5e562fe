import type { WorkerExit } from '../../machines/index.js';
import type { WorkerCrashLoopError } from '../errors.js';
import type { Shard } from '../shard/shard.js';

/** The events a `ShardManager` with `workers` adds to its others (see `ShardManagerEvents`). */
export interface ShardManagerWorkerEvents {
  /** A worker thread died (terminated from outside, or an uncaught error). It is respawned unless it crashed too often. */
  workerCrashed: {
    /** The worker's index. */
    readonly worker: number;
    /** How it ended. */
    readonly exit: WorkerExit;
    /** Consecutive crashes so far (reset once a worker runs stably). */
    readonly crashes: number;
  };
  /** A respawned worker is running; its shards reconnect to it and resume their sessions. */
  workerRespawned: {
    /** The worker's index. */
    readonly worker: number;
  };
  /**
   * A worker crashed too often in a row and is not respawned: its shards were stopped (resumably,
   * their sessions kept). Without a listener it is reported as a `warning`.
   */
  workerFailure: {
    /** The worker's index. */
    readonly worker: number;
    /** Its shards, now stopped. */
    readonly shards: readonly Shard[];
    /** Why (`STATECORD_ERR_WORKER_CRASH_LOOP`). */
    readonly error: WorkerCrashLoopError;
  };
}
