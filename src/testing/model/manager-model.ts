import { initialTransition, transition } from 'xstate';
import type { ActorLogic, AnyStateNode, Snapshot } from 'xstate';
import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import { managerMachine } from '../../../machines/index.js';
import type { ManagerEvent, ManagerInput } from '../../../machines/index.js';
import {
  freshShardsModel,
  isFinalOnlyEvent,
  managerModelEvents,
  managerModelInput,
  nextShardsModel,
} from './manager-model-events.js';
import type {
  ManagerModelEvent,
  ManagerModelState,
  ManagerSnapshot,
  ShardsModel,
} from './manager-model-events.js';

/** One step of a path: the event, and the abstract state the machine must be in after it. */
export interface ManagerModelStep {
  /** The event taken (a machine event or an xstate-internal one). */
  readonly event: ManagerModelEvent;
  /** The abstract state after it (see {@link abstractManagerState}). */
  readonly state: string;
}

/** A path from the initial state, ending with the edge it was made for. */
export interface ManagerModelPath {
  /** The steps from the initial state; the last one takes the edge. */
  readonly steps: readonly ManagerPathStep[];
  /** `from --event--> to` of the last step, in abstract states. */
  readonly edge: string;
}

/**
 * The state as the model sees it: the state value plus what guards read, with the arrays abstracted:
 * which shards exist, which are ready, which failed and why, how many start-up waves are left.
 */
export function abstractManagerState(snapshot: ManagerSnapshot): string {
  const context = snapshot.context;
  return JSON.stringify({
    value: snapshot.value,
    status: snapshot.status,
    shards: context.shardIds.join(','),
    ready: [...context.readyShards].sort((a, b) => a - b).join(','),
    failed: context.failedShards
      .map((failed) => `${failed.shardId}:${failed.reason}`)
      .sort()
      .join(','),
    failure: context.failure,
    // Waves matter while running; the next start plans them anew (a stop leaves stale ones).
    waves: snapshot.matches('running') ? context.pendingStartWaves.length : 0,
    opening: snapshot.matches('running') ? context.openingWave.length : 0,
  });
}

/** The model state as a string: the machine's abstract state and the shards'. */
export function serializeModelState(state: ManagerModelState): string {
  return `${abstractManagerState(state.machine)} ${JSON.stringify(state.shards)}`;
}

/**
 * The model as xstate/graph explores it: the machine and the shards' model side by side. Each machine
 * step goes through the pure `transition()`, which gives every step a system of its own: the
 * traversal's one mock system would keep the `systemId`s of shards that `replaceShards` stopped
 * (stopping is an action, not executed there), and spawning them again throws "Actor with system ID
 * 'shard-0' already exists". The cast: this is all of `ActorLogic` the traversal uses.
 */
const modelLogic = {
  transition: nextModelState,
  getInitialSnapshot: (): ManagerModelState => initialModelState(),
} as unknown as ActorLogic<ManagerModelState & Snapshot<undefined>, ManagerModelEvent, ManagerInput>;

/** The next model state: the machine's (through the pure `transition()`) and the shards'. */
function nextModelState(state: ManagerModelState, event: ManagerModelEvent): ManagerModelState {
  let [machine] = transition(managerMachine, state.machine, event as ManagerEvent);
  // A ready shard that fails stops being ready too: the adapter relays both, in that order.
  if (event.type === 'shard.failed' && state.shards.ready.includes(event.shardId)) {
    [machine] = transition(managerMachine, machine, { type: 'shard.unready', shardId: event.shardId });
  }
  return { machine, shards: nextShardsModel(state.shards, event) };
}

function initialModelState(): ManagerModelState {
  return { machine: initialTransition(managerMachine, managerModelInput)[0], shards: freshShardsModel };
}

/** One step of a path as the runner needs it: the event, the machine's state after it and the shards'. */
export interface ManagerPathStep extends ManagerModelStep {
  /** The model of the real shards after the step. */
  readonly shards: ShardsModel;
}

