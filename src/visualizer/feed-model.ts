import type { AnyActorRef, AnyEventObject, AnyStateNode, InspectionEvent, StateValue } from 'xstate';
import { managerMachine, shardMachine, voiceMachine } from '../../machines/index.js';
import type {
  ManagerEvent,
  ShardEvent,
  VoiceDisconnectReason,
  VoiceEvent,
  VoiceFailureReason,
} from '../../machines/index.js';
import { eventLabel } from '../diagrams/mermaid.js';
import { shardStatus } from '../shard/shard-status.js';
import { voiceStatus } from '../voice/voice-status.js';
import type {
  FeedMessage,
  LogEntry,
  ManagerView,
  ShardView,
  StateTreeNode,
  VoiceDisconnectionView,
  VoiceView,
} from './feed-types.js';
import { activeStateIds, leafPaths, stateTree } from './state-tree.js';

/** What the visualizer reads from a manager's shards between transitions (both live outside the machine). */
export interface VisualizedShard {
  readonly id: number;
  readonly latency: number | null;
  readonly session: { readonly sequence: number | null } | null;
}

/** What the visualizer needs of a `ShardManager`: its shards, for the counters. */
export interface VisualizedManager {
  readonly shards: readonly VisualizedShard[];
}

/**
 * Lifecycle events by name. An event whose type is not listed here (or an xstate built-in) is shown
 * as `(other)`: nothing but a listed name reaches the page. Typed as records so that a renamed event
 * fails to compile here.
 */
const shardEventTypes: Record<ShardEvent['type'], true> = {
  'shard.start': true,
  'shard.adoptSession': true,
  'shard.stop': true,
  'socket.closed': true,
  'socket.alive': true,
  'socket.corrupt': true,
  'gateway.hello': true,
  'gateway.ready': true,
  'gateway.resumed': true,
  'gateway.reconnect': true,
  'gateway.invalidSession': true,
  'gateway.heartbeatRequest': true,
  'shard.openVoice': true,
  'shard.closeVoice': true,
};
const managerEventTypes: Record<Exclude<ManagerEvent['type'], `xstate.${string}`>, true> = {
  'manager.createShards': true,
  'manager.createRecommendedShards': true,
  'manager.start': true,
  'manager.stop': true,
  'shard.ready': true,
  'shard.unready': true,
  'shard.failed': true,
};
const voiceEventTypes: Record<VoiceEvent['type'], true> = {
  'voice.join': true,
  'voice.move': true,
  'voice.setSelf': true,
  'voice.leave': true,
  'voice.rejoin': true,
  'voice.speak': true,
  'gateway.voiceState': true,
  'gateway.voiceServer': true,
  'shard.sessionReplaced': true,
  'shard.unavailable': true,
  'socket.opened': true,
  'socket.closed': true,
  'voice.hello': true,
  'voice.ready': true,
  'voice.sessionDescription': true,
  'voice.resumed': true,
  'voice.heartbeatAck': true,
  'udp.discovered': true,
  'dave.externalSender': true,
  'dave.proposals': true,
  'dave.commit': true,
  'dave.welcome': true,
  'dave.prepareTransition': true,
  'dave.executeTransition': true,
  'dave.prepareEpoch': true,
  'dave.decryptFailing': true,
};
/** The words a voice disconnection may show: the machine's own enumerations, nothing from the wire. */
const voiceDisconnectReasons: Record<VoiceDisconnectReason, true> = {
  CloseCode: true,
  EndpointRemoved: true,
  RemovedFromChannel: true,
  ShardSessionLost: true,
  TimedOut: true,
  NoSupportedEncryptionMode: true,
  Left: true,
};
const voiceFailureReasons: Record<VoiceFailureReason, true> = {
  ProtocolError: true,
  Disconnected: true,
  E2EERequired: true,
  RateLimited: true,
  CallTerminated: true,
};
const knownEventTypes = new Set<string>([
  ...Object.keys(shardEventTypes),
  ...Object.keys(managerEventTypes),
  ...Object.keys(voiceEventTypes),
]);
const knownDisconnectReasons = new Set<string>(Object.keys(voiceDisconnectReasons));
const knownFailureReasons = new Set<string>(Object.keys(voiceFailureReasons));
const builtinPrefixes = ['xstate.after.', 'xstate.done.actor.', 'xstate.error.actor.'];
const SAFE_WORD = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
/** `gateway`, `transport`: a shard's socket; `server`, `transport`: a voice socket. */
const CLOSE_INITIATORS = new Set(['gateway', 'server', 'transport']);
/** A guild id as the page may show it: a snowflake, digits only. */
const SNOWFLAKE = /^\d{1,20}$/;

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function integerOrNull(value: unknown): number | null {
  return isInteger(value) ? value : null;
}

