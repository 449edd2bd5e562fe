import { __unsafe_getAllOwnEventDescriptors, initialTransition } from 'xstate';
import type { ActorLogic, SnapshotFrom } from 'xstate';
import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import { shardMachine } from '../../../machines/index.js';
import type { ShardContext, ShardEvent, ShardInput } from '../../../machines/index.js';

/** A snapshot of the shard machine. */
export type ShardSnapshot = SnapshotFrom<typeof shardMachine>;

/** An event of the model: a machine event, or one of xstate's own (`xstate.after.*`, `xstate.done.actor.*`, …). */
export type ShardModelEvent = ShardEvent | { type: `xstate.${string}` };

/** One step of a path: the event, and the abstract state the machine must be in after it. */
export interface ShardModelStep {
  readonly event: ShardModelEvent;
  readonly state: string;
}

/** A path from the initial state, ending with the edge it was made for. */
export interface ShardModelPath {
  readonly steps: readonly ShardModelStep[];
  /** `from --event--> to` of the last step, in abstract states. */
  readonly edge: string;
}

/** Input of the model's machine: small resume budget so the "resumes exhausted" branch is reachable. */
export const shardModelInput: ShardInput = {
  shardId: 0,
  gatewayUrl: 'ws://model.invalid',
  config: { maxResumeAttempts: 2 },
};

/**
 * The state as the model sees it: the state value plus the context facts guards read. Counters that
 * only grow (reconnect attempts) are left out, or the graph would be infinite.
 */
export function abstractShardState(snapshot: ShardSnapshot): string {
  const context: ShardContext = snapshot.context;
  return JSON.stringify({
    value: snapshot.value,
    status: snapshot.status,
    session:
      context.session === null ? 'none' : context.session.resumeUrl === null ? 'noResumeUrl' : 'resumeUrl',
    resumeAttempts: context.resumeAttempts,
    hello: context.helloReceived,
    alive: context.receivedSinceHeartbeat,
  });
}

/** The error code with which the identify gate reports a token rejected by `GET /gateway/bot`. */
export const REJECTED_TOKEN_CODE = 'STATECORD_ERR_HTTP_UNAUTHORIZED';

/** Payload variants: one per guard branch the event can take. */
const eventVariants: Record<string, readonly ShardModelEvent[]> = {
  'shard.stop': [
    { type: 'shard.stop', resumable: true },
    { type: 'shard.stop', resumable: false },
  ],
  'socket.closed': [
    { type: 'socket.closed', code: 4000, initiator: 'gateway' },
    { type: 'socket.closed', code: 4004, initiator: 'gateway' },
    { type: 'socket.closed', code: 4007, initiator: 'gateway' },
  ],
  'gateway.invalidSession': [
    { type: 'gateway.invalidSession', resumable: true },
    { type: 'gateway.invalidSession', resumable: false },
  ],
  // A saved session the fake gateway knows cannot be made up here; adopting one is covered by the
  // cold-resume tests. The model adopts "no session", which takes the same transitions.
  'shard.adoptSession': [{ type: 'shard.adoptSession', session: null }],
  'gateway.hello': [{ type: 'gateway.hello', heartbeatIntervalMs: 41_250 }],
  'gateway.ready': [
    { type: 'gateway.ready', sessionId: 'model-session', resumeUrl: 'ws://model.invalid/resume' },
  ],
};

/** The events to try in a state: every event the active states handle, with payload variants. */
export function shardModelEvents(snapshot: ShardSnapshot): ShardModelEvent[] {
  const types = __unsafe_getAllOwnEventDescriptors(snapshot) as string[];
  return types
    .filter((type) => !type.includes('*'))
    .flatMap((type): readonly ShardModelEvent[] => {
      // The identify gate fails: for any reason, or because GET /gateway/bot rejected the token.
      if (type.startsWith('xstate.error.actor.')) {
        return [
          { type } as ShardModelEvent,
          { type, error: { code: REJECTED_TOKEN_CODE } } as ShardModelEvent,
        ];
      }
      return eventVariants[type] ?? [{ type } as ShardModelEvent];
    });
}

// xstate/graph's traversal functions are typed for machines without emitted events (see xstate.md §3).
const graphLogic = shardMachine as unknown as ActorLogic<ShardSnapshot, ShardModelEvent, ShardInput>;

/**
 * Explores the pure machine and returns one path per edge of its abstract state graph: the shortest
 * path to the edge's source state, then the edge. Executing them all takes every transition.
 */
export function shardModelPaths(): {
  paths: ShardModelPath[];
  states: number;
  edges: number;
  errors: string[];
} {
  const [initial] = initialTransition(shardMachine, shardModelInput);
  const traversal = {
    input: shardModelInput,
    fromState: initial,
    events: shardModelEvents,
    serializeState: (snapshot: ShardSnapshot) => abstractShardState(snapshot),
    serializeEvent: (event: ShardModelEvent) => JSON.stringify(event),
    limit: 20_000,
  };
  const adjacency = getAdjacencyMap(graphLogic, traversal);
  const edges = adjacencyMapToArray(adjacency);
  const shortest = new Map<string, ShardModelStep[]>();
  for (const path of getShortestPaths(graphLogic, traversal)) {
    shortest.set(
      abstractShardState(path.state),
      path.steps.slice(1).map((step) => ({ event: step.event, state: abstractShardState(step.state) })),
    );
  }
  const errors = edges
    .flatMap((edge) => [edge.state, edge.nextState])
    .filter((state) => state.status === 'error')
    .map((state) => abstractShardState(state));
  const paths: ShardModelPath[] = [];
  for (const edge of edges) {
    const from = abstractShardState(edge.state);
    const to = abstractShardState(edge.nextState);
    const prefix = shortest.get(from);
    if (prefix === undefined) continue;
    paths.push({
      steps: [...prefix, { event: edge.event, state: to }],
      edge: `${from} --${edge.event.type}--> ${to}`,
    });
  }
  return { paths, states: Object.keys(adjacency).length, edges: edges.length, errors };
}
