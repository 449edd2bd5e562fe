import { initialTransition } from 'xstate';
import { adjacencyMapToArray, getAdjacencyMap } from 'xstate/graph';
import { voiceMachine } from '../../../machines/index.js';
import { abstractVoiceState, voiceModelEvents, voiceModelInput } from './voice-model.js';
import type { VoiceModelEvent, VoiceSnapshot } from './voice-model.js';
import {
  changesSession,
  continueFrom,
  graphLogic,
  isTimer,
  phaseOf,
  replayVoiceEvents,
} from './voice-model-graph.js';
import type { VoiceModelEdge, VoiceModelPath, VoiceModelStep } from './voice-model-graph.js';
import { voiceModelProbes } from './voice-model-probes.js';

export { replayVoiceEvents } from './voice-model-graph.js';
export type {
  VoiceModelEdge,
  VoiceModelPath,
  VoiceModelPathKind,
  VoiceModelStep,
} from './voice-model-graph.js';

/**
 * Explores the pure voice machine and returns one path per edge of its abstract state graph: the
 * shortest path to the edge's source state, then the edge. Executing them all takes every transition
 * the model offers. An edge that leaves the connection in `reconnecting` is followed by the back-off
 * and the next socket opening (RESUME or IDENTIFY); one that leads into `signalling` from elsewhere by
 * both dispatches and the next socket opening, so the oracles see where the connection goes next.
 *
 * The probes (`voice-model-probes.ts`) follow budgets the edges never use up; `probeErrors` names
 * those the model cannot build.
 */
export function voiceModelPaths(): {
  /** One path per reachable edge of the graph. */
  paths: VoiceModelPath[];
  /** The budget probes (see `voice-model-probes.ts`). */
  probes: VoiceModelPath[];
  /** How many abstract states the model has. */
  states: number;
  /** Every edge of the graph. */
  edges: VoiceModelEdge[];
  /** Abstract states in which the machine ended in an error; empty when sound. */
  errors: string[];
  /** Probes the model cannot build, named by their start state. */
  probeErrors: string[];
  /** Edges whose source state no path reaches, as `from --event--> to`. */
  unreachable: string[];
} {
  const [initial] = initialTransition(voiceMachine, voiceModelInput);
  const adjacency = getAdjacencyMap(graphLogic, {
    input: voiceModelInput,
    fromState: initial,
    events: voiceModelEvents,
    serializeState: (snapshot: VoiceSnapshot) => abstractVoiceState(snapshot),
    serializeEvent: (event: VoiceModelEvent) => JSON.stringify(event),
    limit: 50_000,
  });
  const raw = adjacencyMapToArray(adjacency);
  const errors = raw
    .flatMap((edge) => [edge.state, edge.nextState])
    .filter((state) => state.status === 'error')
    .map((state) => abstractVoiceState(state));
  const edges = raw.map((edge): VoiceModelEdge => ({
    event: edge.event,
    from: abstractVoiceState(edge.state),
    to: abstractVoiceState(edge.nextState),
    final: changesSession(edge.state, edge.event),
  }));
  const outgoing = new Map<string, VoiceModelEdge[]>();
  for (const edge of edges) {
    const list = outgoing.get(edge.from) ?? [];
    list.push(edge);
    outgoing.set(edge.from, list);
  }

  // Shortest prefixes, never through an edge that must end its path.
  const start = abstractVoiceState(initial);
  const shortest = new Map<string, VoiceModelStep[]>([[start, []]]);
  for (let queue = [start]; queue.length > 0;) {
    const next: string[] = [];
    for (const state of queue) {
      for (const edge of outgoing.get(state) ?? []) {
        if (edge.final || shortest.has(edge.to)) continue;
        shortest.set(edge.to, [...shortest.get(state)!, { event: edge.event, state: edge.to }]);
        next.push(edge.to);
      }
    }
    queue = next;
  }

  const paths: VoiceModelPath[] = [];
  const unreachable: string[] = [];
  for (const edge of edges) {
    const prefix = shortest.get(edge.from);
    const name = `${edge.from} --${JSON.stringify(edge.event)}--> ${edge.to}`;
    if (prefix === undefined) {
      unreachable.push(name);
      continue;
    }
    const steps = [...prefix, { event: edge.event, state: edge.to }];
    if (!edge.final) steps.push(...followUp(outgoing, edge));
    paths.push({ steps: replayVoiceEvents(steps.map((step) => step.event)), edge: name, kind: 'edge' });
  }

  const { probes, probeErrors } = voiceModelProbes(outgoing, shortest);

  return {
    paths,
    probes,
    states: Object.keys(adjacency).length,
    edges,
    errors,
    probeErrors,
    unreachable,
  };
}

/**
 * What follows an edge so that the oracles see where the connection goes: after an edge into
 * `reconnecting`, the back-off and the next socket opening; after an edge into `signalling` from
 * elsewhere (a rejoin, a new gateway session, `rejoin()`), both dispatches and the next socket opening.
 */
function followUp(
  outgoing: ReadonlyMap<string, readonly VoiceModelEdge[]>,
  edge: VoiceModelEdge,
): VoiceModelStep[] {
  const to = phaseOf(edge.to);
  const opens = (next: VoiceModelEdge) => next.event.type === 'socket.opened';
  if (to === 'reconnecting') {
    return (
      continueFrom(outgoing, edge.to, {
        allowed: (next) => isTimer(next, 'reconnectBackoff') || opens(next),
        goal: (next) =>
          opens(next) || (isTimer(next, 'reconnectBackoff') && phaseOf(next.to) !== 'connecting'),
      }) ?? []
    );
  }
  if (to === 'signalling' && phaseOf(edge.from) !== 'signalling' && phaseOf(edge.from) !== 'idle') {
    return (
      continueFrom(outgoing, edge.to, {
        allowed: (next) =>
          opens(next) ||
          (next.event.type === 'gateway.voiceState' && next.event.channelId !== null) ||
          (next.event.type === 'gateway.voiceServer' && next.event.endpoint !== null),
        goal: opens,
      }) ?? []
    );
  }
  return [];
}
