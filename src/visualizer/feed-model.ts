import type { AnyEventObject, InspectionEvent, StateValue } from 'xstate';
import { managerMachine, shardMachine, voiceMachine } from '../../machines/index.js';
import { shardStatus } from '../shard/shard-status.js';
import { shardLabels } from './feed-labels.js';
import type { LogLabels } from './feed-labels.js';
import type {
  FeedMessage,
  HistoryEntry,
  LogEntry,
  ManagerView,
  ShardView,
  StateTreeNode,
  VoiceView,
} from './feed-types.js';
import {
  SAFE_WORD,
  eventDetail,
  integerOrNull,
  integers,
  isInteger,
  safeEventName,
} from './feed-whitelist.js';
import { actorNumber, enteredStateIds } from './feed-snapshots.js';
import type { SnapshotLike, TransitionLike } from './feed-snapshots.js';
import { activeStateIds, leafPaths, stateTree } from './state-tree.js';
import { VoiceFeed } from './voice-feed.js';

/** A zombie, in the log's words: why the shard dropped a connection that had not closed (docs/protocol/gateway.md §2.1). */
const ZOMBIE_DETAIL = 'missed heartbeat ACK: nothing arrived since the last heartbeat (zombie connection)';

/** What the visualizer reads from a manager's shards between transitions (both live outside the machine). */
export interface VisualizedShard {
  /** The shard id. */
  readonly id: number;
  /** Round trip of the last acknowledged heartbeat, in ms; null before one. */
  readonly latency: number | null;
  /** The shard's session; null without one. */
  readonly session: {
    /** The last dispatch sequence number; null before any. */
    readonly sequence: number | null;
  } | null;
}

/** What the visualizer needs of a `ShardManager`: its shards, for the counters. */
export interface VisualizedManager {
  /** The manager's shards. */
  readonly shards: readonly VisualizedShard[];
  /** Its identify gate: `maxConcurrency` gives each shard's bucket (`shard_id % max_concurrency`) for the bucket filter. */
  readonly identifyGate?: object;
}

interface ShardRecord {
  /** Session id number of the actor (`x:N`): a re-created shard's new actor has a larger one. */
  readonly actorNumber: number;
  readonly sessionId: string;
  value: StateValue;
  view: ShardView;
  sent: string;
}

