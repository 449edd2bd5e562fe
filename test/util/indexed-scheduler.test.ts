import { describe, expect, it } from 'vitest';
import { assign, createActor, sendParent, setup, SimulatedClock } from 'xstate';
import { indexScheduledEventsBySource } from '../../src/util/indexed-scheduler.js';

/** Tells its parent `tick` after 30 ms. */
const child = setup({}).createMachine({
  initial: 'waiting',
  states: {
    waiting: { after: { 30: { target: 'done', actions: sendParent({ type: 'tick' }) } } },
    done: {},
  },
});

/** Two such children (the first only until `dropFirst`); counts their ticks. */
const parent = setup({
  types: { context: {} as { ticks: number }, events: {} as { type: 'tick' } | { type: 'dropFirst' } },
  actors: { child },
}).createMachine({
  context: { ticks: 0 },
  invoke: { id: 'second', src: 'child' },
  initial: 'withFirst',
  states: {
    withFirst: { invoke: { id: 'first', src: 'child' }, on: { dropFirst: 'withoutFirst' } },
    withoutFirst: {},
  },
  on: { tick: { actions: assign({ ticks: ({ context }) => context.ticks + 1 }) } },
});

describe('indexScheduledEventsBySource', () => {
  it("cancels a stopped actor's delayed events, and only its own", () => {
    const clock = new SimulatedClock();
    const actor = createActor(parent, { clock });
    indexScheduledEventsBySource(actor.system);
    actor.start();
    actor.send({ type: 'dropFirst' });
    clock.increment(30);
    // The second child's delayed transition ran; the stopped one's was cancelled.
    expect(actor.getSnapshot().context.ticks).toBe(1);
    expect(Object.keys(actor.system.getSnapshot()._scheduledEvents)).toEqual([]);
    actor.stop();
  });

  it('still fires and cancels delayed events by id', () => {
    const clock = new SimulatedClock();
    const actor = createActor(parent, { clock });
    indexScheduledEventsBySource(actor.system);
    actor.start();
    const second = actor.getSnapshot().children['second']!;
    actor.system.scheduler.schedule(second, actor, { type: 'tick' }, 10, 'extra');
    actor.system.scheduler.cancel(second, 'extra');
    clock.increment(30);
    // Both children ticked; the cancelled extra tick never came.
    expect(actor.getSnapshot().context.ticks).toBe(2);
    actor.stop();
  });
});
