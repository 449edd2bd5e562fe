import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import type { ActorLogic, InspectionEvent, SnapshotFrom } from 'xstate';
import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import { workerRespawnDelay, workerSupervisorMachine } from '../../machines/index.js';
import type { WorkerSupervisorConfig, WorkerSupervisorEvent } from '../../machines/index.js';
import { managerTransitionKey as transitionKey } from '../../src/testing/model/manager-model.js';
import { listTransitionKeys } from '../../src/testing/model/transitions.js';
import { WORKER_PROTOCOL_VERSION } from '../../src/workers/protocol.js';
import { WorkerSupervisor } from '../../src/workers/worker-supervisor.js';

/**
 * Model-based test of the worker supervisor machine (DESIGN.md practice 10): every edge of the pure
 * machine's graph is run as a path on a real `WorkerSupervisor` with real worker threads, and every
 * transition the machine defines must be taken by the adapter's own actor there. How each model
 * event is produced:
 * - `worker.start` / `worker.stop`: the adapter's `start()` / `stop()`;
 * - `worker.online`: the thread is told to answer the handshake (`hello`);
 * - `worker.exited`: the thread is killed, alternately by `terminate()` from outside and by an
 *   uncaught error thrown inside it;
 * - the `after` delays (`respawnDelay`, `stableAfter`): a `SimulatedClock` moved by exactly the delay.
 * Oracles that are not the machine (practice 18): the threads really started (one per entry to
 * `starting`, none while not), whether a live thread exists in each state, and the reports the adapter
 * gave its owner (crashed per crash, running per online, failed once with the crash count).
 */

const config: WorkerSupervisorConfig = {
  maxConsecutiveCrashes: 2,
  respawnBaseMs: 100,
  respawnMaxMs: 1_000,
  stableAfterMs: 30_000,
};
const input = { index: 0, config };
type Snapshot = SnapshotFrom<typeof workerSupervisorMachine>;
type ModelEvent = WorkerSupervisorEvent | { type: string };

const exit = { exitCode: 1, error: 'model crash' };
const candidateEvents: ModelEvent[] = [
  { type: 'worker.start' },
  { type: 'worker.stop' },
  { type: 'worker.online' },
  { type: 'worker.exited', exit },
  { type: 'xstate.after.stableAfter.workerSupervisor.running' },
  { type: 'xstate.after.respawnDelay.workerSupervisor.respawning' },
];
const serialize = (snapshot: Snapshot) => `${String(snapshot.value)}/${snapshot.context.consecutiveCrashes}`;

function modelPaths() {
  const traversal = {
    input,
    events: (snapshot: Snapshot) =>
      candidateEvents.filter((event) => {
        if (event.type.startsWith('xstate.after.')) return event.type.endsWith(`.${String(snapshot.value)}`);
        return snapshot.can(event as WorkerSupervisorEvent);
      }) as WorkerSupervisorEvent[],
    serializeState: serialize,
    serializeEvent: (event: ModelEvent) => JSON.stringify(event),
  };
  // The graph functions want the machine as plain actor logic of its snapshot and event types.
  const logic = workerSupervisorMachine as unknown as ActorLogic<
    Snapshot,
    WorkerSupervisorEvent,
    typeof input
  >;
  const edges = adjacencyMapToArray(getAdjacencyMap(logic, traversal));
  const shortest = new Map<string, Array<{ event: ModelEvent; state: string }>>();
  for (const path of getShortestPaths(logic, traversal)) {
    shortest.set(
      serialize(path.state),
      path.steps.slice(1).map((step) => ({ event: step.event, state: serialize(step.state) })),
    );
  }
  return edges.map((edge) => [
    ...(shortest.get(serialize(edge.state)) ?? []),
    { event: edge.event, state: serialize(edge.nextState) },
  ]);
}

