import { __unsafe_getAllOwnEventDescriptors, initialTransition } from 'xstate';
import type { ActorLogic, SnapshotFrom } from 'xstate';
import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import { shardMachine } from '../../../machines/index.js';
import type { ShardContext, ShardEvent, ShardInput } from '../../../machines/index.js';
import { continueFrom as genericContinueFrom } from './model-continuation.js';
import type { ContinuationRules } from './model-continuation.js';

/** A snapshot of the shard machine. */
export type ShardSnapshot = SnapshotFrom<typeof shardMachine>;

/** An event of the model: a machine event, or one of xstate's own (`xstate.after.*`, `xstate.done.actor.*`, …). */
export type ShardModelEvent =
  | ShardEvent
  | {
      /** xstate's own event type, e.g. `xstate.after.…` for a delay. */
      type: `xstate.${string}`;
    };

/** One step of a path: the event, and the abstract state the machine must be in after it. */
export interface ShardModelStep {
  /** The event taken (a machine event or an xstate-internal one). */
  readonly event: ShardModelEvent;
  /** The abstract state after it. */
  readonly state: string;
}

/**
 * How a path was made: `edge` runs one edge of the graph (the shortest path to its source, the edge,
 * and, when the edge leaves the shard waiting to reconnect, the next connection); the probes continue
 * from a state with what the gateway does when things go wrong (see {@link shardModelPaths}).
 */
export type ShardModelPathKind = 'edge' | 'silence' | 'refused-resumes';

