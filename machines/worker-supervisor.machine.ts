import { assign, emit, setup } from 'xstate';
import type {
  WorkerSupervisorConfig,
  WorkerSupervisorContext,
  WorkerSupervisorEmitted,
  WorkerSupervisorEvent,
  WorkerSupervisorInput,
} from './worker-supervisor.types.js';

/** Defaults of {@link WorkerSupervisorConfig}. */
export const defaultWorkerSupervisorConfig: WorkerSupervisorConfig = {
  maxConsecutiveCrashes: 5,
  respawnBaseMs: 100,
  respawnMaxMs: 5_000,
  stableAfterMs: 30_000,
};

/** Respawn delay after the n-th consecutive crash (1-based): `base × 2^(n-1)`, at most `max`. */
export function respawnDelay(crashes: number, config: WorkerSupervisorConfig): number {
  const exponent = Math.min(Math.max(0, crashes - 1), 32);
  return Math.min(config.respawnMaxMs, config.respawnBaseMs * 2 ** exponent);
}

/**
 * The supervisor of one worker thread of a `ShardManager` with `workers`: starts it, notices when it
 * dies (terminated from outside, an uncaught error), respawns it after a back-off, and gives up after
 * `maxConsecutiveCrashes` crashes in a row without a stable run in between (a worker that crashes on
 * start every time ends in `failed`, never in a loop). Pure: spawning and terminating the thread are
 * provided (`spawnWorker`, `terminateWorker`).
 */
export const workerSupervisorMachine = setup({
  types: {
    context: {} as WorkerSupervisorContext,
    events: {} as WorkerSupervisorEvent,
    emitted: {} as WorkerSupervisorEmitted,
    input: {} as WorkerSupervisorInput,
  },
  actions: {
    /** Creates the thread (its listeners attached before anything else runs). */
    spawnWorker: () => undefined,
    /** Ends the thread on purpose. */
    terminateWorker: () => undefined,
    recordCrash: assign({
      consecutiveCrashes: ({ context }) => context.consecutiveCrashes + 1,
      lastExit: ({ context, event }) => (event.type === 'worker.exited' ? event.exit : context.lastExit),
    }),
    resetCrashes: assign({ consecutiveCrashes: 0, failure: null }),
    recordFailure: assign({
      failure: ({ context }) => ({
        reason: 'CrashLoop' as const,
        crashes: context.consecutiveCrashes,
        lastExit: context.lastExit ?? { exitCode: 1, error: null },
      }),
    }),
    emitRunning: emit(({ context }) => ({
      type: 'supervisor.running' as const,
      respawned: context.consecutiveCrashes > 0,
    })),
    emitCrashed: emit(({ context }) => ({
      type: 'supervisor.crashed' as const,
      exit: context.lastExit ?? { exitCode: 1, error: null },
      crashes: context.consecutiveCrashes,
    })),
    emitFailed: emit(({ context }) => ({
      type: 'supervisor.failed' as const,
      failure: context.failure ?? {
        reason: 'CrashLoop' as const,
        crashes: context.consecutiveCrashes,
        lastExit: context.lastExit ?? { exitCode: 1, error: null },
      },
    })),
  },
  guards: {
    crashLimitReached: ({ context }) => context.consecutiveCrashes >= context.config.maxConsecutiveCrashes,
  },
  delays: {
    respawnDelay: ({ context }) => respawnDelay(context.consecutiveCrashes, context.config),
    stableAfter: ({ context }) => context.config.stableAfterMs,
  },
}).createMachine({
  id: 'workerSupervisor',
  description:
    'One worker thread of a ShardManager with `workers`: respawned when it dies, up to a crash-loop limit.',
  context: ({ input }): WorkerSupervisorContext => ({
    index: input.index,
    config: { ...defaultWorkerSupervisorConfig, ...input.config },
    consecutiveCrashes: 0,
    lastExit: null,
    failure: null,
  }),
  initial: 'idle',
  states: {
    idle: {
      description: 'No thread yet.',
      on: { 'worker.start': { target: 'starting' } },
    },
    starting: {
      description: 'The thread is created and has not answered the handshake yet; connections wait.',
      entry: 'spawnWorker',
      on: {
        'worker.online': { target: 'running', actions: 'emitRunning' },
        'worker.exited': {
          description: 'It died before it was online (a worker that crashes on start).',
          target: 'crashed',
          actions: 'recordCrash',
        },
        'worker.stop': { target: 'stopped', actions: 'terminateWorker' },
      },
    },
    running: {
      description: 'The thread runs its shards’ connections.',
      after: {
        stableAfter: {
          description:
            'It ran long enough to count as healthy: earlier crashes no longer count toward the limit.',
          actions: 'resetCrashes',
        },
      },
      on: {
        'worker.exited': {
          description:
            'Terminated from outside or killed by an uncaught error: its sockets are gone (a TCP drop, so the sessions stay resumable).',
          target: 'crashed',
          actions: 'recordCrash',
        },
        'worker.stop': { target: 'stopped', actions: 'terminateWorker' },
      },
    },
    crashed: {
      description: 'The thread died; reported to the owner, whose shards reconnect and resume.',
      entry: 'emitCrashed',
      always: [
        {
          description: 'Too many crashes in a row: stop respawning (a crash loop would spin for ever).',
          guard: 'crashLimitReached',
          target: 'failed',
          actions: 'recordFailure',
        },
        { target: 'respawning' },
      ],
    },
    respawning: {
      description: 'Waits out the back-off (doubling per consecutive crash) before a new thread.',
      after: { respawnDelay: { target: 'starting' } },
      on: { 'worker.stop': { target: 'stopped' } },
    },
    failed: {
      description: 'Given up (crash loop, with the reason). Its shards are stopped by the owner.',
      entry: 'emitFailed',
      on: { 'worker.stop': { target: 'stopped' } },
    },
    stopped: {
      description: 'Stopped on purpose; a new start begins with a clean crash count.',
      on: { 'worker.start': { target: 'starting', actions: 'resetCrashes' } },
    },
  },
});

/** The type of the worker supervisor machine. */
export type WorkerSupervisorMachine = typeof workerSupervisorMachine;