/** Options of {@link VisualizerModel}. */
export interface VisualizerModelOptions {
  /** How many transition log entries are kept for pages that connect later. Default 500. */
  readonly logSize?: number;
  /** Clock (ms since the epoch). Default `Date.now`. */
  readonly now?: () => number;
  /** How many history entries are kept per shard, sent to a page that asks for that shard. Default 200. */
  readonly historySize?: number;
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
  /** The shard machine's structure, sent in `hello`. */
  readonly machine: StateTreeNode = stateTree(shardMachine);
  /** The voice machine's structure, sent in `hello`. */
  readonly voiceMachine: StateTreeNode = stateTree(voiceMachine);
  readonly #shards = new Map<number, ShardRecord>();
  /** Session id of each live shard actor → its shard id, to place voice actors under their parent. */
  readonly #shardActors = new Map<string, number>();
  readonly #voice = new VoiceFeed({
    now: () => this.#now(),
    shardActors: this.#shardActors,
    seen: () => (this.#seen = true),
    publish: (message) => this.#publish(message),
    logStep: (...step) => this.#logStep(...step),
  });
  readonly #log: LogEntry[] = [];
  readonly #listeners = new Set<(message: FeedMessage) => void>();
  readonly #logSize: number;
  readonly #historySize: number;
  /** Each shard's recent steps with the states active after each, for the page's history and replay. */
  readonly #histories = new Map<number, HistoryEntry[]>();
  #maxConcurrency: number | null = null;
  readonly #now: () => number;
  #manager: ManagerView | null = null;
  #managerSent = '';
  #managerValue: string | null = null;
  #entries = 0;
  #seen = false;

  constructor(options: VisualizerModelOptions = {}) {
    this.#logSize = options.logSize ?? 500;
    this.#historySize = options.historySize ?? 200;
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
        this.#voice.onVoice(event.actorRef, event.event, snapshot, transitions, microstep);
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

  /** Every shard's current view, in the order the shards appeared. */
  get shards(): readonly ShardView[] {
    return [...this.#shards.values()].map((record) => record.view);
  }

  /** The live voice connections, by shard, then guild id. */
  get voices(): readonly VoiceView[] {
    return this.#voice.voices;
  }

  /** The kept transition log (at most `logSize` entries), oldest first. */
  get log(): readonly LogEntry[] {
    return this.#log;
  }

  /** One shard's recent history (its own and its voice connections' steps), oldest first; empty for an unknown shard. */
  history(shardId: number): readonly HistoryEntry[] {
    return [...(this.#histories.get(shardId) ?? [])];
  }

  /** Calls `listener` with every feed message from now on; returns the function that unsubscribes it. */
  subscribe(listener: (message: FeedMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reads the counters that live in the adapter (sequence, latency) and publishes the shards that changed. */
  refreshCounters(manager: VisualizedManager): void {
    this.#readPacing(manager.identifyGate);
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

  /** The gate's bucket count, when it has one; a change is published with the manager's view. */
  #readPacing(gate: object | undefined): void {
    const value = gate !== undefined && 'maxConcurrency' in gate ? gate.maxConcurrency : null;
    const maxConcurrency = isInteger(value) && value > 0 ? value : null;
    if (maxConcurrency === this.#maxConcurrency) return;
    this.#maxConcurrency = maxConcurrency;
    if (this.#manager === null) return;
    this.#manager = { ...this.#manager, maxConcurrency };
    this.#managerSent = JSON.stringify(this.#manager);
    this.#publish({ type: 'manager', manager: this.#manager });
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
        this.#histories.delete(shardId);
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
    if (taken.length > 0) this.#logStep(shardLabels, shardId, null, event, taken, previous, value, active);
    this.#publishShard(record);
  }

  #logStep(
    labels: LogLabels,
    shard: number,
    guild: string | null,
    event: AnyEventObject,
    taken: readonly TransitionLike[],
    previous: StateValue,
    value: StateValue,
    active: readonly string[],
  ): void {
    const toStatus = labels.status(value);
    // The heartbeat timer moving a shard to reconnecting means the last heartbeat went unanswered.
    const zombie =
      guild === null &&
      toStatus === 'reconnecting' &&
      event.type.startsWith('xstate.after.heartbeatInterval.');
    const base = {
      shard,
      guild,
      event: safeEventName(event.type, taken[0]?.source),
      detail: zombie ? ZOMBIE_DETAIL : eventDetail(event),
    };
    const [fromLifecycle, toLifecycle] = [labels.lifecycle(previous), labels.lifecycle(value)];
    let entry: LogEntry;
    if (labels.status(previous) !== toStatus) {
      entry = this.#append({ ...base, from: fromLifecycle, to: toLifecycle, kind: 'status' });
    } else if (fromLifecycle !== toLifecycle) {
      entry = this.#append({ ...base, from: fromLifecycle, to: toLifecycle, kind: 'step' });
    } else {
      entry = this.#append({
        ...base,
        from: labels.heartbeat(previous),
        to: labels.heartbeat(value),
        kind: 'heartbeat',
      });
    }
    let history = this.#histories.get(shard);
    if (history === undefined) this.#histories.set(shard, (history = []));
    history.push({ ...entry, active: [...active] });
    if (history.length > this.#historySize) history.splice(0, history.length - this.#historySize);
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
      maxConcurrency: this.#maxConcurrency,
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

  #append(entry: Omit<LogEntry, 'n' | 'at'>): LogEntry {
    const full: LogEntry = { n: ++this.#entries, at: this.#now(), ...entry };
    this.#log.push(full);
    if (this.#log.length > this.#logSize) this.#log.splice(0, this.#log.length - this.#logSize);
    this.#publish({ type: 'log', entry: full });
    return full;
  }

  #publishShard(record: ShardRecord): void {
    const sent = JSON.stringify(record.view);
    if (sent === record.sent) return;
    record.sent = sent;
    this.#publish({ type: 'shard', shard: record.view });
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
