import type { AnyActorRef } from 'xstate';

/** The system every actor of a manager shares. */
type AnyActorSystem = AnyActorRef['system'];

/** An actor's index is pruned of fired events once it holds this many ids (then at twice its size). */
const FIRST_PRUNE_AT = 16;

interface SourceIndex {
  readonly ids: Set<string>;
  pruneAt: number;
}

/**
 * Makes an actor system's `scheduler.cancelAll(actor)` visit only that actor's delayed events.
 *
 * xstate's own `cancelAll` (5.33) scans every delayed event of the whole system, and runs whenever
 * any actor of the system stops (an invoked identify-gate promise settling, a socket replaced). A
 * manager keeps all its shards in one system, each with a pending heartbeat or timeout, so each stop
 * cost time proportional to the shard count and starting n shards cost O(n²): 10,000 shards spent
 * most of their start-up in `cancelAll` (BENCHMARKS.md, many shards). This wraps the scheduler's
 * three methods, keeping the ids each source scheduled; scheduling and cancelling are unchanged.
 * The system's `scheduler` is part of xstate's public `ActorSystem` type; it is read on every use.
 *
 * Ids of events that fired stay in the index until pruned (checked against
 * `system.getSnapshot()._scheduledEvents` when an index has doubled); cancelling a fired id again
 * is a no-op in xstate. @internal
 */
export function indexScheduledEventsBySource(system: AnyActorSystem): void {
  const scheduler = system.scheduler;
  const schedule = scheduler.schedule.bind(scheduler);
  const cancel = scheduler.cancel.bind(scheduler);
  const bySource = new WeakMap<AnyActorRef, SourceIndex>();

  scheduler.schedule = (source, target, event, delay, id) => {
    // xstate's own default id for a delayed event without one: known here, so it can be cancelled.
    const eventId = id ?? Math.random().toString(36).slice(2);
    let index = bySource.get(source);
    if (index === undefined) {
      index = { ids: new Set(), pruneAt: FIRST_PRUNE_AT };
      bySource.set(source, index);
    } else if (index.ids.size >= index.pruneAt) {
      pruneFired(system, source, index);
    }
    index.ids.add(eventId);
    schedule(source, target, event, delay, eventId);
  };
  scheduler.cancel = (source, id) => {
    bySource.get(source)?.ids.delete(id);
    cancel(source, id);
  };
  scheduler.cancelAll = (actorRef) => {
    const index = bySource.get(actorRef);
    if (index === undefined) return;
    bySource.delete(actorRef);
    for (const id of index.ids) cancel(actorRef, id);
  };
}

/** Drops the ids that are no longer scheduled (fired); the next prune waits for twice as many. */
function pruneFired(system: AnyActorSystem, source: AnyActorRef, index: SourceIndex): void {
  // The live table when xstate exposes it (5.33 does); the public copy otherwise.
  const scheduled =
    (system as unknown as { _snapshot?: { _scheduledEvents?: Record<string, unknown> } })._snapshot
      ?._scheduledEvents ?? system.getSnapshot()._scheduledEvents;
  for (const id of index.ids) {
    // xstate keys a scheduled event by `${source.sessionId}.${id}`.
    if (!(`${source.sessionId}.${id}` in scheduled)) index.ids.delete(id);
  }
  index.pruneAt = Math.max(FIRST_PRUNE_AT, index.ids.size * 2);
}
