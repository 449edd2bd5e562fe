import { __unsafe_getAllOwnEventDescriptors } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { managerMachine } from '../../../machines/index.js';
import type { ManagerEvent, ManagerInput, StartPreparation } from '../../../machines/index.js';

/** A snapshot of the manager machine. */
export type ManagerSnapshot = SnapshotFrom<typeof managerMachine>;

/** An event of the model: a machine event, or one of xstate's own (`xstate.after.*`, `xstate.done.actor.*`, …). */
export type ManagerModelEvent =
  | ManagerEvent
  | {
      /** xstate's event type, e.g. `xstate.done.actor.prepareStart`. */
      type: `xstate.${string}`;
      /** The output of a `xstate.done.actor.*` event. */
      output?: unknown;
      /** The error of a `xstate.error.actor.*` event. */
      error?: unknown;
    };

/** Input of the model's machine. The URL is never used: the abstract state leaves it out. */
export const managerModelInput: ManagerInput = { gatewayUrl: 'ws://model.invalid' };

/**
 * `max_concurrency` of the model's gateway. With 2 buckets, shards 0 and 1 identify in parallel (each
 * shard's connection is known as soon as it identifies), while shards 0, 2 and 4 share a bucket and
 * start in three waves (the only way to take both `after` branches of a wave).
 */
export const MODEL_MAX_CONCURRENCY = 2;

/** The shard count `GET /gateway/bot` recommends in the model (the fake gateway's `shardCount`). */
export const MODEL_RECOMMENDED_SHARDS = 2;

/** The sets of shards the model creates: one, two in two buckets, three in one bucket (three waves). */
export const MODEL_SHARD_SETS: ReadonlyArray<{
  readonly shardIds: readonly number[];
  readonly total: number;
}> = [
  { shardIds: [0], total: 1 },
  { shardIds: [0, 1], total: 2 },
  { shardIds: [0, 2, 4], total: 6 },
];

/** The error code of a token rejected by `GET /gateway/bot` (the `tokenRejected` guard). */
export const MODEL_REJECTED_TOKEN_CODE = 'STATECORD_ERR_HTTP_UNAUTHORIZED';

/** The message of the model's non-token `prepareStart` failure and of its shard actor error. */
export const MODEL_INJECTED_FAULT = 'statecord model: injected fault';

/**
 * The pacing `prepareStart` reports in the model. The interval is a placeholder: the abstract state
 * leaves it out, and a run uses its own (see `runManagerPath`).
 */
export function modelPreparation(intervalMs: number): StartPreparation {
  return { resumableShardIds: [], identifyPacing: { maxConcurrency: MODEL_MAX_CONCURRENCY, intervalMs } };
}

/** Whether an event is only taken as the last step of a path (never on the way to another edge). */
export function isFinalOnlyEvent(event: ManagerModelEvent): boolean {
  // After a resumable stop the next start resumes the sessions kept: `prepareStart` reports them and
  // the waves change, which the model's one `prepareStart` answer does not cover, so it stops there.
  // A shard actor error leaves a dead shard the machine does not know of (it ignores the error), so
  // nothing follows it either.
  return (
    (event.type === 'manager.stop' && 'resumable' in event && event.resumable) || isShardActorError(event)
  );
}

/** `xstate.error.actor.shard-N`: a shard's actor stopped with an error. */
export function isShardActorError(event: ManagerModelEvent): boolean {
  return /^xstate\.error\.actor\.shard-\d+$/.test(event.type);
}

/** The shard id of `xstate.error.actor.shard-N`. */
export function shardOfActorError(event: ManagerModelEvent): number {
  return Number(/^xstate\.error\.actor\.shard-(\d+)$/.exec(event.type)?.[1] ?? NaN);
}

/**
 * What the model knows of the real shards, apart from the machine: which are live (READY or RESUMED
 * received, not stopped since) and which failed for good. In a correct manager the machine's
 * `readyShards` and `failedShards` agree with it while `running`; the shard events the model offers
 * come from here, so that a machine that forgets or misremembers a shard cannot hide it.
 */
