import { afterAll, describe, expect, it } from 'vitest';
import { createActor, fromPromise, SimulatedClock, transition, waitFor } from 'xstate';
import type { AnyEventObject, AnyStateMachine, InspectionEvent } from 'xstate';
import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import { reshardMachine } from '../../machines/index.js';
import type { ReshardEmitted, ReshardEvent, ReshardInput } from '../../machines/index.js';
import { listTransitionKeys, transitionKey } from '../../src/testing/model/index.js';

/**
 * Model-based test of the reshard machine (DESIGN.md practice 10): one path per edge of its graph, each
 * run on a real actor of the machine, provided the way `src/manager/reshard/resharder.ts` provides it
 * (promise actors with an abort signal, named delays on a simulated clock). The oracles are not the
 * machine (practice 18): the actor's work is really aborted when a stage is left, the overlap really
 * lasts `overlapMs` of the clock before the handover starts, and what the owner hears (the emitted
 * events) is the documented order with exactly one ending.
 */

const input: ReshardInput = { newCount: 8, shardIds: [0, 1, 2, 3, 4, 5, 6, 7], overlapMs: 300, tailMs: 700 };
const stages = ['checkBudget', 'startNewSet', 'handOver'] as const;
type Stage = (typeof stages)[number];
const stageNames: Record<Stage, string> = {
  checkBudget: 'budget',
  startNewSet: 'start',
  handOver: 'handover',
};

/** The events a path may take: each stage done or failed, each delay elapsed, a cancel. */
const modelEvents: AnyEventObject[] = [
  ...stages.flatMap((stage) => [
    { type: `xstate.done.actor.${stage}` },
    { type: `xstate.error.actor.${stage}`, error: new Error(`${stage} failed`) },
  ]),
  { type: 'xstate.after.overlapWindow.reshard.overlapping' },
  { type: 'xstate.after.tailWindow.reshard.settling' },
  { type: 'reshard.cancel' },
];

/** The machine as the graph functions take it (they type events loosely: xstate's own included). */
const graphMachine = reshardMachine as unknown as AnyStateMachine;
const traversal = {
  input,
  events: modelEvents,
  serializeState: (state: { value: unknown }) => JSON.stringify(state.value),
};
/** Edges that take a transition (an event a state does not accept leaves it as it is: no edge). */
const edges = adjacencyMapToArray(getAdjacencyMap(graphMachine, traversal)).filter(
  (edge) => JSON.stringify(edge.state.value) !== JSON.stringify(edge.nextState.value),
);
const shortest = new Map(
  getShortestPaths(graphMachine, traversal).map((path) => [
    JSON.stringify(path.state.value),
    path.steps.slice(1),
  ]),
);
const paths = edges.map((edge) => [
  ...(shortest.get(JSON.stringify(edge.state.value)) ?? []).map((step) => step.event as AnyEventObject),
  edge.event as AnyEventObject,
]);
const allTransitions = listTransitionKeys(reshardMachine);
const taken = new Set<string>();

afterAll(() => {
  const covered = allTransitions.filter((key) => taken.has(key));
  console.log(`reshard transition coverage: ${covered.length}/${allTransitions.length}`);
});

/** A stage's work as the adapter runs it: a promise the test settles, and the signal it was given. */
interface Work {
  resolve(): void;
  reject(error: unknown): void;
  readonly signal: AbortSignal;
  readonly startedAt: number;
}