function integers(value: unknown): number[] {
  return Array.isArray(value) ? value.filter(isInteger) : [];
}

/** The event's name as the page may show it: a listed lifecycle event or a labelled xstate built-in. */
export function safeEventName(type: string, source: AnyStateNode | undefined): string {
  if (knownEventTypes.has(type)) return type;
  if (builtinPrefixes.some((prefix) => type.startsWith(prefix))) {
    // Labels come from the machine definition (delay names, invoke sources), not from the event.
    return source === undefined ? type.split('.').slice(0, 2).join('.') : eventLabel(type, source);
  }
  if (type === 'xstate.init' || type === 'xstate.stop') return type;
  return '(other)';
}

/** The few facts of a lifecycle event worth showing, each checked for its type. Nothing else is read. */
export function eventDetail(event: AnyEventObject): string | null {
  const fields = event as Record<string, unknown>;
  switch (event.type) {
    case 'socket.closed': {
      const code = integerOrNull(fields['code']);
      const initiator = fields['initiator'];
      if (code === null) return null;
      return typeof initiator === 'string' && CLOSE_INITIATORS.has(initiator)
        ? `code ${code} (${initiator})`
        : `code ${code}`;
    }
    case 'gateway.invalidSession':
    case 'shard.stop':
    case 'manager.stop':
      return typeof fields['resumable'] === 'boolean' ? `resumable: ${String(fields['resumable'])}` : null;
    case 'gateway.hello':
    case 'voice.hello': {
      const interval = integerOrNull(fields['heartbeatIntervalMs']);
      return interval === null ? null : `heartbeat ${interval} ms`;
    }
    case 'voice.speak':
      return typeof fields['speaking'] === 'boolean' ? `speaking: ${String(fields['speaking'])}` : null;
    // Only whether the field is null: a voice endpoint or channel is not shown.
    case 'gateway.voiceServer':
      return fields['endpoint'] === null ? 'endpoint: null' : null;
    case 'gateway.voiceState':
      return fields['channelId'] === null ? 'channel: null' : null;
    case 'shard.ready':
    case 'shard.unready': {
      const shardId = integerOrNull(fields['shardId']);
      return shardId === null ? null : `shard ${shardId}`;
    }
    case 'shard.failed': {
      const shardId = integerOrNull(fields['shardId']);
      const reason = fields['reason'];
      const why = typeof reason === 'string' && SAFE_WORD.test(reason) ? `: ${reason}` : '';
      return shardId === null ? null : `shard ${shardId}${why}`;
    }
    case 'manager.createShards': {
      const total = integerOrNull(fields['totalShards']);
      return total === null ? null : `${integers(fields['shardIds']).length} of ${total}`;
    }
    default:
      return null;
  }
}

/** `connection.lifecycle.identifying.awaitingReady` → `identifying.awaitingReady`; top-level states as they are. */
function lifecycleLabel(value: StateValue): string {
  const leaves = leafPaths(value);
  const lifecycle = leaves.find((leaf) => leaf.startsWith('connection.lifecycle.'));
  if (lifecycle !== undefined) return lifecycle.slice('connection.lifecycle.'.length);
  return leaves[0] ?? '';
}

