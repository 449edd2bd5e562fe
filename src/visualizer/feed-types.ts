/**
 * What the visualizer's feed sends to the page. Every field is listed here on purpose: the feed is
 * built from a whitelist of lifecycle facts and counters, never from raw events or whole contexts, so
 * neither the token nor a session id (the shard's, or the one a voice connection keeps) nor a voice
 * endpoint nor any dispatch payload can reach the page.
 */

/** An outgoing transition of a state, for tooltips. */
export interface TransitionView {
  /** `gateway.hello`, `after heartbeatInterval`, `identify.granted`. */
  readonly event: string;
  /** The guard's name (its `type` for a parameterized guard, `inline` for a function); null when unguarded. */
  readonly guard: string | null;
  /** Target state node ids; empty for a transition that stays. */
  readonly targets: readonly string[];
}

/** One state node of a machine's definition. */
export interface StateTreeNode {
  /** The state node's id (`shard.connection.lifecycle.ready`): unique in the machine. */
  readonly id: string;
  /** Its key within its parent (`ready`). */
  readonly key: string;
  /** Its xstate node type. */
  readonly type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** Its `description` in the machine definition; null without one. */
  readonly description: string | null;
  /** Id of the initial child of a compound state. */
  readonly initial: string | null;
  /** Its child state nodes, in definition order. */
  readonly children: readonly StateTreeNode[];
  /** Its outgoing transitions. */
  readonly transitions: readonly TransitionView[];
}

/** One shard as the page shows it. */
export interface ShardView {
  /** The shard id. */
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
  /** The code of the last socket close; null before any. */
  readonly lastCloseCode: number | null;
  /** HELLO's `heartbeat_interval` (ms) on the current connection; null before HELLO. */
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
  /** The shards this process runs. */
  readonly shardIds: readonly number[];
  /** The shard count they identify with (all processes). */
  readonly totalShards: number;
  /** Shards whose session is live now. */
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
  /** The first message on a connection: the machines' structure and everything as it is now. */
  | {
      /** Discriminant. */
      readonly type: 'hello';
      /** The shard machine's structure (`stateTree(shardMachine)`). */
      readonly machine: StateTreeNode;
      /** The voice machine's structure (`stateTree(voiceMachine)`). */
      readonly voiceMachine: StateTreeNode;
      /** The manager's view; null when the visualizer watches shards without a manager. */
      readonly manager: ManagerView | null;
      /** Every shard's view. */
      readonly shards: readonly ShardView[];
      /** Every voice connection's view. */
      readonly voices: readonly VoiceView[];
      /** The recent transition log, oldest first. */
      readonly log: readonly LogEntry[];
    }
  /** A shard's view changed (or a shard appeared). */
  | {
      /** Discriminant. */
      readonly type: 'shard';
      /** Its new view. */
      readonly shard: ShardView;
    }
  /** A shard was removed from the manager. */
  | {
      /** Discriminant. */
      readonly type: 'shardRemoved';
      /** Its id. */
      readonly id: number;
    }
  /** A voice connection's view changed (or one appeared). */
  | {
      /** Discriminant. */
      readonly type: 'voice';
      /** Its new view. */
      readonly voice: VoiceView;
    }
  /** The voice actor ended (destroyed, or stopped with its shard): the page greys it out, then drops it. */
  | {
      /** Discriminant. */
      readonly type: 'voiceRemoved';
      /** The guild of the ended connection. */
      readonly guildId: string;
      /** Its shard. */
      readonly shard: number;
    }
  /** The manager's view changed. */
  | {
      /** Discriminant. */
      readonly type: 'manager';
      /** Its new view. */
      readonly manager: ManagerView;
    }
  /** A new transition log line. */
  | {
      /** Discriminant. */
      readonly type: 'log';
      /** The line. */
      readonly entry: LogEntry;
    }
  /** One shard's recent history, sent only to the page that asked for it (`FeedRequest`). */
  | {
      /** Discriminant. */
      readonly type: 'history';
      /** The shard id. */
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
      /** Discriminant. */
      readonly type: 'batch';
      /** The interval's messages, in order. */
      readonly messages: readonly FeedMessage[];
    };
