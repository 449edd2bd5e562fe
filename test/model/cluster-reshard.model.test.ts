import { afterAll, describe, expect, it } from 'vitest';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import type { AnyEventObject, AnyStateMachine, InspectionEvent } from 'xstate';
import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import { clusterReshardMachine } from '../../machines/index.js';
import type {
  ClusterReshardEmitted,
  ClusterReshardInput,
  ClusterReshardLeases,
} from '../../machines/index.js';
import { listTransitionKeys, managerTransitionKey } from '../../src/testing/model/index.js';

/**
 * Model-based test of the cluster reshard machine (DESIGN.md practice 10): one path per edge of its
 * graph, for a coordinator and for a member, each run on a real actor provided the way
 * `src/redis/cluster/cluster-resharder.ts` provides it (promise actors with an abort signal, the tail
 * on a simulated clock). Oracles that are not the machine: the stage in progress is really aborted
 * when a reshard is cancelled or aborted; the new shards are withdrawn (one `reshard.withdrawing`)
 * whenever the reshard ends before its commit, and never after it; the handover gets the leases the
 * commit returned; the owner hears one ending, and `reshard.failed` carries the stage that failed.
 */

const stages = ['checkBudget', 'announce', 'startNewSet', 'coordinate', 'handOver'] as const;
type Stage = (typeof stages)[number];
const leases: ClusterReshardLeases = new Map([[5, 3]]);
const inputs: Record<'coordinator' | 'member', ClusterReshardInput> = {
  coordinator: { coordinator: true, fromCount: 4, newCount: 8, tailMs: 500 },
  member: { coordinator: false, fromCount: 4, newCount: 8, tailMs: 500 },
};

const modelEvents: AnyEventObject[] = [
  ...stages.flatMap((stage) => [
    { type: `xstate.done.actor.${stage}`, output: stage === 'coordinate' ? leases : undefined },
    { type: `xstate.error.actor.${stage}`, error: new Error(`${stage} failed`) },
  ]),
  { type: 'xstate.after.tailWindow.clusterReshard.settling' },
  { type: 'xstate.after.tailWindow.clusterReshard.withdrawing' },
  { type: 'cluster.committed', leases },
  { type: 'cluster.aborted', error: new Error('aborted in Redis') },
  { type: 'reshard.cancel' },
];

const graphMachine = clusterReshardMachine as unknown as AnyStateMachine;
type Node = { value: unknown; context: { cancelled: boolean; failure: unknown } };
const serializeState = (state: Node) =>
  JSON.stringify([state.value, state.context.cancelled, state.context.failure !== null]);

/** Per input, one path (events) per edge that changes the state, with the state it must end in. */
function pathsFor(role: keyof typeof inputs) {
  const traversal = { input: inputs[role], events: modelEvents, serializeState };
  const edges = adjacencyMapToArray(getAdjacencyMap(graphMachine, traversal)).filter(
    (edge) => serializeState(edge.state as Node) !== serializeState(edge.nextState as Node),
  );
  const shortest = new Map(
    getShortestPaths(graphMachine, traversal).map((path) => [
      serializeState(path.state as Node),
      path.steps.slice(1),
    ]),
  );
  return edges.map((edge) => ({
    role,
    events: [
      ...(shortest.get(serializeState(edge.state as Node)) ?? []).map((step) => step.event as AnyEventObject),
      edge.event as AnyEventObject,
    ],
    expected: JSON.stringify(edge.nextState.value),
    errorState: edge.nextState.status === 'error',
  }));
}

const paths = [...pathsFor('coordinator'), ...pathsFor('member')];
const allTransitions = listTransitionKeys(clusterReshardMachine);
const taken = new Set<string>();

afterAll(() => {
  const covered = allTransitions.filter((key) => taken.has(key));
  console.log(`cluster-reshard transition coverage: ${covered.length}/${allTransitions.length}`);
});