function heartbeatLabel(value: StateValue): string {
  const leaf = leafPaths(value).find((path) => path.startsWith('connection.heartbeat.'));
  return leaf === undefined ? '' : leaf.slice('connection.'.length);
}

/** `session.connection.lifecycle.ready.speaking` → `ready.speaking`; `session.reconnecting` → `reconnecting`. */
function voiceLifecycleLabel(value: StateValue): string {
  const leaves = leafPaths(value);
  const lifecycle = leaves.find((leaf) => leaf.startsWith('session.connection.lifecycle.'));
  if (lifecycle !== undefined) return lifecycle.slice('session.connection.lifecycle.'.length);
  const leaf = leaves[0] ?? '';
  return leaf.startsWith('session.') ? leaf.slice('session.'.length) : leaf;
}

function voiceHeartbeatLabel(value: StateValue): string {
  const leaf = leafPaths(value).find((path) => path.startsWith('session.connection.heartbeat.'));
  return leaf === undefined ? '' : leaf.slice('session.connection.'.length);
}

/** How a machine's state values read in the log: its flattened status, its lifecycle step, its heartbeat. */
interface LogLabels {
  readonly status: (value: StateValue) => string;
  readonly lifecycle: (value: StateValue) => string;
  readonly heartbeat: (value: StateValue) => string;
}
const shardLabels: LogLabels = { status: shardStatus, lifecycle: lifecycleLabel, heartbeat: heartbeatLabel };
const voiceLabels: LogLabels = {
  status: voiceStatus,
  lifecycle: voiceLifecycleLabel,
  heartbeat: voiceHeartbeatLabel,
};

/** A voice disconnection's reason, close code and failure, each checked; null for anything else. */
export function voiceDisconnectionView(value: unknown): VoiceDisconnectionView | null {
  if (typeof value !== 'object' || value === null) return null;
  const fields = value as Record<string, unknown>;
  const reason = fields['reason'];
  if (typeof reason !== 'string' || !knownDisconnectReasons.has(reason)) return null;
  const failure = fields['failure'];
  return {
    reason,
    closeCode: integerOrNull(fields['closeCode']),
    failure: typeof failure === 'string' && knownFailureReasons.has(failure) ? failure : null,
  };
}

/**
 * The shard id of an actor's parent, when the parent is a shard actor. The inspection event's
 * `actorRef` is the running actor, whose `_parent` (part of xstate's `ActorRef`) is the actor that
 * spawned it: a voice actor is a child of its shard's actor. Known shard actors are looked up by
 * session id; an unknown parent's own snapshot is read as a fallback (only its `shardId`).
 */
function parentShardId(actorRef: unknown, shardActors: ReadonlyMap<string, number>): number | null {
  const parent = (actorRef as Partial<Pick<AnyActorRef, '_parent'>>)._parent;
  if (parent === undefined || parent === null) return null;
  const known = typeof parent.sessionId === 'string' ? shardActors.get(parent.sessionId) : undefined;
  if (known !== undefined) return known;
  const snapshot = (
    typeof parent.getSnapshot === 'function' ? parent.getSnapshot() : null
  ) as SnapshotLike | null;
  if (snapshot?.machine?.id !== 'shard') return null;
  return integerOrNull((snapshot.context as Record<string, unknown> | undefined)?.['shardId']);
}

interface TransitionLike {
  readonly source: AnyStateNode;
  readonly target?: readonly AnyStateNode[] | undefined;
}

/** The parts of an inspected snapshot the visualizer reads. */
interface SnapshotLike {
  readonly status?: unknown;
  readonly value?: unknown;
  readonly context?: unknown;
  readonly machine?: { readonly id?: unknown };
}