export interface ShardsModel {
  /** Shards that are live: READY or RESUMED received and not stopped since (sorted ids). */
  readonly ready: readonly number[];
  /** Shards that failed for good (sorted ids). */
  readonly failed: readonly number[];
  /** Shards holding a session: their next connection resumes instead of identifying. */
  readonly sessions: readonly number[];
}

/** A state of the model: the machine's snapshot and the shards'. */
export interface ManagerModelState {
  /** The manager machine's snapshot. */
  readonly machine: ManagerSnapshot;
  /** What the model knows of the real shards. */
  readonly shards: ShardsModel;
}

/** The shards' model of new shards (and at the start: none). */
export const freshShardsModel: ShardsModel = { ready: [], failed: [], sessions: [] };

/** How the real shards change with an event (what the manager makes them do, and what befell them). */
export function nextShardsModel(shards: ShardsModel, event: ManagerModelEvent): ShardsModel {
  const without = (ids: readonly number[], id: number) => ids.filter((candidate) => candidate !== id);
  const adding = (ids: readonly number[], id: number) => [...without(ids, id), id].sort((a, b) => a - b);
  switch (event.type) {
    case 'manager.createShards':
      return freshShardsModel;
    case 'manager.stop':
      // Every shard is stopped (a failed one stays failed); a non-resumable stop ends the sessions.
      return { ready: [], failed: shards.failed, sessions: event.resumable ? shards.sessions : [] };
    case 'shard.ready':
      return {
        ...shards,
        ready: adding(shards.ready, event.shardId),
        sessions: adding(shards.sessions, event.shardId),
      };
    case 'shard.unready':
      return { ...shards, ready: without(shards.ready, event.shardId) };
    case 'shard.failed':
      // A rejected token stops every shard (4004 dooms them all), ending their sessions.
      return event.reason === 'AuthenticationFailed'
        ? { ready: [], failed: adding(shards.failed, event.shardId), sessions: [] }
        : {
            ready: without(shards.ready, event.shardId),
            failed: adding(shards.failed, event.shardId),
            sessions: without(shards.sessions, event.shardId),
          };
  }
  if (event.type === 'xstate.done.actor.0.manager.fetchingGatewayInfo') return freshShardsModel;
  return shards;
}

/**
 * Whether the machine's context says nothing but "these shards exist" (a fresh `idle`). Like every
 * input of the events below, it reads only what the abstract state holds.
 */
function isClean(snapshot: ManagerSnapshot, shards: ShardsModel): boolean {
  const context = snapshot.context;
  return (
    context.readyShards.length === 0 &&
    context.failedShards.length === 0 &&
    context.failure === null &&
    shards.ready.length === 0 &&
    shards.failed.length === 0
  );
}

/**
 * The events to try in a state: what the active states handle, with one payload variant per guard
 * branch, limited to what real shards on a fake gateway can produce and kept small:
 * - shard events come from the shards' model, for the lowest shard id that can send each (the
 *   others are symmetric); for the three-shard set (it exists for the start-up waves) only a 4004 on
 *   its first shard;
 * - shards are (re)created only from a fresh `idle` (no shards, or nothing failed or left over) and
 *   from `failed` (one set); after a stop with something left over only `manager.start` is tried;
 * - a resumable stop only while running, as the last step of a path (see `isFinalOnlyEvent`).
 */