async function runPath(events: readonly AnyEventObject[]): Promise<void> {
  const clock = new SimulatedClock();
  const running = new Map<Stage, Work>();
  const work = <Input>(stage: Stage) =>
    fromPromise<void, Input>(
      ({ signal }) =>
        new Promise<void>((resolve, reject) =>
          running.set(stage, { resolve, reject, signal, startedAt: clock.now() }),
        ),
    );
  const logic = reshardMachine.provide({
    actors: {
      checkBudget: work<{ identifies: number }>('checkBudget'),
      startNewSet: work('startNewSet'),
      handOver: work('handOver'),
    },
  });
  const inspect = (event: InspectionEvent) => {
    if (event.type === '@xstate.microstep')
      for (const transition of event._transitions) taken.add(transitionKey(transition));
  };
  const actor = createActor(logic, { input, clock, inspect });
  const heard: ReshardEmitted[] = [];
  actor.on('*', (event) => heard.push(event));
  let overlapEnteredAt: number | null = null;
  actor.subscribe((snapshot) => {
    if (snapshot.matches('overlapping') && overlapEnteredAt === null) overlapEnteredAt = clock.now();
  });
  actor.start();
  let failedStage: string | null = null;
  const finished = new Set<Stage>();

  for (const event of events) {
    const expected = JSON.stringify(nextValue(actor.getSnapshot().value, event));
    const [kind, stage] = describeEvent(event);
    if (kind === 'done' || kind === 'error') {
      const current = running.get(stage!);
      expect(current, `${stage} is running`).toBeDefined();
      finished.add(stage!);
      if (kind === 'done') current!.resolve();
      else {
        failedStage = stageNames[stage!];
        current!.reject(new Error(`${stage} failed`));
      }
    } else if (event.type === 'reshard.cancel') {
      const active = [...running.keys()].filter((name) => !finished.has(name));
      actor.send({ type: 'reshard.cancel' });
      // Oracle: the stage in progress is aborted, not left running behind a cancelled reshard.
      for (const name of active) {
        if (actor.getSnapshot().status === 'done' && actor.getSnapshot().value === 'cancelled') {
          expect(running.get(name)!.signal.aborted, `${name} aborted on cancel`).toBe(true);
        }
      }
    } else {
      clock.increment(event.type.includes('overlapWindow') ? input.overlapMs : input.tailMs);
    }
    await waitFor(actor, (snapshot) => JSON.stringify(snapshot.value) === expected, { timeout: 5_000 });
  }

  // Oracle: the handover starts only after the overlap lasted overlapMs of the clock.
  const handOver = running.get('handOver');
  if (handOver !== undefined && overlapEnteredAt !== null) {
    expect(handOver.startedAt - overlapEnteredAt).toBeGreaterThanOrEqual(input.overlapMs);
  }
  // Oracle: what the owner hears follows the documented order, with one ending at most.
  const types = heard.map((event) => event.type);
  const progress = types.filter((type) =>
    ['reshard.started', 'reshard.overlapping', 'reshard.handedOver'].includes(type),
  );
  expect(progress).toEqual(
    ['reshard.started', 'reshard.overlapping', 'reshard.handedOver'].slice(0, progress.length),
  );
  const endings = types.filter((type) =>
    ['reshard.done', 'reshard.failed', 'reshard.cancelled'].includes(type),
  );
  expect(endings.length).toBe(actor.getSnapshot().status === 'done' ? 1 : 0);
  const failure = heard.find((event) => event.type === 'reshard.failed');
  if (failure?.type === 'reshard.failed') expect(failure.stage).toBe(failedStage);
  actor.stop();
}

/** The machine's own answer for the next state value: what the path's step expects. */
function nextValue(value: unknown, event: AnyEventObject): unknown {
  const snapshot = reshardMachine.resolveState({
    value: value as string,
    context: { ...input, failure: null },
  });
  return transition(reshardMachine, snapshot, event as ReshardEvent)[0].value;
}

function describeEvent(event: AnyEventObject): readonly [string, Stage | undefined] {
  const match = /^xstate\.(done|error)\.actor\.(\w+)$/.exec(event.type);
  return match === null ? [event.type, undefined] : [match[1]!, match[2] as Stage];
}

describe('the reshard model', () => {
  it('has a path for every edge and no error state', () => {
    expect(paths.length).toBe(edges.length);
    expect(
      edges
        .filter((edge) => edge.nextState.status === 'error')
        .map((edge) => (edge.event as AnyEventObject).type),
    ).toEqual([]);
  });

  it.for(paths.map((path, index) => [index, path] as const))('path %i', async ([, path]) => {
    await runPath(path);
  });

  it('took every transition the machine defines', () => {
    expect(allTransitions.filter((key) => !taken.has(key))).toEqual([]);
  });
});
