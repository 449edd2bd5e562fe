/**
 * What the visualizer's feed sends to the page. Every field is listed here on purpose: the feed is
 * built from a whitelist of lifecycle facts and counters, never from raw events or whole contexts, so
 * neither the token nor a session id (the shard's, or the one a voice connection keeps) nor a voice
 * endpoint nor any dispatch payload can reach the page.
 */

/** An outgoing transition of a state, for tooltips. */
export interface TransitionView {
  /** `gateway.hello`, `after heartbeatInterval`, `onDone identifyGate`. */
  readonly event: string;
  readonly guard: string | null;
  /** Target state node ids; empty for a transition that stays. */
  readonly targets: readonly string[];
}

/** One state node of a machine's definition. */
export interface StateTreeNode {
  readonly id: string;
  readonly key: string;
  readonly type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  readonly description: string | null;
  /** Id of the initial child of a compound state. */
  readonly initial: string | null;
  readonly children: readonly StateTreeNode[];
  readonly transitions: readonly TransitionView[];
}

/** One shard as the page shows it. */
export interface ShardView {
  readonly id: number;
  /** Flattened lifecycle state: `idle`, `connecting`, `identifying`, `resuming`, `ready`, `reconnecting`, `stopped`, `failed`. */
  readonly status: string;
  /** Active leaf states, relative to the machine root (`connection.lifecycle.ready`, `connection.heartbeat.beating`). */
  readonly leaves: readonly string[];
  /** Ids of every active state node, for highlighting the chart. */
  readonly active: readonly string[];
  /** State nodes entered by the last transition, for a short highlight. */
  readonly entered: readonly string[];
  /** Last sequence number (`s`) of the session; null without one. */
  readonly sequence: number | null;
  /** Round trip of the last acknowledged heartbeat (ms). */
  readonly latencyMs: number | null;
  /** Times the shard went to `reconnecting` since the visualizer saw it created. */
  readonly reconnects: number;
  /** Reconnects since the last READY/RESUMED (the machine's back-off counter). */
  readonly reconnectAttempts: number;
  readonly lastCloseCode: number | null;
  readonly heartbeatIntervalMs: number | null;
  /** A fatal failure's reason (`AuthenticationFailed`, …). */
  readonly failure: string | null;
  /** When the status last changed (ms since the epoch). */
  readonly since: number;
}

/** Why a voice connection is disconnected (or destroyed), as the page shows it. */
export interface VoiceDisconnectionView {
  /** `CloseCode`, `EndpointRemoved`, `RemovedFromChannel`, `ShardSessionLost`, `TimedOut`, `NoSupportedEncryptionMode` or `Left`. */
  readonly reason: string;
  /** The voice server's close code, for `CloseCode`. */
  readonly closeCode: number | null;
  /** For a close code after which retrying cannot help: `E2EERequired`, `ProtocolError`, … */
  readonly failure: string | null;
}

/** One voice connection (a `voice` actor, a child of its shard's actor) as the page shows it. */
export interface VoiceView {
  /** The guild's id: a snowflake, public (it names the connection; one per guild). */
  readonly guildId: string;
  /** The shard whose actor is the voice actor's parent. */
  readonly shard: number;
  /** Flattened lifecycle state (as `VoiceConnection.state`): `idle`, `signalling`, `connecting`, `ready`, `resuming`, `reconnecting`, `disconnected`, `destroyed`. */
  readonly status: string;
  /** Active leaf states, relative to the machine root (`session.connection.lifecycle.ready.speaking`). */
  readonly leaves: readonly string[];
  /** Ids of every active state node of the voice machine, for highlighting its chart. */
  readonly active: readonly string[];
  /** State nodes entered by the last transition, for a short highlight. */
  readonly entered: readonly string[];
  /** Times it left `ready` to connect again (a resume, a reconnect, a new voice server, a rejoin) since the visualizer saw it created. */
  readonly reconnects: number;
  /** Why it is disconnected or destroyed; null in every other state. */
  readonly disconnection: VoiceDisconnectionView | null;
  /** When the status last changed (ms since the epoch). */
  readonly since: number;
}

/** The manager as the page shows it. */
export interface ManagerView {
  /** `idle`, `fetchingGatewayInfo`, `running` or `failed`. */
  readonly state: string;
  readonly shardIds: readonly number[];
  readonly totalShards: number;
  readonly readyShards: readonly number[];
  /** The identify gate's `max_concurrency` (a shard's bucket is `id % maxConcurrency`); null when unknown. */
  readonly maxConcurrency: number | null;
}

/** One line of the transition log. */
export interface LogEntry {
  /** Increasing number of the entry. */
  readonly n: number;
  /** Ms since the epoch. */
  readonly at: number;
  /** Shard id (for a voice connection: its shard), or null for the manager. */
  readonly shard: number | null;
  /** The guild of a voice connection's entry; null for a shard or the manager. */
  readonly guild: string | null;
  /** Lifecycle event type (`socket.closed`, `after reconnectBackoff`, `voice.resumed`); never a dispatch. */
  readonly event: string;
  /** Whitelisted event facts: a close code, `resumable`, a heartbeat interval. */
  readonly detail: string | null;
  /** The state (id) the actor left. */
  readonly from: string;
  /** The state (id) the actor entered. */
  readonly to: string;
  /** `status`: the lifecycle state changed; `step`: a sub-state changed; `heartbeat`: the heartbeat region. */
  readonly kind: 'status' | 'step' | 'heartbeat';
}

/** One step of a shard's history: a log entry with the state ids active after it (of the voice machine for a voice entry). */
export interface HistoryEntry extends LogEntry {
  /** The state ids active after this step. */
  readonly active: readonly string[];
}

/** What a page may ask of the feed (a JSON text frame); anything else is ignored. */
export interface FeedRequest {
  /** `history`: send this shard's recent history (a `history` message) to the asking page. */
  readonly type: 'history';
  /** The shard id. */
  readonly shard: number;
}

/** Messages of the feed (WebSocket, JSON text frames). */
export type FeedMessage =
  | {
      readonly type: 'hello';
      readonly machine: StateTreeNode;
      /** The voice machine's structure (`stateTree(voiceMachine)`). */
      readonly voiceMachine: StateTreeNode;
      readonly manager: ManagerView | null;
      readonly shards: readonly ShardView[];
      readonly voices: readonly VoiceView[];
      readonly log: readonly LogEntry[];
    }
  | { readonly type: 'shard'; readonly shard: ShardView }
  | { readonly type: 'shardRemoved'; readonly id: number }
  | { readonly type: 'voice'; readonly voice: VoiceView }
  /** The voice actor ended (destroyed, or stopped with its shard): the page greys it out, then drops it. */
  | { readonly type: 'voiceRemoved'; readonly guildId: string; readonly shard: number }
  | { readonly type: 'manager'; readonly manager: ManagerView }
  | { readonly type: 'log'; readonly entry: LogEntry }
  /** One shard's recent history, sent only to the page that asked for it (`FeedRequest`). */
  | {
      readonly type: 'history';
      readonly shard: number;
      /** The shard's steps, oldest first. */
      readonly entries: readonly HistoryEntry[];
    }
  /**
   * The messages of one feed interval, in order. A shard's views within an interval are merged into
   * its latest (a thousand shards starting send one view each, not one per step); log entries and
   * voice views all stay.
   */
  | {
      readonly type: 'batch';
      /** The interval's messages, in order. */
      readonly messages: readonly FeedMessage[];
    };