/**
 * Explores the model and returns one path per edge of its abstract state graph: the shortest path to
 * the edge's source state (never through a final-only event), then the edge. Each path is replayed
 * on the pure machine to check that it leads where the graph says.
 */
export function managerModelPaths(): {
  /** One path per edge of the graph. */
  paths: ManagerModelPath[];
  /** How many abstract states the model has. */
  states: number;
  /** How many edges (state, event → state) the model has. */
  edges: number;
  /** What went wrong: machine error states, unreachable edge sources, paths that replay differently; empty when sound. */
  errors: string[];
} {
  type State = ManagerModelState & Snapshot<undefined>;
  const traversal = {
    input: managerModelInput,
    fromState: initialModelState() as State,
    serializeState: (state: State) => serializeModelState(state),
    serializeEvent: (event: ManagerModelEvent) => JSON.stringify(event),
    limit: 20_000,
  };
  const adjacency = getAdjacencyMap(modelLogic, {
    ...traversal,
    events: managerModelEvents,
    // Shards keep their sessions only after a resumable stop, where every path ends.
    stopWhen: (state: State) => !state.machine.matches('running') && state.shards.sessions.length > 0,
  });
  const edges = adjacencyMapToArray(adjacency);
  const shortest = new Map<string, ManagerPathStep[]>();
  const prefixEvents = (state: State) =>
    managerModelEvents(state).filter((event) => !isFinalOnlyEvent(event));
  for (const path of getShortestPaths(modelLogic, { ...traversal, events: prefixEvents })) {
    shortest.set(serializeModelState(path.state), path.steps.slice(1).map(toStep));
  }
  const errors = edges
    .flatMap((edge) => [edge.state.machine, edge.nextState.machine])
    .filter((snapshot) => snapshot.status === 'error')
    .map((snapshot) => abstractManagerState(snapshot));
  const paths: ManagerModelPath[] = [];
  for (const edge of edges) {
    const from = serializeModelState(edge.state);
    const prefix = shortest.get(from);
    if (prefix === undefined) {
      errors.push(`no path to ${from}`);
      continue;
    }
    const last = toStep({ event: edge.event, state: edge.nextState });
    const path = {
      steps: [...prefix, last],
      edge: `${abstractManagerState(edge.state.machine)} --${edge.event.type}--> ${last.state}`,
    };
    const replayError = replay(path);
    if (replayError !== null) errors.push(replayError);
    paths.push(path);
  }
  return { paths, states: Object.keys(adjacency).length, edges: edges.length, errors };
}

/** Runs a path on the pure machine; the error, or null when every step reaches its state. */
function replay(path: ManagerModelPath): string | null {
  let state = initialModelState();
  for (const [index, step] of path.steps.entries()) {
    state = nextModelState(state, step.event);
    const actual = abstractManagerState(state.machine);
    if (actual !== step.state)
      return `path ${path.edge}: step ${index + 1} reached ${actual}, not ${step.state}`;
  }
  return null;
}

function toStep(step: { event: ManagerModelEvent; state: ManagerModelState }): ManagerPathStep {
  return { event: step.event, state: abstractManagerState(step.state.machine), shards: step.state.shards };
}

/**
 * `transitionKey` of `transitions.ts`, plus eventless (`always`) transitions, which it does not know
 * (their event type is empty): `<source id> --[always][<index>]`, as `listTransitionKeys` names them.
 */
export function managerTransitionKey(transition: {
  readonly source: AnyStateNode;
  readonly eventType: string;
}): string {
  const always = transition.source.always ?? [];
  const alwaysIndex = always.findIndex((candidate) => candidate === transition);
  if (alwaysIndex >= 0) return `${transition.source.id} --[always][${alwaysIndex}]`;
  const siblings = transition.source.transitions.get(transition.eventType) ?? [];
  const index = siblings.findIndex((candidate) => candidate === transition);
  return `${transition.source.id} --${transition.eventType}[${index < 0 ? 0 : index}]`;
}