interface Work {
  resolve(output?: unknown): void;
  reject(error: unknown): void;
  readonly signal: AbortSignal;
  readonly input: unknown;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

async function runPath(role: keyof typeof inputs, events: readonly AnyEventObject[], expected: string) {
  const input = inputs[role];
  const clock = new SimulatedClock();
  const running = new Map<Stage, Work>();
  const work = <Output, In>(stage: Stage) =>
    fromPromise<Output, In>(
      ({ signal, input: given }) =>
        new Promise<Output>((resolve, reject) =>
          running.set(stage, {
            resolve: resolve,
            reject,
            signal,
            input: given,
          }),
        ),
    );
  const logic = clusterReshardMachine.provide({
    actors: {
      checkBudget: work<void, { identifies: number }>('checkBudget'),
      announce: work<void, unknown>('announce'),
      startNewSet: work<void, unknown>('startNewSet'),
      coordinate: work<ClusterReshardLeases, unknown>('coordinate'),
      handOver: work<void, { leases: ClusterReshardLeases }>('handOver'),
    },
  });
  const inspect = (event: InspectionEvent) => {
    if (event.type === '@xstate.microstep')
      for (const transition of event._transitions) taken.add(managerTransitionKey(transition));
  };
  const actor = createActor(logic, { input, clock, inspect });
  const heard: ClusterReshardEmitted[] = [];
  actor.on('*', (event) => heard.push(event));
  actor.start();
  let failedStage: string | null = null;
  let committed = false;
  const finished = new Set<Stage>();
  const stateOf: Record<Stage, string> = {
    checkBudget: 'checkingBudget',
    announce: 'announcing',
    startNewSet: 'joining',
    coordinate: 'coordinating',
    handOver: 'handingOver',
  };

  for (const event of events) {
    const match = /^xstate\.(done|error)\.actor\.(\w+)$/.exec(event.type);
    if (match !== null) {
      const stage = match[2] as Stage;
      const current = running.get(stage);
      expect(current, `${stage} is running`).toBeDefined();
      finished.add(stage);
      if (match[1] === 'done') current!.resolve(event['output']);
      else {
        failedStage = { checkBudget: 'budget', handOver: 'handover' }[stage as string] ?? 'start';
        current!.reject(event['error']);
      }
      if (stage === 'coordinate' && match[1] === 'done') committed = true;
    } else if (event.type.startsWith('xstate.after.')) {
      clock.increment(input.tailMs);
    } else {
      if (event.type === 'cluster.committed') committed = true;
      if (event.type === 'cluster.aborted') failedStage = 'start';
      const active = [...running.entries()].filter(([name]) => !finished.has(name));
      actor.send(event as never);
      await settle();
      // Oracle: a stage left by a cancel or an abort is aborted, not left running.
      for (const [name, w] of active) {
        if (actor.getSnapshot().value !== stateOf[name]) {
          expect(w.signal.aborted, `${name} aborted`).toBe(true);
        }
      }
    }
    await settle();
  }
  expect(JSON.stringify(actor.getSnapshot().value)).toBe(expected);

  const types = heard.map((event) => event.type);
  // Oracle: withdrawn exactly when the reshard left its start without a commit, never after one.
  const withdrawals = types.filter((type) => type === 'reshard.withdrawing').length;
  if (committed) expect(withdrawals).toBe(0);
  else expect(withdrawals).toBeLessThanOrEqual(1);
  if (withdrawals === 1) expect(types).toContain('reshard.started');
  // Oracle: the handover gets the leases of the commit.
  const handOver = running.get('handOver');
  if (handOver !== undefined) expect(handOver.input).toEqual({ leases });
  // Oracle: one ending at most, once final; `reshard.failed` names the stage that failed.
  const endings = types.filter((type) =>
    ['reshard.done', 'reshard.failed', 'reshard.cancelled'].includes(type),
  );
  expect(endings.length).toBe(actor.getSnapshot().status === 'done' ? 1 : 0);
  const failure = heard.find((event) => event.type === 'reshard.failed');
  if (failure?.type === 'reshard.failed' && failedStage !== null) expect(failure.stage).toBe(failedStage);
  actor.stop();
}

describe('the cluster reshard model', () => {
  it('has a path for every edge, for a coordinator and a member, and no error state', () => {
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter((path) => path.errorState)).toEqual([]);
  });

  it.for(paths.map((path, index) => [index, path] as const))('path %i', async ([, path]) => {
    await runPath(path.role, path.events, path.expected);
  });

  it('took every transition the machine defines', () => {
    expect(allTransitions.filter((key) => !taken.has(key))).toEqual([]);
  });
});
