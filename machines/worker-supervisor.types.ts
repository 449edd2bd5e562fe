/** How a worker thread ended, as its supervisor records it. */
export interface WorkerExit {
  /** The thread's exit code (1 for an uncaught error, 1 or another code for `terminate()`/`process.exit`). */
  readonly exitCode: number;
  /** The uncaught error's message when one ended the thread, else null. */
  readonly error: string | null;
}

/** Why a supervisor gave up on its worker. */
export interface WorkerFailure {
  /** `CrashLoop`: the worker crashed `crashes` times in a row without running stably in between. */
  readonly reason: 'CrashLoop';
  /** Consecutive crashes when it gave up. */
  readonly crashes: number;
  /** The last crash. */
  readonly lastExit: WorkerExit;
}

/** Limits of a worker supervisor (`workerSupervisorMachine` input); every field has a default. */
export interface WorkerSupervisorConfig {
  /** Consecutive crashes (each before the worker ran `stableAfterMs`) that end in `failed`. Default 5. */
  readonly maxConsecutiveCrashes: number;
  /** First respawn delay, doubled per consecutive crash, in ms. Default 100. */
  readonly respawnBaseMs: number;
  /** Longest respawn delay, in ms. Default 5000. */
  readonly respawnMaxMs: number;
  /** A worker that ran this long is healthy again: its crash count restarts from 0. Default 30000. */
  readonly stableAfterMs: number;
}

/** What a worker supervisor knows. */
export interface WorkerSupervisorContext {
  /** The worker's index in its pool (for reports). */
  readonly index: number;
  /** Limits. */
  readonly config: WorkerSupervisorConfig;
  /** Crashes since the worker last ran stably. */
  readonly consecutiveCrashes: number;
  /** The last crash, or null. */
  readonly lastExit: WorkerExit | null;
  /** Set in `failed`. */
  readonly failure: WorkerFailure | null;
}

/** Input of the worker supervisor machine. */
export interface WorkerSupervisorInput {
  /** The worker's index in its pool. */
  readonly index: number;
  /** Overrides of the default limits. */
  readonly config?: Partial<WorkerSupervisorConfig>;
}

/** Events of the worker supervisor machine: `worker.start`/`worker.stop` from its owner, the rest from the thread. */
export type WorkerSupervisorEvent =
  /** Start the worker (from `idle` or `stopped`). */
  | {
      /** Discriminant. */
      type: 'worker.start';
    }
  /** Stop the worker for good (its owner stops its shards first). */
  | {
      /** Discriminant. */
      type: 'worker.stop';
    }
  /** The worker answered the handshake: it can take connections. */
  | {
      /** Discriminant. */
      type: 'worker.online';
    }
  /** The worker thread ended without being asked to (terminated from outside, an uncaught error, an exit). */
  | {
      /** Discriminant. */
      type: 'worker.exited';
      /** How it ended. */
      exit: WorkerExit;
    };

/** Events the worker supervisor emits to its owner. */
export type WorkerSupervisorEmitted =
  /** The worker is online (first start or a respawn). */
  | {
      /** Discriminant. */
      type: 'supervisor.running';
      /** Whether this is a respawn after a crash. */
      respawned: boolean;
    }
  /** The worker crashed; it is respawned unless the crash limit was reached (then `supervisor.failed` follows). */
  | {
      /** Discriminant. */
      type: 'supervisor.crashed';
      /** How it ended. */
      exit: WorkerExit;
      /** Consecutive crashes so far. */
      crashes: number;
    }
  /** The supervisor gave up: the worker is not respawned again. */
  | {
      /** Discriminant. */
      type: 'supervisor.failed';
      /** Why. */
      failure: WorkerFailure;
    };
