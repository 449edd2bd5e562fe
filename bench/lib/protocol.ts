/** Messages between the orchestrator (`run.ts`), the gateway server child and the client children. */
import type {
  FakeGatewayOptions,
  FakeGatewayStats,
  IdentifyAttempt,
  IdentifyLogEntry,
} from '../../src/testing/index.js';
import type { WorkloadSummary } from '../workload.js';

export type Compression = 'zlib-stream' | 'zstd-stream' | 'none';

/** The clients compared. */
export type ClientKind =
  /** Bare `ws`: inflate (zlib-sync, one shared context) + `JSON.parse`, nothing else. */
  | 'floor'
  /** Bare `ws` + statecord's own decoder (`createInboundDecoder`): node:zlib through the sync handle. */
  | 'floor-node'
  /** statecord `Shard`, one listener on `shard.gateway` `dispatch`. */
  | 'statecord'
  /** statecord: a one-shard `ShardManager` with `statecord/metrics` reporting to the OpenTelemetry SDK (not in the default run). */
  | 'statecord-metrics'
  /**
   * statecord `Shard` as a typical bot: listeners on MESSAGE_CREATE and INTERACTION_CREATE only, so
   * every other dispatch is dropped unparsed (selective decoding).
   */
  | 'statecord-typical'
  /** `@discordjs/ws` `WebSocketManager`, zlib-sync (`CompressionMethod.ZlibSync`). */
  | 'discordjs'
  /** `@discordjs/ws` with node:zlib (`CompressionMethod.ZlibNative`). */
  | 'discordjs-native'
  /**
   * `@discordeno/gateway` `createGatewayManager` with `preferSnakeCase` (payloads as parsed, like the
   * others'); zlib-stream through its asynchronous node:zlib inflate stream.
   */
  | 'discordeno'
  /** The same with its default `preferSnakeCase: false`: a deep `camelize` copy of every payload. */
  | 'discordeno-camel';

export interface ServerArgs {
  readonly gateway: Pick<
    FakeGatewayOptions,
    | 'shardCount'
    | 'maxConcurrency'
    | 'identifyIntervalMs'
    | 'heartbeatIntervalMs'
    | 'sessionTtlMs'
    | 'recordFrames'
    | 'sessionStartLimit'
  >;
  /**
   * Replay this many pre-encoded dispatches to every connection right after its READY; `warmup` of
   * them (READY included) are the clients' warm-up.
   */
  readonly replay?: {
    readonly dispatches: number;
    readonly seed: number;
    readonly warmup: number;
    /**
     * Compress the payload texts through each connection's own codec (the only way for zstd-stream,
     * whose context cannot be continued by a pre-encoded stream) and write them all at once when
     * every one is encoded (`sendRawBurst`), instead of queueing the shared pre-encoded zlib-stream
     * frames. Either way the client reads a backlog at its own pace; the server's compression
     * happens before the client's warm-up ends.
     */
    readonly perConnection?: boolean;
  };
}

export interface ReplayInfo extends WorkloadSummary {
  readonly generateMs: number;
  readonly compressMs: number;
  readonly zlibStreamBytes: number;
  /** Mean bytes per frame on the shared zlib-stream context, by kind. */
  readonly zlibBytesByKind: Record<string, number>;
  /**
   * How many dispatches of the types a typical bot listens to (MESSAGE_CREATE, INTERACTION_CREATE)
   * a client sees by the end of the warm-up, and in all: where `statecord-typical` marks its window.
   */
  readonly typicalListened: { readonly warmup: number; readonly total: number };
}

export type ServerMessage =
  | {
      readonly type: 'listening';
      readonly url: string;
      readonly restBaseUrl: string;
      readonly restUrl: string;
      readonly token: string;
      readonly replay: ReplayInfo | null;
    }
  | {
      readonly type: 'stats';
      readonly stats: FakeGatewayStats;
      readonly identifyLog: readonly IdentifyLogEntry[];
      readonly identifyAttempts: readonly IdentifyAttempt[];
      readonly eventLoopDelayMs: { readonly p99: number; readonly max: number };
    };

export interface GatewayEndpoints {
  readonly url: string;
  readonly restBaseUrl: string;
  readonly restUrl: string;
  readonly token: string;
}

