import { assign, emit, enqueueActions, fromPromise, setup } from 'xstate';
import type { ShardFailureReason } from './close-codes.js';
import { shardMachine } from './shard.machine.js';
import { planStartWaves } from './start-waves.js';
import type {
  GatewayInfo,
  ManagerContext,
  ManagerEmitted,
  ManagerEvent,
  ManagerInput,
  StartPreparation,
} from './manager.types.js';

/** The actor id (and system id) of a managed shard's actor. */
export function shardActorId(shardId: number): string {
  return `shard-${shardId}`;
}

/** The id of a shard's delayed start in a wave (to cancel it). */
function waveStartId(shardId: number): string {
  return `wave-start-${shardId}`;
}

/** The keys of the delayed events a system has scheduled and not fired, or null if it does not say. */
function scheduledEventKeys(system: unknown): Set<string> | null {
  const snapshot = (system as { getSnapshot?: () => { _scheduledEvents?: object } }).getSnapshot?.();
  return snapshot?._scheduledEvents === undefined ? null : new Set(Object.keys(snapshot._scheduledEvents));
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
    /** Before starting: refresh gateway info (buckets, budget), load saved sessions, report the pacing. */
    prepareStart: fromPromise<StartPreparation>(() =>
      Promise.resolve({ resumableShardIds: [], identifyPacing: null }),
    ),
  },
  delays: {
    /** Between two start-up waves: one identify interval of a bucket (`StartPreparation.identifyPacing`). */
    startWaveInterval: ({ context }) => context.startWaveIntervalMs,
  },
  guards: {
    /** Every shard that has not failed for good is ready once this one is. */
    completesReadySet: ({ context, event }) =>
      event.type === 'shard.ready' &&
      !context.readyShards.includes(event.shardId) &&
      context.readyShards.length + 1 === context.shardIds.length - context.failedShards.length,
    /**
     * This failure leaves every other shard that has not failed ready (and at least one is): the
     * manager is ready with the shards it has left.
     */
    failureCompletesReadySet: ({ context, event }) =>
      event.type === 'shard.failed' &&
      !context.readyShards.includes(event.shardId) &&
      context.readyShards.length > 0 &&
      context.readyShards.length === context.shardIds.length - context.failedShards.length - 1,
    failureDoomsAll: ({ event }) => event.type === 'shard.failed' && reasonsFatalForAll.has(event.reason),
    /** Shards to start, and no failure that dooms them all (a rejected token needs new shards). */
    canStart: ({ context }) => context.shardIds.length > 0 && context.failure === null,
    allWavesStarted: ({ context }) => context.pendingStartWaves.length === 0,
    nothingLeftToStart: ({ context }) =>
      context.pendingStartWaves.length === 0 && context.openingWave.length === 0,
    /** Discord answered the token with 401/403: every shard would fail with 4004 (docs/protocol/gateway.md §4). */
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
      // Every shard is spawned in ONE assign: its children are merged into the snapshot once, where a
      // `spawnChild` per shard copies all children spawned before it (quadratic in the shard count).
      enqueue.assign(({ spawn }) => {
        for (const shardId of shardIds) {
          spawn('shard', {
            id: shardActorId(shardId),
            systemId: shardActorId(shardId),
            input: { shardId, gatewayUrl: context.gatewayUrl, config: context.shardTiming },
          });
        }
        return { shardIds, totalShards, readyShards: [], failedShards: [], failure: null };
      });
      enqueue.emit({ type: 'manager.shardsCreated', shardIds, totalShards });
    }),
    useGatewayUrl: assign({
      gatewayUrl: ({ context, event }) =>
        'output' in event ? (event.output as GatewayInfo).url : context.gatewayUrl,
    }),
    planStart: assign(({ context, event }) => {
      const preparation = 'output' in event ? (event.output as StartPreparation) : undefined;
      const pacing = preparation?.identifyPacing ?? null;
      // Without the gate's pacing (a user-supplied gate, or prepareStart failed) all start at once:
      // the gate still spaces the identifies, only the sockets are open longer.
      if (preparation === undefined || pacing === null) {
        return { pendingStartWaves: [context.shardIds], startWaveIntervalMs: 0 };
      }
      return {
        pendingStartWaves: planStartWaves({
          shardIds: context.shardIds,
          maxConcurrency: pacing.maxConcurrency,
          resumableShardIds: preparation.resumableShardIds,
        }),
        startWaveIntervalMs: pacing.intervalMs,
      };
    }),
    /** Wave 0, at once. */
    startFirstWave: enqueueActions(({ context, enqueue }) => {
      const [wave = [], ...rest] = context.pendingStartWaves;
      enqueue.assign({ pendingStartWaves: rest, openingWave: [] });
      for (const id of wave) enqueue.sendTo(shardActorId(id), { type: 'shard.start' });
    }),
    /** The next wave, its shards spread evenly over one interval (delayed starts, cancelled on exit). */
    openNextWave: enqueueActions(({ context, enqueue }) => {
      const [wave = [], ...rest] = context.pendingStartWaves;
      enqueue.assign({ pendingStartWaves: rest, openingWave: wave });
      const spacing = context.startWaveIntervalMs / Math.max(1, wave.length);
      wave.forEach((id, index) => {
        const delay = index * spacing;
        if (delay === 0) enqueue.sendTo(shardActorId(id), { type: 'shard.start' });
        else enqueue.sendTo(shardActorId(id), { type: 'shard.start' }, { delay, id: waveStartId(id) });
      });
    }),
    /**
     * Leaving the waves: a stop or a failure cancels the starts still pending. The end of the last
     * wave's interval starts them at once instead: they are overdue (under load the interval's timer
     * was seen to win over the last starts of its wave, which then never started: BENCHMARKS.md).
     */
    cancelWaveStarts: enqueueActions(({ context, event, enqueue, self, system }) => {
      const intervalOver = event.type.startsWith('xstate.after.');
      // The delayed starts still scheduled (xstate keys them `${sessionId}.${id}`); unknown: all.
      const scheduled = intervalOver ? scheduledEventKeys(system) : undefined;
      for (const id of context.openingWave) {
        const due = scheduled === null || scheduled?.has(`${self.sessionId}.${waveStartId(id)}`) === true;
        enqueue.cancel(waveStartId(id));
        if (intervalOver && due) enqueue.sendTo(shardActorId(id), { type: 'shard.start' });
      }
      enqueue.assign({ openingWave: [] });
    }),
    /** Shards started while preparing (`manager.startEarly`); a shard ignores a second start. */
    startEarly: enqueueActions(({ event, enqueue }) => {
      if (event.type !== 'manager.startEarly') return;
      for (const id of event.shardIds) enqueue.sendTo(shardActorId(id), { type: 'shard.start' });
    }),
    /** Every shard whose wave has come: the others wait for theirs (a shard ignores a second start). */
    startDueShards: enqueueActions(({ context, enqueue }) => {
      const pending = new Set([...context.pendingStartWaves.flat(), ...context.openingWave]);
      const failed = new Set(context.failedShards.map((failure) => failure.shardId));
      for (const id of context.shardIds) {
        if (!pending.has(id) && !failed.has(id)) enqueue.sendTo(shardActorId(id), { type: 'shard.start' });
      }
    }),
    stopShards: enqueueActions(({ context, event, enqueue }) => {
      const resumable = event.type === 'manager.stop' && event.resumable;
      // A failed shard's actor is final: it has nothing to stop.
      const failed = new Set(context.failedShards.map((failure) => failure.shardId));
      for (const id of context.shardIds) {
        if (!failed.has(id)) enqueue.sendTo(shardActorId(id), { type: 'shard.stop', resumable });
      }
    }),
    markReady: assign({
      readyShards: ({ context, event }) =>
        event.type === 'shard.ready' && !context.readyShards.includes(event.shardId)
          ? [...context.readyShards, event.shardId]
          : context.readyShards,
    }),
    /** Stopped shards are not ready; the next start counts them again from none. */
    forgetReady: assign({ readyShards: [] }),
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
    emitGatewayInfoCancelled: emit({ type: 'manager.gatewayInfoCancelled' as const }),
  },
}).createMachine({
  id: 'manager',
  description: 'A ShardManager: the shards this process runs, as child actors of one system.',
  context: ({ input }): ManagerContext => ({
    gatewayUrl: input.gatewayUrl,
    shardTiming: input.shardTiming ?? {},
    shardIds: [],
    totalShards: 0,
    readyShards: [],
    failedShards: [],
    failure: null,
    pendingStartWaves: [],
    openingWave: [],
    startWaveIntervalMs: 0,
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
        'manager.start': {
          description:
            'Nothing to start without shards, or with shards a rejected token doomed (createShards makes new ones).',
          guard: 'canStart',
          target: 'preparing',
        },
      },
    },
    preparing: {
      description:
        'GET /gateway/bot (buckets, session-start budget) and saved sessions, before any identify. Shards may start early (manager.startEarly) once the sessions are loaded.',
      invoke: {
        src: 'prepareStart',
        onDone: { target: 'running', actions: 'planStart' },
        onError: [
          {
            description:
              'A rejected token fails every shard before a single identify is spent (those started early are stopped).',
            guard: 'tokenRejected',
            target: 'failed',
            actions: ['recordFailure', 'stopShards'],
          },
          {
            description: 'Other errors were reported by the adapter; start anyway, all at once.',
            target: 'running',
            actions: 'planStart',
          },
        ],
      },
      on: {
        'manager.startEarly': {
          description:
            'Sessions loaded: the first identify round opens its sockets while GET /gateway/bot is in flight; the adapter holds their identifies until the preparation ends, so none can be ready or fail before running.',
          actions: 'startEarly',
        },
        'manager.stop': {
          description: 'The preparation is aborted and the shards started early are stopped.',
          target: 'idle',
          actions: 'stopShards',
        },
      },
    },
    fetchingGatewayInfo: {
      description: 'GET /gateway/bot: the recommended shard count and the gateway URL.',
      invoke: {
        src: 'gatewayInfo',
        onDone: { target: 'idle', actions: ['useGatewayUrl', 'replaceShards'] },
        onError: { target: 'idle', actions: 'emitGatewayInfoFailed' },
      },
      on: {
        'manager.stop': {
          description: 'stopShards() while asking: the request is aborted, no shard is created.',
          target: 'idle',
          actions: 'emitGatewayInfoCancelled',
        },
      },
    },
    running: {
      description: 'Shards started. Ready when every managed shard is; stays correct as shards reconnect.',
      initial: 'startingWaves',
      states: {
        startingWaves: {
          description:
            'Start-up pacing (docs/protocol/gateway.md §5): wave 0 (resumes and identify round 0) opens at once; identify round r opens its sockets one by one over the r-th interval, the one before its turn. Leaving cancels the starts still pending.',
          entry: 'startFirstWave',
          exit: 'cancelWaveStarts',
          always: {
            description: 'Wave 0 was all there was (every shard resumes, or the pacing is unknown).',
            guard: 'nothingLeftToStart',
            target: 'allStarted',
          },
          initial: 'wave',
          states: {
            wave: {
              description:
                'Opens the next wave: its shards start one by one, evenly over the interval (a burst of handshakes would hold up the IDENTIFYs of the round in progress, on both sides).',
              entry: 'openNextWave',
              after: {
                startWaveInterval: [
                  {
                    description: 'The last wave has had its interval: every shard was started.',
                    guard: 'allWavesStarted',
                    target: '#manager.running.allStarted',
                  },
                  {
                    description: 'The next identify round opens its sockets.',
                    target: 'wave',
                    reenter: true,
                  },
                ],
              },
            },
          },
        },
        allStarted: {
          description: 'Every shard was started.',
        },
      },
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
          {
            description: 'Every other shard is ready: the manager is ready with the shards it has left.',
            guard: 'failureCompletesReadySet',
            actions: ['markFailed', 'emitReady'],
          },
          { actions: 'markFailed' },
        ],
        'manager.start': {
          description: 'Starts the shards whose wave has come (again); pending waves keep their pace.',
          actions: 'startDueShards',
        },
        'manager.stop': { target: 'idle', actions: ['stopShards', 'forgetReady'] },
      },
    },
    failed: {
      description: 'Every shard was stopped because of a failure that dooms them all (e.g. close 4004).',
      on: {
        'manager.createShards': { target: 'idle', actions: 'replaceShards' },
        'manager.stop': { target: 'idle', actions: 'forgetReady' },
      },
    },
  },
});

/** The type of the shard manager machine (`managerMachine`): use it to type actors, snapshots and `createActor` results. */
export type ManagerMachine = typeof managerMachine;