interface ShardRecord {
  /** Session id number of the actor (`x:N`): a re-created shard's new actor has a larger one. */
  readonly actorNumber: number;
  readonly sessionId: string;
  value: StateValue;
  view: ShardView;
  sent: string;
}

interface VoiceRecord {
  /** Session id number of the actor: a guild's next connection is a new actor with a larger one. */
  readonly actorNumber: number;
  value: StateValue;
  view: VoiceView;
  sent: string;
}

function compareSnowflakes(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function actorNumber(sessionId: unknown): number {
  const match = typeof sessionId === 'string' ? /(\d+)$/.exec(sessionId) : null;
  return match === null ? 0 : Number(match[1]);
}

/** Options of {@link VisualizerModel}. */
export interface VisualizerModelOptions {
  /** How many transition log entries are kept for pages that connect later. Default 500. */
  readonly logSize?: number;
  /** Clock (ms since the epoch). Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Turns the XState inspection stream of a manager's actor system into the visualizer's views: one
 * {@link ShardView} per shard actor, one {@link VoiceView} per voice actor (placed under the shard
 * whose actor is its parent), the manager's state, and a transition log. It reads only microsteps and
 * snapshots of the `shard`, `voice` and `manager` machines, and from those only whitelisted fields (see
 * `feed-types.ts`): never a session id, a voice endpoint or a dispatch. Every other actor (sockets,
 * identify gates) and inspection event is dropped before any work.
 */
export class VisualizerModel {
  readonly machine: StateTreeNode = stateTree(shardMachine);
  readonly voiceMachine: StateTreeNode = stateTree(voiceMachine);
  readonly #shards = new Map<number, ShardRecord>();
  /** Session id of each live shard actor → its shard id, to place voice actors under their parent. */
  readonly #shardActors = new Map<string, number>();
  readonly #voices = new Map<string, VoiceRecord>();
  readonly #log: LogEntry[] = [];
  readonly #listeners = new Set<(message: FeedMessage) => void>();
  readonly #logSize: number;
  readonly #now: () => number;
  #manager: ManagerView | null = null;
  #managerSent = '';
  #managerValue: string | null = null;
  #entries = 0;
  #seen = false;

  constructor(options: VisualizerModelOptions = {}) {
    this.#logSize = options.logSize ?? 500;
    this.#now = options.now ?? Date.now;
  }

  /** Whether any shard or manager inspection event arrived (i.e. the observer is wired). */
  get seenActors(): boolean {
    return this.#seen;
  }

  /** The XState inspection observer. Never throws: a visualizer bug must not break the shards. */
  readonly inspect = (event: InspectionEvent): void => {
    if (event.type !== '@xstate.microstep' && event.type !== '@xstate.snapshot') return;
    const snapshot = event.snapshot as SnapshotLike;
    const machineId = snapshot.machine?.id;
    if (machineId !== 'shard' && machineId !== 'manager' && machineId !== 'voice') return;
    try {
      const transitions =
        event.type === '@xstate.microstep' ? (event._transitions as unknown as TransitionLike[]) : [];
      const microstep = event.type === '@xstate.microstep';
      if (machineId === 'shard')
        this.#onShard(event.actorRef.sessionId, event.event, snapshot, transitions, microstep);
      else if (machineId === 'voice')
        this.#onVoice(event.actorRef, event.event, snapshot, transitions, microstep);
      else this.#onManager(event.event, snapshot, transitions);
    } catch {
      // The page is a debugging aid; whatever went wrong here, the shards keep running.
    }
  };

  /** Everything a page needs when it connects. */
  hello(): FeedMessage {
    return {
      type: 'hello',
      machine: this.machine,
      voiceMachine: this.voiceMachine,
      manager: this.#manager,
      shards: [...this.#shards.values()].map((record) => record.view).sort((a, b) => a.id - b.id),
      voices: this.voices,
      log: [...this.#log],
    };
  }

  get shards(): readonly ShardView[] {
    return [...this.#shards.values()].map((record) => record.view);
  }

  /** The live voice connections, by shard, then guild id. */
  get voices(): readonly VoiceView[] {
    return [...this.#voices.values()]
      .map((record) => record.view)
      .sort((a, b) => a.shard - b.shard || compareSnowflakes(a.guildId, b.guildId));
  }

  get log(): readonly LogEntry[] {
    return this.#log;
  }

  subscribe(listener: (message: FeedMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reads the counters that live in the adapter (sequence, latency) and publishes the shards that changed. */
  refreshCounters(manager: VisualizedManager): void {
    for (const shard of manager.shards) {
      const record = this.#shards.get(shard.id);
      if (record === undefined) continue;
      const sequence = integerOrNull(shard.session?.sequence);
      const latency = typeof shard.latency === 'number' ? Math.round(shard.latency * 10) / 10 : null;
      if (record.view.sequence === sequence && record.view.latencyMs === latency) continue;
      record.view = { ...record.view, sequence, latencyMs: latency };
      this.#publishShard(record);
    }
  }

  #onShard(
    sessionId: string,
    event: AnyEventObject,
    snapshot: SnapshotLike,
    transitions: TransitionLike[],
    microstep: boolean,
  ): void {
    const context = (snapshot.context ?? {}) as Record<string, unknown>;
    const shardId = context['shardId'];
    if (!isInteger(shardId)) return;
    this.#seen = true;
    const number = actorNumber(sessionId);
    let record = this.#shards.get(shardId);
    if (record !== undefined && number < record.actorNumber) return; // a replaced actor's last words
    if (snapshot.status === 'stopped') {
      // The actor itself was stopped (the manager re-created its shards), not the `stopped` state.
      if (record !== undefined && record.actorNumber === number) {
        this.#shards.delete(shardId);
        this.#shardActors.delete(record.sessionId);
        this.#publish({ type: 'shardRemoved', id: shardId });
      }
      return;
    }
    // Microsteps carry every change; a snapshot event only matters for a new actor's initial state.
    if (!microstep && record !== undefined && record.actorNumber === number) return;
    const value = (snapshot.value ?? 'idle') as StateValue;
    if (record === undefined || number > record.actorNumber) {
      if (record !== undefined) this.#shardActors.delete(record.sessionId);
      record = { actorNumber: number, sessionId, value: 'idle', view: this.#initialView(shardId), sent: '' };
      this.#shards.set(shardId, record);
      this.#shardActors.set(sessionId, shardId);
    }
    const previous = record.value;
    const taken = transitions.filter((transition) => (transition.target?.length ?? 0) > 0);
    const status = shardStatus(value);
    const previousStatus = record.view.status;
    const active = activeStateIds(shardMachine.root, value);
    const entered = enteredStateIds(active, record.view.active, taken);
    const failure = context['failure'] as Record<string, unknown> | null | undefined;
    const reason = failure?.['reason'];
    record.value = value;
    record.view = {
      ...record.view,
      status,
      leaves: leafPaths(value),
      active,
      entered,
      reconnects: record.view.reconnects + (status === 'reconnecting' && previousStatus !== status ? 1 : 0),
      reconnectAttempts: integerOrNull(context['reconnectAttempts']) ?? 0,
      lastCloseCode: integerOrNull(context['lastCloseCode']),
      heartbeatIntervalMs: integerOrNull(context['heartbeatIntervalMs']),
      failure: typeof reason === 'string' && SAFE_WORD.test(reason) ? reason : null,
      since: status === previousStatus ? record.view.since : this.#now(),
    };
    if (taken.length > 0) this.#logStep(shardLabels, shardId, null, event, taken, previous, value);
    this.#publishShard(record);
  }

  #onVoice(
    actorRef: unknown,
    event: AnyEventObject,
    snapshot: SnapshotLike,
    transitions: TransitionLike[],
    microstep: boolean,
  ): void {
    const context = (snapshot.context ?? {}) as Record<string, unknown>;
    const guildId = context['guildId'];
    if (typeof guildId !== 'string' || !SNOWFLAKE.test(guildId)) return;
    this.#seen = true;
    const number = actorNumber((actorRef as { readonly sessionId?: unknown }).sessionId);
    let record = this.#voices.get(guildId);
    if (record !== undefined && number < record.actorNumber) return; // an earlier connection's last words
    const current = record !== undefined && record.actorNumber === number;
    if (snapshot.status !== 'active' && snapshot.status !== 'done') {
      // Stopped (`shard.closeVoice`, or with its shard's actor) or failed: the actor is gone.
      if (record !== undefined && current) this.#removeVoice(guildId, record);
      return;
    }
    // Microsteps carry every change; a snapshot event only matters for a new actor's initial state.
    if (current && !microstep) return;
    if (!current) {
      // A new actor; a finished one that was already dropped is not brought back.
      if (snapshot.status !== 'active') return;
      const shard = parentShardId(actorRef, this.#shardActors);
      if (shard === null) return; // not a shard's child: nothing to place it under
      record = { actorNumber: number, value: 'idle', view: this.#initialVoiceView(guildId, shard), sent: '' };
      this.#voices.set(guildId, record);
    }
    if (record === undefined) return;
    const value = (snapshot.value ?? 'idle') as StateValue;
    const previous = record.value;
    const taken = transitions.filter((transition) => (transition.target?.length ?? 0) > 0);
    const status = snapshot.status === 'done' ? 'destroyed' : voiceStatus(value);
    const previousStatus = record.view.status;
    const active = activeStateIds(voiceMachine.root, value);
    const entered = enteredStateIds(active, record.view.active, taken);
    const leftReady =
      previousStatus === 'ready' && status !== 'ready' && status !== 'disconnected' && status !== 'destroyed';
    record.value = value;
    record.view = {
      ...record.view,
      status,
      leaves: leafPaths(value),
      active,
      entered,
      reconnects: record.view.reconnects + (leftReady ? 1 : 0),
      disconnection:
        status === 'disconnected' || status === 'destroyed'
          ? voiceDisconnectionView(context['disconnection'])
          : null,
      since: status === previousStatus ? record.view.since : this.#now(),
    };
    if (taken.length > 0)
      this.#logStep(voiceLabels, record.view.shard, guildId, event, taken, previous, value);
    this.#publishVoice(record);
    // A final state: the actor stops itself, and no further event comes (closeVoice stops it silently).
    if (snapshot.status === 'done') this.#removeVoice(guildId, record);
  }

  #removeVoice(guildId: string, record: VoiceRecord): void {
    this.#voices.delete(guildId);
    this.#publish({ type: 'voiceRemoved', guildId, shard: record.view.shard });
  }

  #logStep(
    labels: LogLabels,
    shard: number,
    guild: string | null,
    event: AnyEventObject,
    taken: readonly TransitionLike[],
    previous: StateValue,
    value: StateValue,
  ): void {
    const base = {
      shard,
      guild,
      event: safeEventName(event.type, taken[0]?.source),
      detail: eventDetail(event),
    };
    const [fromLifecycle, toLifecycle] = [labels.lifecycle(previous), labels.lifecycle(value)];
    if (labels.status(previous) !== labels.status(value)) {
      this.#append({ ...base, from: fromLifecycle, to: toLifecycle, kind: 'status' });
    } else if (fromLifecycle !== toLifecycle) {
      this.#append({ ...base, from: fromLifecycle, to: toLifecycle, kind: 'step' });
    } else {
      this.#append({
        ...base,
        from: labels.heartbeat(previous),
        to: labels.heartbeat(value),
        kind: 'heartbeat',
      });
    }
  }

  #onManager(event: AnyEventObject, snapshot: SnapshotLike, transitions: TransitionLike[]): void {
    if (snapshot.status === 'stopped') return;
    this.#seen = true;
    const context = (snapshot.context ?? {}) as Record<string, unknown>;
    // The top-level state (`running` has start-up sub-states the view does not show).
    const value =
      typeof snapshot.value === 'string'
        ? snapshot.value
        : typeof snapshot.value === 'object' && snapshot.value !== null
          ? (Object.keys(snapshot.value)[0] ?? '')
          : String(snapshot.value);
    const managerNode = managerMachine.root;
    const state = managerNode.states[value] === undefined ? '(unknown)' : value;
    const view: ManagerView = {
      state,
      shardIds: integers(context['shardIds']),
      totalShards: integerOrNull(context['totalShards']) ?? 0,
      readyShards: integers(context['readyShards']).sort((a, b) => a - b),
    };
    const previous = this.#managerValue;
    this.#managerValue = state;
    if (previous !== null && previous !== state && transitions.some((t) => (t.target?.length ?? 0) > 0)) {
      this.#append({
        shard: null,
        guild: null,
        event: safeEventName(event.type, transitions[0]?.source),
        detail: eventDetail(event),
        from: previous,
        to: state,
        kind: 'status',
      });
    }
    this.#manager = view;
    const sent = JSON.stringify(view);
    if (sent === this.#managerSent) return;
    this.#managerSent = sent;
    this.#publish({ type: 'manager', manager: view });
  }

  #initialView(id: number): ShardView {
    return {
      id,
      status: 'idle',
      leaves: ['idle'],
      active: activeStateIds(shardMachine.root, 'idle'),
      entered: [],
      sequence: null,
      latencyMs: null,
      reconnects: 0,
      reconnectAttempts: 0,
      lastCloseCode: null,
      heartbeatIntervalMs: null,
      failure: null,
      since: this.#now(),
    };
  }

  #initialVoiceView(guildId: string, shard: number): VoiceView {
    return {
      guildId,
      shard,
      status: 'idle',
      leaves: ['idle'],
      active: activeStateIds(voiceMachine.root, 'idle'),
      entered: [],
      reconnects: 0,
      disconnection: null,
      since: this.#now(),
    };
  }

  #append(entry: Omit<LogEntry, 'n' | 'at'>): void {
    const full: LogEntry = { n: ++this.#entries, at: this.#now(), ...entry };
    this.#log.push(full);
    if (this.#log.length > this.#logSize) this.#log.splice(0, this.#log.length - this.#logSize);
    this.#publish({ type: 'log', entry: full });
  }

  #publishShard(record: ShardRecord): void {
    const sent = JSON.stringify(record.view);
    if (sent === record.sent) return;
    record.sent = sent;
    this.#publish({ type: 'shard', shard: record.view });
  }

  #publishVoice(record: VoiceRecord): void {
    const sent = JSON.stringify(record.view);
    if (sent === record.sent) return;
    record.sent = sent;
    this.#publish({ type: 'voice', voice: record.view });
  }

  #publish(message: FeedMessage): void {
    for (const listener of this.#listeners) {
      try {
        listener(message);
      } catch {
        // One broken page connection must not stop the others.
      }
    }
  }
}

/**
 * The states a microstep entered: those active now that were not before, plus every target of a taken
 * transition (a re-entered state stays active, yet was entered again). None when nothing was taken.
 */
function enteredStateIds(
  active: readonly string[],
  wasActive: readonly string[],
  taken: readonly { readonly target?: readonly { readonly id: string }[] | undefined }[],
): string[] {
  if (taken.length === 0) return [];
  const before = new Set(wasActive);
  return [
    ...new Set([
      ...active.filter((id) => !before.has(id)),
      ...taken.flatMap((transition) => (transition.target ?? []).map((target) => target.id)),
    ]),
  ];
}
