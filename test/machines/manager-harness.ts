import { createActor, fromPromise, SimulatedClock } from 'xstate';
import type { InspectionEvent } from 'xstate';
import { createShardDelays, managerMachine, shardMachine } from '../../machines/index.js';
import type { ManagerEvent, StartPreparation } from '../../machines/index.js';
import { stubSocket } from './stub-socket.js';

export const INTERVAL = 100;

export interface PureManagerOptions {
  /** What `prepareStart` resolves with; an Error rejects it. Default: known pacing, no sessions. */
  readonly preparation?: StartPreparation | Error;
}

/**
 * The pure manager machine on a simulated clock, its shards' I/O stubbed (sockets do nothing, the
 * identify gate never answers). Records when each shard was sent `shard.start`, in clock time.
 */
export function startPureManager(shardIds: readonly number[], options: PureManagerOptions = {}) {
  const clock = new SimulatedClock();
  const preparation = options.preparation ?? {
    resumableShardIds: [],
    identifyPacing: { maxConcurrency: 2, intervalMs: INTERVAL },
  };
  const shard = shardMachine.provide({
    actors: {
      socket: stubSocket({ gate: () => new Promise<void>(() => {}) }),
    },
    delays: createShardDelays(() => 0.5),
  });
  const logic = managerMachine.provide({
    actors: {
      shard,
      prepareStart: fromPromise<StartPreparation>(() =>
        preparation instanceof Error ? Promise.reject(preparation) : Promise.resolve(preparation),
      ),
    },
  });
  /** `[shardId, clock time]` for every `shard.start` a shard received, in order. */
  const starts: Array<[number, number]> = [];
  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.event' || event.event.type !== 'shard.start') return;
    const actorId = (event.actorRef as { readonly id?: string }).id ?? '';
    const id = /^shard-(\d+)$/.exec(actorId)?.[1];
    if (id !== undefined) starts.push([Number(id), clock.now()]);
  };
  const actor = createActor(logic, { clock, inspect, input: { gatewayUrl: 'ws://gateway' } });
  const errors: unknown[] = [];
  actor.subscribe({ error: (error) => errors.push(error) });
  actor.start();
  actor.send({ type: 'manager.createShards', shardIds, totalShards: Math.max(...shardIds, 0) + 1 });

  return {
    actor,
    clock,
    starts,
    errors,
    send: (event: ManagerEvent) => actor.send(event),
    /**
     * Moves the clock by `ms`, 1 ms at a time: `SimulatedClock.increment` stamps timers set while it
     * fires others with the end time, so one big step would run chained waves late.
     */
    advance(ms: number) {
      for (let step = 0; step < ms; step++) clock.increment(1);
    },
    /** `manager.start`, then lets `prepareStart` resolve. */
    async start() {
      actor.send({ type: 'manager.start' });
      await flush();
    },
    /** The shards started so far, in the order they were started. */
    started: () => starts.map(([shardId]) => shardId),
    /** When each shard was started (first time), by shard id. */
    startTimes: (): Record<number, number> => {
      const times: Record<number, number> = {};
      for (const [shardId, at] of starts) times[shardId] ??= at;
      return times;
    },
    value: () => actor.getSnapshot().value,
    stop: () => actor.stop(),
  };
}

/** Lets promise continuations (`prepareStart`) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