export interface ThroughputArgs extends GatewayEndpoints {
  readonly client: ClientKind;
  readonly compression: Compression;
  /** Dispatches received before the measured window starts (JIT warm-up). */
  readonly warmup: number;
  /** Dispatches in the measured window. */
  readonly dispatches: number;
  /** Write a sampling allocation profile of the measured window here. */
  readonly allocationProfile?: string;
  /** For `statecord-typical`: see `ReplayInfo.typicalListened`. */
  readonly typicalListened?: { readonly warmup: number; readonly total: number };
}

export interface ThroughputResult {
  readonly type: 'result';
  readonly client: ClientKind;
  readonly compression: Compression;
  readonly dispatches: number;
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  readonly wallMs: number;
  readonly maxRssKiB: number;
  /** Bytes of WebSocket messages received in the window (floor clients only; else null). */
  readonly wireBytes: number | null;
  /** The measured window in monotonic microseconds (`process.hrtime`), to cut a CPU profile to it. */
  readonly windowStartUs: number;
  readonly windowEndUs: number;
}

export interface MemoryArgs extends GatewayEndpoints {
  readonly client: 'floor' | 'floor-node' | 'statecord' | 'discordjs' | 'discordeno';
  readonly shards: number;
  /** Write a heap snapshot here after measuring. */
  readonly heapSnapshot?: string;
}

export interface MemoryResult {
  readonly type: 'result';
  readonly client: MemoryArgs['client'];
  readonly shards: number;
  readonly heapUsed: number;
  /** V8 heap committed (used + free space in its pages). */
  readonly heapTotal: number;
  readonly rss: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly readyMs: number;
}

export interface StartupArgs extends GatewayEndpoints {
  readonly shards: number;
  readonly identifyIntervalMs: number;
  /** undefined: the manager's default margin. */
  readonly identifyMarginMs: number | undefined;
  /**
   * `waves`: the manager's own gate, so its start-up waves. `all-at-once`: the same gate (same
   * margins, `maxConcurrency` set here) behind a user-supplied `identifyGate`, whose pacing the
   * manager does not know: every shard starts at once, as before the waves. `waves-known`: as
   * `waves`, the manager told `maxConcurrency` (so round 0 opens during the preparation).
   */
  readonly pacing: 'waves' | 'waves-known' | 'all-at-once';
  readonly maxConcurrency: number;
}

export interface StartupResult {
  readonly type: 'result';
  readonly shards: number;
  readonly allReadyMs: number;
  readonly maxConcurrency: number;
  readonly intervalMs: number;
  readonly marginMs: number;
  /** When `startShards()` was called (`Date.now()`). */
  readonly startedAt: number;
  /** When the identify gate let each shard identify (`Date.now()`, same clock as the server's). */
  readonly grants: ReadonlyArray<{ readonly shardId: number; readonly at: number }>;
  /** When each shard's IDENTIFY was handed to its socket (`ws.send`), same clock. */
  readonly identifySends: ReadonlyArray<{ readonly shardId: number; readonly at: number }>;
  /** When the gate was told the gateway answered each IDENTIFY (READY or op 9), same clock. */
  readonly answers: ReadonlyArray<{ readonly shardId: number; readonly at: number }>;
  /** Start-up milestones in ms after `startShards()` (`getBotStart`, `getBotEnd`, `first-<state>`). */
  readonly phases: Readonly<Record<string, number>>;
  readonly eventLoopDelayMs: { readonly p99: number; readonly max: number };
}

export interface ManyShardsArgs extends GatewayEndpoints {
  readonly shards: number;
  readonly identifyIntervalMs: number;
}

export interface ManyShardsResult {
  readonly type: 'result';
  readonly shards: number;
  /** `manager.createShards(shards)` alone, wall and CPU time of this process. */
  readonly createMs: number;
  readonly createCpuMs: number;
  /** CPU time of this process from `startShards()` until every shard is ready. */
  readonly startCpuMs: number;
  /** From `startShards()` until every shard is ready. */
  readonly allReadyMs: number;
  /** Heap (after GC) per shard once created, and once every shard is ready (its socket open). */
  readonly heapPerShardCreatedBytes: number;
  readonly heapPerShardReadyBytes: number;
  readonly rssMiB: number;
}
