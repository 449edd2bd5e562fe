import { assign, emit, enqueueActions, not, setup, stateIn } from 'xstate';
import { surplusShards, wantedClaims, withTickAnswer } from './lease.decisions.js';
import type { LeaseContext, LeaseEmitted, LeaseEvent, LeaseInput, LeasePair } from './lease.types.js';

/** The held leases as the pairs a tick renews. */
function heldPairs(context: LeaseContext): LeasePair[] {
  return [...context.held];
}

/**
 * The lease loop of one `ShardCluster` process in dynamic mode (docs/protocol/gateway.md §6.1). Every
 * `renewMs` one tick (a script call the adapter runs) heartbeats the member, renews the held leases
 * and lists the unowned shards; after it, the process claims up to its fair share, or hands over its
 * surplus. Pure: the adapter (`src/redis/cluster/lease-keeper.ts`) runs the Redis calls it emits and
 * sends their answers back. Two regions while running: `phase` (may it claim?) and `loop` (the tick
 * under way).
 */
export const leaseMachine = setup({
  types: {
    context: {} as LeaseContext,
    events: {} as LeaseEvent,
    emitted: {} as LeaseEmitted,
    input: {} as LeaseInput,
  },
  delays: {
    /** Between two ticks: `renewMs` after the previous tick (and its claim) ended. */
    renew: ({ context }) => context.timings.renewMs,
    /** Before claiming: `claimGraceMs`, so that every live owner re-asserted its leases first. */
    claimGrace: ({ context }) => context.timings.claimGraceMs,
  },
  guards: {
    /** Redis lost its data (`{p}:epoch` changed): owners must re-assert their leases before claims. */
    epochChanged: ({ context, event }) => event.type === 'tick.answered' && event.epoch !== context.epoch,
    /** Claims wait: the grace period runs (after start, after an outage, after lost data). */
    claimsOnHold: not(stateIn('#lease.running.phase.steady')),
    /** The member list changed since the tick before: wait until every joiner (or death) is counted. */
    membersMoving: ({ context }) => !context.membersStable,
    /** Every shard is owned and this process holds ready shards above its fair share. */
    overFairShare: ({ context }) => surplusShards(context).length > 0,
    /** Unowned shards this process may claim (its fair share is not full). */
    claimsWanted: ({ context }) => wantedClaims(context).length > 0,
  },
  actions: {
    /** Ask the adapter for one tick with the held leases. */
    requestTick: emit(({ context }) => ({ type: 'tick', pairs: heldPairs(context) })),
    /** Keep the tick's census; drop the leases another process holds, and stop those shards. */
    takeAnswer: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'tick.answered') return;
      const next = withTickAnswer(context, event);
      enqueue.assign(next);
      if (next.taken !== undefined && next.taken.length > 0) {
        enqueue.emit({ type: 'taken', shardIds: next.taken });
      }
    }),
    /** The unowned shards of this tick are the "unowned before" of the next. */
    noteUnowned: assign({ unownedBefore: ({ context }) => new Set(context.unowned) }),
    /** Mark the surplus as handed over (kept and renewed until released) and tell the cluster. */
    handOver: enqueueActions(({ context, enqueue }) => {
      const shardIds = surplusShards(context);
      enqueue.assign({ handingOver: new Set([...context.handingOver, ...shardIds]) });
      enqueue.emit({ type: 'handOver', shardIds });
    }),
    /** Ask the adapter to claim the wanted shards. */
    requestClaim: enqueueActions(({ context, enqueue }) => {
      const shardIds = wantedClaims(context);
      enqueue.assign({ claiming: shardIds, unownedBefore: new Set(context.unowned) });
      enqueue.emit({ type: 'claim', shardIds });
    }),
    /** Hold the claimed leases. */
    keepClaimed: assign(({ context, event }) => {
      if (event.type !== 'claim.answered') return {};
      const held = new Map(context.held);
      const unownedBefore = new Set(context.unownedBefore);
      for (const [id, fence] of event.claimed) {
        held.set(id, fence);
        unownedBefore.delete(id);
      }
      return { held, unownedBefore, claiming: [] };
    }),
    /** Tell the cluster to start the claimed shards. */
    announceClaimed: emit(({ event }) => ({
      type: 'acquired',
      leases: event.type === 'claim.answered' ? event.claimed : [],
    })),
    clearClaim: assign({ claiming: [] }),
    /** Forget released leases (the adapter gives them back in Redis). */
    forget: assign(({ context, event }) => {
      if (event.type !== 'release') return {};
      const held = new Map(context.held);
      const handingOver = new Set(context.handingOver);
      for (const id of event.shardIds) {
        held.delete(id);
        handingOver.delete(id);
      }
      return { held, handingOver };
    }),
    /** A reshard committed: the new count, and the leases the commit set for this process. */
    resize: assign(({ context, event }) => {
      if (event.type !== 'resize') return {};
      const held = new Map(context.held);
      for (const [id, fence] of event.adopted) held.set(id, fence);
      return { held, shardCount: event.shardCount, unowned: [], unownedBefore: new Set<number>() };
    }),
    reportRedisDown: emit(({ event }) => ({
      type: 'redisDown',
      error: event.type === 'tick.failed' ? event.error : new Error('tick failed'),
    })),
    reportRedisUp: emit({ type: 'redisUp' }),
  },
}).createMachine({
  id: 'lease',
  description: "A ShardCluster process's shard leases in Redis (dynamic mode).",
  initial: 'starting',
  context: ({ input }) => ({
    ...input,
    held: new Map(),
    handingOver: new Set(),
    epoch: null,
    membersKey: '',
    members: [],
    membersStable: false,
    unowned: [],
    unownedBefore: new Set(),
    ready: new Set(),
    taken: [],
    claiming: [],
  }),
  on: {
    release: {
      actions: 'forget',
      description: 'The cluster stopped these shards (hand-over or stop); the adapter releases the leases.',
    },
    resize: {
      actions: 'resize',
      description:
        'A cluster reshard committed (docs/protocol/resharding.md §4): the new shard count, and the leases the commit set for this process.',
    },
  },
  states: {
    starting: {
      description: 'The first tick: `start()` rejects if Redis does not answer it.',
      entry: 'requestTick',
      on: {
        'tick.answered': { target: 'running', actions: ['takeAnswer', 'noteUnowned'] },
        'tick.failed': { target: 'stopped', description: 'Redis did not answer: `start()` rejects.' },
        halt: { target: 'stopped' },
      },
    },
    running: {
      type: 'parallel',
      description: 'Ticking every renewMs; claiming once the grace period is over.',
      on: {
        halt: { target: 'stopped', description: 'After the tick under way; the leases stay until released.' },
      },
      states: {
        phase: {
          description: 'Whether this process may claim and hand over now.',
          initial: 'graceful',
          states: {
            graceful: {
              description: 'Renewing, not claiming: live owners re-assert their leases first.',
              after: { claimGrace: { target: 'steady' } },
              on: {
                'tick.answered': { guard: 'epochChanged', target: 'graceful', reenter: true },
                'tick.failed': { target: 'redisFailing', actions: 'reportRedisDown' },
              },
            },
            steady: {
              description: 'Renewing, claiming up to the fair share, handing over the surplus.',
              on: {
                'tick.answered': {
                  guard: 'epochChanged',
                  target: 'graceful',
                  description: 'Redis lost its data: wait for the owners again.',
                },
                'tick.failed': { target: 'redisFailing', actions: 'reportRedisDown' },
              },
            },
            redisFailing: {
              description: 'A tick went unanswered: shards keep running, nothing is claimed; ticks retry.',
              on: { 'tick.answered': { target: 'graceful', actions: 'reportRedisUp' } },
            },
          },
        },
        loop: {
          description: 'The tick under way: one tick every renewMs, each after the previous one ended.',
          initial: 'waiting',
          states: {
            waiting: {
              description: 'renewMs until the next tick.',
              after: { renew: { target: 'ticking' } },
            },
            ticking: {
              description: 'One script call: heartbeat, renew, census (answered within renewMs).',
              entry: 'requestTick',
              on: {
                'tick.answered': { target: 'deciding', actions: 'takeAnswer' },
                'tick.failed': { target: 'waiting' },
              },
            },
            deciding: {
              description: 'After an answered tick: claim, hand over, or wait.',
              always: [
                { guard: 'claimsOnHold', target: 'waiting', actions: 'noteUnowned' },
                { guard: 'membersMoving', target: 'waiting', actions: 'noteUnowned' },
                { guard: 'overFairShare', target: 'waiting', actions: ['handOver', 'noteUnowned'] },
                { guard: 'claimsWanted', target: 'claiming', actions: 'requestClaim' },
                { target: 'waiting', actions: 'noteUnowned' },
              ],
            },
            claiming: {
              description: 'One script call claiming unowned shards.',
              on: {
                'claim.answered': { target: 'waiting', actions: ['keepClaimed', 'announceClaimed'] },
                'claim.failed': {
                  target: 'waiting',
                  actions: 'clearClaim',
                  description: 'Unanswered: a claim that went through anyway lapses after leaseMs.',
                },
              },
            },
          },
        },
      },
    },
    stopped: {
      description: 'Halted: no more ticks; the leases stay until released.',
      on: {
        'claim.answered': {
          actions: 'keepClaimed',
          description: 'A claim under way at the halt: held, so the final release gives it back.',
        },
      },
    },
  },
});

/** The lease machine's type. */
export type LeaseMachine = typeof leaseMachine;
