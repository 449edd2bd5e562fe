import type { Worker } from 'node:worker_threads';
import type { InspectionEvent, Observer } from 'xstate';
import type { WorkerExit, WorkerSupervisorConfig } from '../../machines/index.js';
import type { WorkerCrashLoopError } from '../errors.js';
import type { ConnectionDeps } from '../gateway/socket-actor.js';
import type { Shard } from '../shard/shard.js';
import { createRemoteSocketLogic } from './remote-socket.js';
import { WorkerPool } from './worker-pool.js';

/** A worker thread of a manager, as `manager.workers` shows it. */
export interface WorkerInfo {
  /** Its index: it runs the connections of the shards whose `id % workers` is this. */
  readonly index: number;
  /** Its supervisor's state: `idle`, `starting`, `running`, `respawning`, `failed` or `stopped`. */
  readonly state: string;
  /** The thread now (null while none runs). Terminating it is a fault drill: it is respawned. */
  readonly thread: Worker | null;
}

/** What the manager hears from its workers. @internal */
export interface ManagerWorkersEvents {
  readonly crashed: (worker: number, exit: WorkerExit, crashes: number) => void;
  readonly respawned: (worker: number) => void;
  /** A worker's supervisor gave up; its shards are stopped (resumably) by this class first. */
  readonly failed: (worker: number, shards: readonly Shard[], error: WorkerCrashLoopError) => void;
}

/**
 * The worker side of a `ShardManager` with `workers` (kept out of the manager): the pool, the shard
 * machine's socket logic that opens sockets in the pool, and the forwarding of each shard's wanted
 * dispatch types to the worker that reads its socket. @internal
 */
export class ManagerWorkers {
  readonly #pool: WorkerPool;
  #shards: readonly Shard[] = [];
  #managerWantsAll: () => boolean = () => false;

  constructor(options: {
    readonly size: number;
    readonly events: ManagerWorkersEvents;
    readonly config?: Partial<WorkerSupervisorConfig>;
    readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
    readonly spawn?: (index: number) => Worker;
  }) {
    this.#pool = new WorkerPool({
      size: options.size,
      ...(options.config === undefined ? {} : { config: options.config }),
      ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
      ...(options.spawn === undefined ? {} : { spawn: options.spawn }),
      events: {
        crashed: options.events.crashed,
        respawned: options.events.respawned,
        failed: (index, error) => {
          const shards = this.#shards.filter((shard) => this.#pool.workerOf(shard.id) === index);
          // They cannot connect any more; stopped resumably, so a later start (new workers) resumes.
          for (const shard of shards) void shard.stop({ resumable: true });
          options.events.failed(index, shards, error);
        },
      },
    });
  }

  /** The workers, by index. */
  get workers(): readonly WorkerInfo[] {
    return this.#pool.workers.map((supervisor) => ({
      index: supervisor.index,
      state: supervisor.state,
      thread: supervisor.worker,
    }));
  }

  /** The shard machine's `socket` actor for this manager's shards. */
  socketLogic(depsFor: (shardId: number) => ConnectionDeps) {
    return createRemoteSocketLogic(depsFor, this.#pool);
  }

  /** Follows these shards' listeners (and the manager's `dispatch` ones) to tell the workers. */
  watch(shards: readonly Shard[], managerWantsAll: () => boolean): void {
    for (const shard of this.#shards) shard.gateway.onInterestChange(null);
    this.#shards = shards;
    this.#managerWantsAll = managerWantsAll;
    for (const shard of shards) {
      shard.gateway.onInterestChange(() => this.#tell(shard));
      this.#tell(shard);
    }
  }

  /** The manager's `dispatch` listeners changed: every shard's interest may have. */
  refreshInterest(): void {
    for (const shard of this.#shards) this.#tell(shard);
  }

  start(): void {
    this.#pool.start();
  }

  async stop(): Promise<void> {
    await this.#pool.stop();
  }

  #tell(shard: Shard): void {
    const all = shard.gateway.wantsAll() || this.#managerWantsAll();
    this.#pool.setInterest(shard.id, { all, types: all ? [] : shard.gateway.wantedTypes() });
  }
}
