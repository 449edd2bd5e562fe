import { assign, emit, fromPromise, setup } from 'xstate';
import type {
  ClusterReshardContext,
  ClusterReshardEmitted,
  ClusterReshardEvent,
  ClusterReshardInput,
  ClusterReshardLeases,
} from './cluster-reshard.types.js';
import type { ReshardStage } from './reshard.types.js';

/**
 * One process's part in one zero-downtime reshard of a `ShardCluster` (docs/protocol/resharding.md §4).
 * The process that called `reshard()` (the coordinator) checks the session-start budget and announces
 * the reshard in Redis; every process then starts, for each old shard `i` it holds, the new shards
 * `j ≡ i (mod old count)` next to it (so both copies of an event meet in one process, §5) and reports
 * them loaded. The coordinator waits until every new shard of the cluster is loaded, lets the sets
 * overlap, and commits (new leases, new count) in one script; each process then stops its old shards
 * and keeps its new ones. Before the commit any failure withdraws every new shard: the old set runs on.
 * Pure: the Redis calls and the shards are the adapter's (`src/redis/cluster/cluster-resharder.ts`).
 */
export const clusterReshardMachine = setup({
  types: {
    context: {} as ClusterReshardContext,
    events: {} as ClusterReshardEvent,
    emitted: {} as ClusterReshardEmitted,
    input: {} as ClusterReshardInput,
  },
  actors: {
    /** `GET /gateway/bot`: rejects when the remaining session starts cannot cover the new set. */
    checkBudget: fromPromise<void, { identifies: number }>(() =>
      Promise.reject(new Error('checkBudget is not provided')),
    ),
    /** Writes the reshard record to Redis (one at a time; every old shard must be held). */
    announce: fromPromise<void>(() => Promise.reject(new Error('announce is not provided'))),
    /** Starts this process's new shards; resolves once each is ready with its guilds (reported). */
    startNewSet: fromPromise<void>(() => Promise.reject(new Error('startNewSet is not provided'))),
    /** Waits until every new shard of the cluster is loaded, then the overlap, then commits. */
    coordinate: fromPromise<ClusterReshardLeases>(() =>
      Promise.reject(new Error('coordinate is not provided')),
    ),
    /** Stops the old shards (sessions ended) and makes the new ones this process's shards. */
    handOver: fromPromise<void, { leases: ClusterReshardLeases }>(() =>
      Promise.reject(new Error('handOver is not provided')),
    ),
  },
  delays: {
    tailWindow: ({ context }) => context.tailMs,
  },
  guards: {
    isCoordinator: ({ context }) => context.coordinator,
    wasCancelled: ({ context }) => context.cancelled,
  },
  actions: {
    emitStarted: emit({ type: 'reshard.started' as const }),
    emitLoaded: emit({ type: 'reshard.loaded' as const }),
    emitWithdrawing: emit({ type: 'reshard.withdrawing' as const }),
    emitHandedOver: emit({ type: 'reshard.handedOver' as const }),
    emitDone: emit({ type: 'reshard.done' as const }),
    emitCancelled: emit({ type: 'reshard.cancelled' as const }),
    recordFailure: assign({
      failure: (_, params: { stage: ReshardStage; error: unknown }) => params,
    }),
    recordCancel: assign({ cancelled: true }),
    adopt: assign({ adopted: (_, params: { leases: ClusterReshardLeases }) => params.leases }),
    emitFailed: emit(({ context }) => ({
      type: 'reshard.failed' as const,
      stage: context.failure?.stage ?? 'start',
      error: context.failure?.error,
    })),
  },
}).createMachine({
  id: 'clusterReshard',
  description:
    "One process's part in a reshard of a ShardCluster: new shards started next to its old ones, then swapped in at the cluster-wide commit.",
  context: ({ input }): ClusterReshardContext => ({
    ...input,
    adopted: new Map(),
    failure: null,
    cancelled: false,
  }),
  initial: 'choosing',
  states: {
    choosing: {
      description: 'The coordinator checks the budget and announces; any other process joins at once.',
      always: [{ guard: 'isCoordinator', target: 'checkingBudget' }, { target: 'joining' }],
    },
    checkingBudget: {
      description:
        'GET /gateway/bot: the remaining session starts must cover one IDENTIFY per new shard of the whole cluster (docs/protocol/gateway.md §5).',
      invoke: {
        id: 'checkBudget',
        src: 'checkBudget',
        input: ({ context }) => ({ identifies: context.newCount }),
        onDone: { target: 'announcing' },
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
    announcing: {
      description:
        'The reshard record is written to Redis with the owner of every old shard (refused when another reshard runs or a shard is unowned).',
      invoke: {
        id: 'announce',
        src: 'announce',
        onDone: { target: 'joining' },
        onError: {
          target: 'failed',
          actions: { type: 'recordFailure', params: ({ event }) => ({ stage: 'start', error: event.error }) },
        },
      },
      on: { 'reshard.cancel': { target: 'cancelled' } },
    },
    joining: {
      description:
        'For each old shard i it holds, this process starts the new shards j ≡ i (mod old count) through the shared gate; both sets deliver, deduplicated here (docs/protocol/resharding.md §5). Done when each is ready with its guilds, reported to Redis.',
      entry: 'emitStarted',
      invoke: {
        id: 'startNewSet',
        src: 'startNewSet',
        onDone: [
          { guard: 'isCoordinator', target: 'coordinating', actions: 'emitLoaded' },
          { target: 'awaitingCommit', actions: 'emitLoaded' },
        ],
        onError: {
          target: 'withdrawing',
          actions: { type: 'recordFailure', params: ({ event }) => ({ stage: 'start', error: event.error }) },
        },
      },
      on: {
        'cluster.aborted': {
          target: 'withdrawing',
          actions: { type: 'recordFailure', params: ({ event }) => ({ stage: 'start', error: event.error }) },
        },
        'reshard.cancel': { target: 'withdrawing', actions: 'recordCancel' },
      },
    },
    coordinating: {
      description:
        'The coordinator waits until every new shard of the cluster is loaded, lets both sets deliver for the overlap window, then commits in one script: new leases, the new count (docs/protocol/resharding.md §4).',
      invoke: {
        id: 'coordinate',
        src: 'coordinate',
        onDone: {
          target: 'handingOver',
          actions: { type: 'adopt', params: ({ event }) => ({ leases: event.output }) },
        },
        onError: {
          target: 'withdrawing',
          actions: { type: 'recordFailure', params: ({ event }) => ({ stage: 'start', error: event.error }) },
        },
      },
      on: {
        'cluster.aborted': {
          target: 'withdrawing',
          actions: { type: 'recordFailure', params: ({ event }) => ({ stage: 'start', error: event.error }) },
        },
        'reshard.cancel': { target: 'withdrawing', actions: 'recordCancel' },
      },
    },
    awaitingCommit: {
      description: "This process's new shards are loaded; the coordinator commits or aborts.",
      on: {
        'cluster.committed': {
          target: 'handingOver',
          actions: { type: 'adopt', params: ({ event }) => ({ leases: event.leases }) },
        },
        'cluster.aborted': {
          target: 'withdrawing',
          actions: { type: 'recordFailure', params: ({ event }) => ({ stage: 'start', error: event.error }) },
        },
        'reshard.cancel': { target: 'withdrawing', actions: 'recordCancel' },
      },
    },
    handingOver: {
      description:
        'Committed: the old shards are stopped with a session-ending close, the new ones (still connected: no gap) become this process’s shards and save their sessions; the lease loop runs with the new count.',
      invoke: {
        id: 'handOver',
        src: 'handOver',
        input: ({ context }) => ({ leases: context.adopted }),
        onDone: { target: 'settling', actions: 'emitHandedOver' },
        onError: {
          target: 'failed',
          actions: {
            type: 'recordFailure',
            params: ({ event }) => ({ stage: 'handover', error: event.error }),
          },
        },
      },
    },
    settling: {
      description: "Copies lagging behind the stopped old shards' are still matched for the tail window.",
      after: { tailWindow: { target: 'done' } },
      on: {
        'reshard.cancel': {
          description:
            'Stopping the cluster after the handover ends the tail early: the reshard is complete.',
          target: 'done',
        },
      },
    },
    withdrawing: {
      description:
        'The reshard will not complete: the new shards are stopped for good (sessions ended, never saved) and the old ones run on; late copies are still matched for the tail window.',
      entry: 'emitWithdrawing',
      after: { tailWindow: { target: 'withdrawn' } },
      on: { 'reshard.cancel': { target: 'withdrawn', actions: 'recordCancel' } },
    },
    withdrawn: {
      description: 'The ending: cancelled when the cluster stopped, failed otherwise.',
      always: [{ guard: 'wasCancelled', target: 'cancelled' }, { target: 'failed' }],
    },
    done: {
      description: 'This process runs its new shards alone, with the new count.',
      type: 'final',
      entry: 'emitDone',
    },
    failed: {
      description:
        'Before the commit: the old set runs on untouched. In the handover: the new set as far as it got.',
      type: 'final',
      entry: 'emitFailed',
    },
    cancelled: {
      description: 'The cluster stopped before the commit.',
      type: 'final',
      entry: 'emitCancelled',
    },
  },
});

/** The type of the cluster reshard machine (`clusterReshardMachine`). */
export type ClusterReshardMachine = typeof clusterReshardMachine;