export function managerModelEvents(state: ManagerModelState): ManagerModelEvent[] {
  const snapshot = state.machine;
  const context = snapshot.context;
  const count = context.shardIds.length;
  const running = snapshot.matches('running');
  const clean = isClean(snapshot, state.shards);
  // After a failure that doomed every shard, only a restart is followed (and its shards' READY).
  const doomed = context.failure !== null && !snapshot.matches('failed');
  const scarred = doomed || context.failedShards.length > 0;
  const failed = new Set(state.shards.failed);
  const ready = new Set(state.shards.ready);
  const ids = running && count <= 2 ? [...context.shardIds].sort((a, b) => a - b) : [];
  const starting = ids.find((id) => !ready.has(id) && !failed.has(id));
  // The injected fault needs an IDENTIFY in flight: a shard that resumes sends none.
  const identifying =
    starting !== undefined && !state.shards.sessions.includes(starting) ? starting : undefined;
  const live = doomed ? undefined : ids.find((id) => ready.has(id));
  // The active states' own descriptors leave out the root's (`xstate.error.actor.*`): add them.
  const types = new Set([
    ...(__unsafe_getAllOwnEventDescriptors(snapshot) as string[]),
    ...managerMachine.root.transitions.keys(),
  ]);
  return [...types].flatMap((type): ManagerModelEvent[] => {
    switch (type) {
      case 'manager.createShards':
        if (snapshot.matches('failed')) return [{ type, shardIds: [0], totalShards: 1 }];
        if (count === 0) {
          return MODEL_SHARD_SETS.map(({ shardIds, total }) => ({ type, shardIds, totalShards: total }));
        }
        return clean && count !== 1 ? [{ type, shardIds: [0], totalShards: 1 }] : [];
      case 'manager.startEarly':
        // Sent by the adapter, not the user, once the sessions are loaded; its starts are the same
        // `shard.start`s as wave 0's (a shard ignores the second), so the abstract state does not move.
        // Covered by test/manager/start-early.test.ts against the real manager.
        return [];
      case 'manager.createRecommendedShards':
        return clean && count <= 1 ? [{ type }] : [];
      case 'manager.start':
        if (doomed && !snapshot.matches('idle')) return [];
        // While running, a start again matters with shards still to start: not after failures.
        if (running && state.shards.failed.length > 0) return [];
        return count === 3 && !clean && snapshot.matches('idle') ? [] : [{ type }];
      case 'manager.stop':
        if (doomed && snapshot.matches('preparing')) return [];
        return running && !doomed && count <= 2 && state.shards.ready.length > 0 && failed.size === 0
          ? [
              { type, resumable: false },
              { type, resumable: true },
            ]
          : [{ type, resumable: false }];
      case 'shard.ready':
        return starting === undefined ? [] : [{ type, shardId: starting }];
      case 'shard.unready':
        return live === undefined ? [] : [{ type, shardId: live }];
      case 'shard.failed':
        // Three shards share a bucket: a 4004 on the first while the others wait for their turn at the
        // identify gate (or for their wave) must stop them before they identify.
        if (count === 3 && running && !scarred) return [{ type, shardId: 0, reason: 'AuthenticationFailed' }];
        if (doomed) return [];
        // A shard that has not become ready fails, or a ready one (the adapter relays its failure,
        // then that it is no longer ready).
        return [starting, live].flatMap((shardId): ManagerModelEvent[] =>
          shardId === undefined
            ? []
            : [
                { type, shardId, reason: 'InvalidShard' },
                // A rejected token, once per path: the states after it are explored through a restart.
                ...(scarred ? [] : [{ type, shardId, reason: 'AuthenticationFailed' } as const]),
              ],
        );
      case 'xstate.error.actor.*':
        return identifying === undefined || scarred
          ? []
          : [{ type: `xstate.error.actor.shard-${identifying}`, error: new Error(MODEL_INJECTED_FAULT) }];
    }
    if (type === 'xstate.done.actor.0.manager.preparing') return [{ type, output: modelPreparation(100) }];
    if (type === 'xstate.error.actor.0.manager.preparing') {
      return scarred
        ? []
        : [
            { type, error: { code: MODEL_REJECTED_TOKEN_CODE } },
            { type, error: new Error(MODEL_INJECTED_FAULT) },
          ];
    }
    if (type === 'xstate.done.actor.0.manager.fetchingGatewayInfo') {
      return [
        { type, output: { url: managerModelInput.gatewayUrl, recommendedShards: MODEL_RECOMMENDED_SHARDS } },
      ];
    }
    if (type === 'xstate.error.actor.0.manager.fetchingGatewayInfo') {
      return [{ type, error: { code: MODEL_REJECTED_TOKEN_CODE } }];
    }
    if (type.startsWith('xstate.after.')) return [{ type: type as `xstate.${string}` }];
    throw new Error(`the manager model has no events for descriptor ${type}`);
  });
}