/** A thread that answers the handshake when told, and throws when told (a crash inside it). */
const MODEL_WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (message) => {
  if (message.type === 'model.online') parentPort.postMessage({ type: 'hello', version: ${WORKER_PROTOCOL_VERSION} });
  if (message.type === 'model.throw') throw new Error('model crash');
});`;

const allTransitions = listTransitionKeys(workerSupervisorMachine);
const taken = new Set<string>();

afterAll(() => {
  const covered = allTransitions.filter((key) => taken.has(key));
  console.log(`worker-supervisor transition coverage: ${covered.length}/${allTransitions.length}`);
});

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function runPath(steps: ReadonlyArray<{ event: ModelEvent; state: string }>): Promise<void> {
  const clock = new SimulatedClock();
  const threads: Worker[] = [];
  const reports: string[] = [];
  let crashes = 0;
  const supervisor = new WorkerSupervisor({
    index: 0,
    config,
    clock,
    spawn: () => {
      const worker = new Worker(MODEL_WORKER, { eval: true });
      threads.push(worker);
      return worker;
    },
    inspect: (event: InspectionEvent) => {
      if (event.type !== '@xstate.microstep') return;
      for (const transition of event._transitions) taken.add(transitionKey(transition));
    },
    events: {
      message: () => undefined,
      running: (respawned) => reports.push(respawned ? 'running(respawned)' : 'running'),
      crashed: (_, count) => reports.push(`crashed(${count})`),
      failed: (failure) => reports.push(`failed(${failure.crashes})`),
    },
  });
  const expectedReports: string[] = [];
  let kills = 0;
  try {
    for (const step of steps) {
      const entersStarting = step.state.startsWith('starting/');
      const threadsBefore = threads.length;
      switch (step.event.type) {
        case 'worker.start':
          supervisor.start();
          break;
        case 'worker.stop':
          await supervisor.stop();
          break;
        case 'worker.online':
          expectedReports.push(crashes > 0 ? 'running(respawned)' : 'running');
          supervisor.worker!.postMessage({ type: 'model.online' });
          break;
        case 'worker.exited': {
          const thread = supervisor.worker!;
          crashes += 1;
          expectedReports.push(`crashed(${crashes})`);
          if (crashes >= config.maxConsecutiveCrashes) expectedReports.push(`failed(${crashes})`);
          if (kills++ % 2 === 0) void thread.terminate();
          else thread.postMessage({ type: 'model.throw' });
          break;
        }
        case 'xstate.after.stableAfter.workerSupervisor.running':
          crashes = 0;
          clock.increment(config.stableAfterMs);
          break;
        case 'xstate.after.respawnDelay.workerSupervisor.respawning':
          clock.increment(workerRespawnDelay(crashes, config));
          break;
      }
      if (step.state.startsWith('stopped/') || step.state.startsWith('idle/')) crashes = 0;
      await until(() => `${supervisor.state}/${crashesOf(supervisor)}` === step.state, `state ${step.state}`);
      // Oracles: a thread per entry to starting, and a live thread exactly in starting and running.
      if (entersStarting && step.event.type !== 'worker.online')
        expect(threads.length).toBe(threadsBefore + 1);
      else expect(threads.length).toBe(threadsBefore);
      const live = step.state.startsWith('starting/') || step.state.startsWith('running/');
      expect(supervisor.worker !== null).toBe(live);
      await until(() => reports.length === expectedReports.length, 'the reports');
      expect(reports).toEqual(expectedReports);
    }
  } finally {
    await supervisor.stop();
  }
}

function crashesOf(supervisor: WorkerSupervisor): number {
  return supervisor.snapshot.context.consecutiveCrashes;
}

const paths = modelPaths();

describe('the worker supervisor model', () => {
  it('has one path per edge of the graph', () => {
    expect(paths.length).toBeGreaterThan(allTransitions.length);
  });
});

describe('every path of the worker supervisor model, on a real WorkerSupervisor with real threads', () => {
  it.concurrent.for(paths.map((path, index) => [index, path] as const))('path %i', async ([, path]) => {
    await runPath(path);
  });

  it('took every transition the machine defines', () => {
    const missing = allTransitions.filter((key) => !taken.has(key));
    expect(missing).toEqual([]);
  });
});