/** A path from the initial state, ending with the edge (or the probe) it was made for. */
export interface ShardModelPath {
  /** The steps from the initial state; the last ones take the edge (or run the probe). */
  readonly steps: readonly ShardModelStep[];
  /** `from --event--> to` of the edge, in abstract states (for a probe: `<kind> from <state>`). */
  readonly edge: string;
  /** Absent on paths made before probes existed: an edge path. */
  readonly kind?: ShardModelPathKind;
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

/**
 * Events the shard model leaves out: a voice connection is a child actor of the shard with a model of
 * its own, and opening or closing one does not change the shard's gateway lifecycle.
 */
export const shardModelSkippedEvents: ReadonlySet<string> = new Set(['shard.openVoice', 'shard.closeVoice']);

/** The events to try in a state: every event the active states handle, with payload variants. */
export function shardModelEvents(snapshot: ShardSnapshot): ShardModelEvent[] {
  const types = __unsafe_getAllOwnEventDescriptors(snapshot) as string[];
  return types
    .filter((type) => !type.includes('*') && !shardModelSkippedEvents.has(type))
    .flatMap((type): readonly ShardModelEvent[] => {
      // The identify gate fails: for any reason, or because GET /gateway/bot rejected the token.
      if (type === 'identify.refused') {
        return [
          { type, error: new Error('refused') },
          { type, error: { code: REJECTED_TOKEN_CODE } },
        ];
      }
      return eventVariants[type] ?? [{ type } as ShardModelEvent];
    });
}

// xstate/graph's traversal functions are typed for machines without emitted events (see xstate.md §3).
const graphLogic = shardMachine as unknown as ActorLogic<ShardSnapshot, ShardModelEvent, ShardInput>;

/** An edge of the abstract graph. */
interface ModelEdge {
  readonly event: ShardModelEvent;
  readonly from: string;
  readonly to: string;
}

/** The parts of an abstract state the path builders look at. */
function describe(state: string): { lifecycle: string | null; heartbeat: string | null; alive: boolean } {
  const parsed = JSON.parse(state) as { value: unknown; alive: boolean };
  const connection =
    typeof parsed.value === 'object' && parsed.value !== null && 'connection' in parsed.value
      ? (parsed.value as { connection: { lifecycle: unknown; heartbeat: unknown } }).connection
      : null;
  const name = (value: unknown) =>
    typeof value === 'string' ? value : value === undefined || value === null ? null : Object.keys(value)[0]!;
  return {
    lifecycle: connection === null ? null : name(connection.lifecycle),
    heartbeat: connection === null ? null : name(connection.heartbeat),
    alive: parsed.alive,
  };
}

const isTimer = (edge: ModelEdge, name: string) => edge.event.type.startsWith(`xstate.after.${name}.`);

/**
 * The shortest continuation from `from` along edges `allowed` accepts until an edge `goal` accepts,
 * counting with `count` (e.g. failed resumes) on the way; null when there is none.
 */
function continueFrom(
  outgoing: ReadonlyMap<string, readonly ModelEdge[]>,
  from: string,
  rules: ContinuationRules<ModelEdge>,
): ShardModelStep[] | null {
  return genericContinueFrom(outgoing, from, rules);
}

/**
 * What happens while the gateway refuses every RESUME: it asks for reconnects, says HELLO, answers a
 * RESUME with op 9 d:true or a 4000 close or lets it time out, and lets an IDENTIFY through; it never
 * answers RESUMED, and never ends the session itself (op 9 d:false, 4007).
 */
function refusesResumes(edge: ModelEdge): boolean {
  const event = edge.event;
  if (event.type === 'gateway.invalidSession') return 'resumable' in event && event.resumable;
  if (event.type === 'socket.closed') return 'code' in event && event.code === 4000;
  return (
    event.type === 'gateway.reconnect' ||
    event.type === 'gateway.hello' ||
    event.type === 'identify.granted' ||
    isTimer(edge, 'reconnectBackoff') ||
    isTimer(edge, 'resumeTimeout') ||
    isTimer(edge, 'invalidSessionWait')
  );
}

/** A failed RESUME: answered with op 9 d:true or a resumable close, or timed out. */
function failsResume(edge: ModelEdge): boolean {
  if (describe(edge.from).lifecycle !== 'resuming') return false;
  const event = edge.event;
  return (
    (event.type === 'gateway.invalidSession' && 'resumable' in event && event.resumable) ||
    event.type === 'socket.closed' ||
    isTimer(edge, 'resumeTimeout')
  );
}

/**
 * Explores the pure machine and returns one path per edge of its abstract state graph: the shortest
 * path to the edge's source state, then the edge. Executing them all takes every transition. An edge
 * that leaves the shard in `reconnecting` is followed by the next connection, so that where the
 * shard reconnects to is seen too.
 *
 * Edge coverage alone cannot see a counter or a timer that is not reset: the state after the bug looks
 * like one the shortest paths already reach. So `probes` continue from states with what the gateway
 * does when things go wrong, long enough for the protocol oracles to judge:
 * - `silence`: from every state where heartbeats are acknowledged, the gateway goes silent; only the
 *   heartbeat timers run until the shard drops the connection (the zombie rule, re-armed timers);
 * - `refused-resumes`: from every live session, the gateway refuses every RESUME until the shard
 *   identifies, or resumes once more than `maxResumeAttempts` allow (the resume budget).
 * `probeErrors` names start states from which a probe cannot reach its end in the model.
 */
export function shardModelPaths(): {
  /** One path per edge of the graph. */
  paths: ShardModelPath[];
  /** The `silence` and `refused-resumes` probes. */
  probes: ShardModelPath[];
  /** How many abstract states the model has. */
  states: number;
  /** How many edges (state, event → state) the model has. */
  edges: number;
  /** Abstract states in which the machine ended in an error; empty when sound. */
  errors: string[];
  /** Start states from which a probe cannot reach its end in the model. */
  probeErrors: string[];
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
  const outgoing = new Map<string, ModelEdge[]>();
  const modelEdges = edges.map((edge): ModelEdge => ({
    event: edge.event,
    from: abstractShardState(edge.state),
    to: abstractShardState(edge.nextState),
  }));
  for (const edge of modelEdges) {
    const list = outgoing.get(edge.from) ?? [];
    list.push(edge);
    outgoing.set(edge.from, list);
  }

  const paths: ShardModelPath[] = [];
  for (const edge of modelEdges) {
    const prefix = shortest.get(edge.from);
    if (prefix === undefined) continue;
    const steps = [...prefix, { event: edge.event, state: edge.to }];
    const backoff = (outgoing.get(edge.to) ?? []).find((next) => isTimer(next, 'reconnectBackoff'));
    if (backoff !== undefined) steps.push({ event: backoff.event, state: backoff.to });
    paths.push({ steps, edge: `${edge.from} --${edge.event.type}--> ${edge.to}`, kind: 'edge' });
  }

  const maxResumes = shardModelInput.config?.maxResumeAttempts ?? 1;
  const probes: ShardModelPath[] = [];
  const probeErrors: string[] = [];
  const probe = (kind: ShardModelPathKind, from: string, rules: Parameters<typeof continueFrom>[2]) => {
    const prefix = shortest.get(from);
    const rest = continueFrom(outgoing, from, rules);
    if (prefix === undefined || rest === null) probeErrors.push(`no ${kind} probe from ${from}`);
    else probes.push({ steps: [...prefix, ...rest], edge: `${kind} from ${from}`, kind });
  };
  for (const state of shortest.keys()) {
    const { lifecycle, heartbeat, alive } = describe(state);
    if (heartbeat === 'beating' && alive) {
      probe('silence', state, {
        allowed: (edge) => isTimer(edge, 'firstHeartbeat') || isTimer(edge, 'heartbeatInterval'),
        goal: (edge) => describe(edge.to).lifecycle === null,
      });
    }
    if (lifecycle === 'ready') {
      probe('refused-resumes', state, {
        allowed: refusesResumes,
        count: (edge, count) => Math.min(count + (failsResume(edge) ? 1 : 0), maxResumes + 1),
        goal: (edge, count) =>
          edge.event.type === 'identify.granted' ||
          (edge.event.type === 'gateway.hello' &&
            describe(edge.to).lifecycle === 'resuming' &&
            count >= maxResumes),
      });
    }
  }
  return {
    paths,
    probes,
    states: Object.keys(adjacency).length,
    edges: edges.length,
    errors,
    probeErrors,
  };
}
