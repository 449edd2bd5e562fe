import { assign, emit, enqueueActions, fromPromise, setup } from 'xstate';
import type { ShardFailureReason } from './close-codes.js';
import { shardMachine } from './shard.machine.js';
import type {
  GatewayInfo,
  ManagerContext,
  ManagerEmitted,
  ManagerEvent,
  ManagerInput,
} from './manager.types.js';

/** The actor id (and system id) of a managed shard's actor. */
export function shardActorId(shardId: number): string {
  return `shard-${shardId}`;
}

/**
 * Failure reasons that doom every shard of the manager, not only the one that saw them: a rejected
 * token (4004) is rejected for all. Stopping the others at once saves their identifies.
 */
const reasonsFatalForAll: ReadonlySet<ShardFailureReason> = new Set(['AuthenticationFailed']);

/**
 * The lifecycle of a `ShardManager`: creating the shards this process runs (spawned as child actors of
 * one system), starting and stopping them, knowing when all are ready, and failing them all when one
 * failure dooms every shard. Pure: the gateway info fetcher and the shards' I/O are provided.
 */
export const managerMachine = setup({
  types: {
    context: {} as ManagerContext,
    events: {} as ManagerEvent,
    emitted: {} as ManagerEmitted,
    input: {} as ManagerInput,
  },
  actors: {
    shard: shardMachine,
    /** `GET /gateway/bot`. */
    gatewayInfo: fromPromise<GatewayInfo>(() => Promise.reject(new Error('gatewayInfo is not provided'))),
    /** Before starting: refresh gateway info (buckets, budget) and load saved sessions. */
    prepareStart: fromPromise<void>(() => Promise.resolve()),
  },
  guards: {
    /** Every shard that has not failed for good is ready once this one is. */
    completesReadySet: ({ context, event }) =>
      event.type === 'shard.ready' &&
      !context.readyShards.includes(event.shardId) &&
      context.readyShards.length + 1 === context.shardIds.length - context.failedShards.length,
    failureDoomsAll: ({ event }) => event.type === 'shard.failed' && reasonsFatalForAll.has(event.reason),
    /** Discord answered the token with 401/403: every shard would fail with 4004 (gateway.md §4). */
    tokenRejected: ({ event }) =>
      'error' in event &&
      typeof event.error === 'object' &&
      event.error !== null &&
      'code' in event.error &&
      event.error.code === 'STATECORD_ERR_HTTP_UNAUTHORIZED',
  },
  actions: {
    replaceShards: enqueueActions(({ context, event, enqueue }) => {
      let shardIds: readonly number[];
      let totalShards: number;
      if (event.type === 'manager.createShards') {
        shardIds = event.shardIds;
        totalShards = event.totalShards;
      } else if ('output' in event) {
        const info = event.output as GatewayInfo;
        totalShards = info.recommendedShards;
        shardIds = Array.from({ length: totalShards }, (_, index) => index);
      } else return;
      // Stopped children leave the system; refs that are merely dropped would leak (xstate.md §1).
      for (const id of context.shardIds) enqueue.stopChild(shardActorId(id));
      for (const shardId of shardIds) {
        enqueue.spawnChild('shard', {
          id: shardActorId(shardId),
          systemId: shardActorId(shardId),
          input: { shardId, gatewayUrl: context.gatewayUrl, config: context.shardTiming },
        });
      }
      enqueue.assign({ shardIds, totalShards, readyShards: [], failedShards: [], failure: null });
      enqueue.emit({ type: 'manager.shardsCreated', shardIds, totalShards });
    }),
    useGatewayUrl: assign({
      gatewayUrl: ({ context, event }) =>
        'output' in event ? (event.output as GatewayInfo).url : context.gatewayUrl,
    }),
    startShards: enqueueActions(({ context, enqueue }) => {
      for (const id of context.shardIds) enqueue.sendTo(shardActorId(id), { type: 'shard.start' });
    }),
    stopShards: enqueueActions(({ context, event, enqueue }) => {
      const resumable = event.type === 'manager.stop' && event.resumable;
      for (const id of context.shardIds) enqueue.sendTo(shardActorId(id), { type: 'shard.stop', resumable });
    }),
    markReady: assign({
      readyShards: ({ context, event }) =>
        event.type === 'shard.ready' && !context.readyShards.includes(event.shardId)
          ? [...context.readyShards, event.shardId]
          : context.readyShards,
    }),
    markUnready: assign({
      readyShards: ({ context, event }) =>
        event.type === 'shard.unready'
          ? context.readyShards.filter((id) => id !== event.shardId)
          : context.readyShards,
    }),
    markFailed: assign({
      failedShards: ({ context, event }) =>
        event.type === 'shard.failed'
          ? [...context.failedShards, { shardId: event.shardId, reason: event.reason }]
          : context.failedShards,
      readyShards: ({ context, event }) =>
        event.type === 'shard.failed'
          ? context.readyShards.filter((id) => id !== event.shardId)
          : context.readyShards,
    }),
    recordFailure: enqueueActions(({ event, enqueue }) => {
      // A shard's fatal close, or (while preparing) a token rejected by the REST API.
      const reason: ShardFailureReason =
        event.type === 'shard.failed' ? event.reason : 'AuthenticationFailed';
      enqueue.assign({ failure: reason });
      enqueue.emit({ type: 'manager.failed', reason });
    }),
    emitReady: emit(({ context }) => ({
      type: 'manager.ready' as const,
      readyShards: context.readyShards.length,
    })),
    emitGatewayInfoFailed: emit(({ event }) => ({
      type: 'manager.gatewayInfoFailed' as const,
      error: 'error' in event ? event.error : undefined,
    })),
  },
}).createMachine({
  id: 'manager',
  description: 'A ShardManager: the shards this process runs, as child actors of one system.',
  context: ({ input }) => ({
    gatewayUrl: input.gatewayUrl,
    shardTiming: input.shardTiming ?? {},
    shardIds: [],
    totalShards: 0,
    readyShards: [],
    failedShards: [],
    failure: null,
  }),
  initial: 'idle',
  on: {
    // A shard's own error must not take the manager and its siblings down (xstate.md §1).
    'xstate.error.actor.*': {},
  },
  states: {
    idle: {
      description: 'Shards created (or none); none running. Shards can be (re)created only here.',
      on: {
        'manager.createShards': { actions: 'replaceShards' },
        'manager.createRecommendedShards': { target: 'fetchingGatewayInfo' },
        'manager.start': { target: 'preparing' },
      },
    },
    preparing: {
      description:
        'GET /gateway/bot (buckets, session-start budget) and saved sessions, before any identify.',
      invoke: {
        src: 'prepareStart',
        onDone: { target: 'running', actions: 'startShards' },
        onError: [
          {
            description: 'A rejected token fails every shard before a single identify is spent.',
            guard: 'tokenRejected',
            target: 'failed',
            actions: 'recordFailure',
          },
          {
            description: 'Other errors were reported by the adapter; start anyway.',
            target: 'running',
            actions: 'startShards',
          },
        ],
      },
      on: { 'manager.stop': { target: 'idle' } },
    },
    fetchingGatewayInfo: {
      description: 'GET /gateway/bot: the recommended shard count and the gateway URL.',
      invoke: {
        src: 'gatewayInfo',
        onDone: { target: 'idle', actions: ['useGatewayUrl', 'replaceShards'] },
        onError: { target: 'idle', actions: 'emitGatewayInfoFailed' },
      },
    },
    running: {
      description: 'Shards started. Ready when every managed shard is; stays correct as shards reconnect.',
      on: {
        'shard.ready': [
          {
            description: 'The last shard not ready became ready: the manager is ready (again).',
            guard: 'completesReadySet',
            actions: ['markReady', 'emitReady'],
          },
          { actions: 'markReady' },
        ],
        'shard.unready': { actions: 'markUnready' },
        'shard.failed': [
          {
            description: 'A bad token fails every shard: stop them all before they burn identifies.',
            guard: 'failureDoomsAll',
            target: 'failed',
            actions: ['markFailed', 'recordFailure', 'stopShards'],
          },
          { actions: 'markFailed' },
        ],
        'manager.start': { actions: 'startShards' },
        'manager.stop': { target: 'idle', actions: 'stopShards' },
      },
    },
    failed: {
      description: 'Every shard was stopped because of a failure that dooms them all (e.g. close 4004).',
      on: {
        'manager.createShards': { target: 'idle', actions: 'replaceShards' },
        'manager.stop': { target: 'idle' },
      },
    },
  },
});

export type ManagerMachine = typeof managerMachine;
