import { assign, emit, fromPromise, setup } from 'xstate';
import type {
  ReshardContext,
  ReshardEmitted,
  ReshardEvent,
  ReshardInput,
  ReshardStage,
} from './reshard.types.js';

/**
 * One zero-downtime reshard of a manager (docs/protocol/resharding.md §1): check the session-start
 * budget, start the new shard set next to the running one, wait until each new shard is ready with its
 * guilds, let both sets deliver (deduplicated) for an overlap window, hand delivery over to the new set
 * and stop the old one, then keep matching late copies for a tail. Pure: the budget check, the new
 * set's start and the handover are provided by the adapter (`src/manager/reshard/`).
 */
export const reshardMachine = setup({
  types: {
    context: {} as ReshardContext,
    events: {} as ReshardEvent,
    emitted: {} as ReshardEmitted,
    input: {} as ReshardInput,
  },
  actors: {
    /** `GET /gateway/bot`: rejects when the remaining session starts cannot cover the new set. */
    checkBudget: fromPromise<void, { identifies: number }>(() =>
      Promise.reject(new Error('checkBudget is not provided')),
    ),
    /** Starts the new set; resolves once every new shard is ready and its guilds are loaded. */
    startNewSet: fromPromise<void>(() => Promise.reject(new Error('startNewSet is not provided'))),
    /** Stops the old set (sessions ended), and makes the new set the manager's shards (they resume). */
    handOver: fromPromise<void>(() => Promise.reject(new Error('handOver is not provided'))),
  },
  delays: {
    overlapWindow: ({ context }) => context.overlapMs,
    tailWindow: ({ context }) => context.tailMs,
  },
  actions: {
    emitStarted: emit({ type: 'reshard.started' as const }),
    emitOverlapping: emit({ type: 'reshard.overlapping' as const }),
    emitHandedOver: emit({ type: 'reshard.handedOver' as const }),
    emitDone: emit({ type: 'reshard.done' as const }),
    emitCancelled: emit({ type: 'reshard.cancelled' as const }),
    recordFailure: assign({
      failure: (_, params: { stage: ReshardStage; error: unknown }) => params,
    }),
    emitFailed: emit(({ context }) => ({
      type: 'reshard.failed' as const,
      stage: context.failure?.stage ?? 'start',
      error: context.failure?.error,
    })),
  },
}).createMachine({
  id: 'reshard',
  description: 'One reshard of a ShardManager: the new shard set started next to the old, then swapped in.',
  context: ({ input }): ReshardContext => ({ ...input, failure: null }),
  initial: 'checkingBudget',
  states: {
    checkingBudget: {
      description:
        'GET /gateway/bot: the remaining session starts must cover one IDENTIFY per new shard, or the token would be reset (docs/protocol/gateway.md §5).',
      invoke: {
        id: 'checkBudget',
        src: 'checkBudget',
        input: ({ context }) => ({ identifies: context.shardIds.length }),
        onDone: { target: 'startingNewSet', actions: 'emitStarted' },
        onError: {
          target: 'failed',
          actions: {
            type: 'recordFailure',
            params: ({ event }) => ({ stage: 'budget', error: event.error }),
          },
        },
      },
      on: { 'reshard.cancel': { target: 'cancelled' } },
    },
    startingNewSet: {
      description:
        'The new set identifies through the identify gate next to the old set, which goes on delivering (several sessions with different counts may run at once: docs/protocol/gateway.md §6). Done when every new shard is READY and has its guilds (or their wait timed out).',
      invoke: {
        id: 'startNewSet',
        src: 'startNewSet',
        onDone: { target: 'overlapping' },
        onError: {
          target: 'failed',
          actions: { type: 'recordFailure', params: ({ event }) => ({ stage: 'start', error: event.error }) },
        },
      },
      on: { 'reshard.cancel': { target: 'cancelled' } },
    },
    overlapping: {
      description:
        'Both sets deliver; each event seen on both is delivered once (docs/protocol/resharding.md §2). Lasts the overlap window, which must exceed how far one set can lag the other.',
      entry: 'emitOverlapping',
      after: { overlapWindow: { target: 'handingOver' } },
      on: { 'reshard.cancel': { target: 'cancelled' } },
    },
    handingOver: {
      description:
        "The new sessions are paused (resumable) while the old set still delivers, the old sessions are ended and deleted from the session store, and the new set becomes the manager's shards by RESUME, which replays what came in between (docs/protocol/gateway.md §7).",
      invoke: {
        id: 'handOver',
        src: 'handOver',
        onDone: { target: 'settling', actions: 'emitHandedOver' },
        onError: {
          target: 'failed',
          actions: {
            type: 'recordFailure',
            params: ({ event }) => ({ stage: 'handover', error: event.error }),
          },
        },
      },
      on: { 'reshard.cancel': { target: 'cancelled' } },
    },
    settling: {
      description:
        'The old set is gone; copies the new set replays of events the old set delivered are still matched for the tail window.',
      after: { tailWindow: { target: 'done' } },
      on: {
        'reshard.cancel': {
          description:
            'Stopping the manager after the handover ends the tail early: the reshard is complete.',
          target: 'done',
        },
      },
    },
    done: {
      description: 'The manager runs the new set alone.',
      type: 'final',
      entry: 'emitDone',
    },
    failed: {
      description:
        'A stage failed: before the handover the new set is stopped and the old set runs on untouched.',
      type: 'final',
      entry: 'emitFailed',
    },
    cancelled: {
      description: 'The manager was stopped before the handover: the new set is stopped too.',
      type: 'final',
      entry: 'emitCancelled',
    },
  },
});

/** The type of the reshard machine (`reshardMachine`). */
export type ReshardMachine = typeof reshardMachine;
