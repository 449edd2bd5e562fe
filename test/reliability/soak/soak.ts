import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { writeHeapSnapshot } from 'node:v8';
import { GatewayDispatchEvents, GatewayIntentBits } from 'discord-api-types/v10';
import { SessionStartGate, ShardManager } from '../../../src/index.js';
import type { Shard } from '../../../src/index.js';
import { FakeGateway } from '../../../src/testing/index.js';
import type {
  CloseRecord,
  DispatchData,
  FakeGatewayConnection,
  FakeGuild,
  IdentifyAttempt,
  IdentifyLogEntry,
} from '../../../src/testing/index.js';
import { FAULT_WEIGHTS, HANDSHAKE_FAULT_WEIGHTS, injectShardFault, injectSimpleFault } from './faults.js';
import type { FaultContext, FaultKind } from './faults.js';
import { DispatchLedger, Violations } from './ledger.js';
import type { ShardTally } from './ledger.js';
import { createRng } from './rng.js';
import { ShardCounters, watchShard } from './watch.js';
import type { Rng } from './rng.js';

export interface SoakOptions {
  readonly seed: number;
  /** How long faults are injected (the drain and checks come after). */
  readonly durationMs: number;
  /**
   * After `durationMs`, keep injecting until every fault kind was injected at least once, for at most
   * this long (default 0: stop at `durationMs`).
   */
  readonly untilEveryFaultKindMs?: number;
  readonly shards: number;
  /** `heartbeat_interval` of the fake gateway. Default 1000 (short, so zombies are found fast). */
  readonly heartbeatIntervalMs?: number;
  /** Stream dispatches per shard per second. Default 20. */
  readonly dispatchesPerShardPerSecond?: number;
  /** Faults per shard per second, on average. Default 0.5. */
  readonly faultsPerShardPerSecond?: number;
  /** `max_concurrency`. Default 4. */
  readonly maxConcurrency?: number;
  /** Identify bucket interval of the gateway (and the manager). Default 200 ms. */
  readonly identifyIntervalMs?: number;
  /** `session_start_limit.total` and `remaining`. Default 1000 (Discord's). */
  readonly sessionStartBudget?: number;
  /** Dispatches of one slow-reader burst. Default 500. */
  readonly slowReaderBurst?: number;
  /** Check that the heap does not grow (needs `--expose-gc`). Default: when `gc` is exposed. */
  readonly measureMemory?: boolean;
  /** Allowed heap growth between the two canonical points. Default 4 MiB. */
  readonly memoryMarginBytes?: number;
  /** Write a heap snapshot at each memory measurement point into this directory (to investigate growth). */
  readonly heapSnapshotDir?: string;
  /** How long the drain may take before undelivered dispatches count as lost. Default 30 s. */
  readonly drainTimeoutMs?: number;
  readonly progress?: (line: string) => void;
  readonly progressEveryMs?: number;
}

export interface MemoryReport {
  readonly baselineBytes: number;
  readonly finalBytes: number;
  readonly growthBytes: number;
  readonly marginBytes: number;
  /** Heap after GC at every progress line, in bytes. */
  readonly samples: readonly number[];
}

export interface SoakReport {
  readonly seed: number;
  readonly durationMs: number;
  readonly shards: number;
  readonly elapsedMs: number;
  readonly faults: Readonly<Record<string, number>>;
  readonly faultsDuringHandshake: number;
  readonly recoveries: { readonly resumed: number; readonly newSession: number };
  readonly perShard: readonly ShardTally[];
  readonly totals: {
    readonly sent: number;
    readonly received: number;
    readonly lostReported: number;
    readonly orphaned: number;
    readonly lostSilently: number;
    readonly duplicated: number;
    readonly sessions: number;
    readonly sessionsLost: number;
  };
  readonly identifies: {
    readonly accepted: number;
    readonly attempts: number;
    readonly byBucket: Readonly<Record<number, number>>;
    readonly maxPerBucketWindow: number;
    readonly windowMs: number;
    readonly rateViolations: number;
    readonly budget: number;
    readonly budgetRefused: number;
    readonly gateGranted: number | null;
    readonly gateRemaining: number | null;
    readonly resumes: number;
  };
  readonly decodeWarnings: number;
  readonly warnings: Readonly<Record<string, number>>;
  /** Warning errors by class and code. */
  readonly warningTypes: Readonly<Record<string, number>>;
  readonly closes: Readonly<Record<string, number>>;
  readonly allReady: boolean;
  readonly memory: MemoryReport | null;
  readonly violations: Readonly<Record<string, number>>;
  readonly violationSamples: readonly string[];
  readonly ok: boolean;
}

const TOKEN = 'statecord-soak-token';
const INTENTS = GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages;
const STREAM_TICK_MS = 50;
const TEARDOWN_TIMEOUT_MS = 20_000;
const gc = (globalThis as { gc?: () => void }).gc;

/** A guild id that routes to `shardId` of `shardCount` (`(id >> 22) % count`). */
function guildIdFor(shardId: number, shardCount: number, index: number): string {
  return String(((BigInt(1000 + index) * BigInt(shardCount) + BigInt(shardId)) << 22n) + 4242n);
}

/** A GUILD_CREATE of about 170 KB (800 channels): large, but many fit between two heartbeats. */
function largeGuild(id: string): DispatchData<GatewayDispatchEvents.GuildCreate> {
  return {
    id,
    name: `large guild ${id}`,
    member_count: 5000,
    large: true,
    channels: Array.from({ length: 800 }, (_, index) => ({
      id: String(1_100_000_000_000_000_000n + BigInt(index)),
      type: 0,
      name: `channel-${index}`,
      position: index,
      topic: 'a channel topic long enough to make the guild large '.repeat(2),
      permission_overwrites: [],
    })),
    roles: [],
    members: [],
  };
}

/**
 * The chaos soak: a `ShardManager` against a `FakeGateway` that streams dispatches to every shard
 * while a seeded schedule injects faults, with the invariants checked as events happen (see
 * RELIABILITY.md). Returns the report; `ok` is false on any violation.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const soak = new Soak(options);
  let report: SoakReport | null = null;
  try {
    report = await soak.run();
  } finally {
    // A socket that never closes must not hang the soak: teardown is bounded, and a timeout fails it.
    const clean = await soak.teardown(TEARDOWN_TIMEOUT_MS);
    if (report !== null && !clean) {
      report = {
        ...report,
        ok: false,
        violations: { ...report.violations, 'teardown-timeout': 1 },
        violationSamples: [
          ...report.violationSamples,
          `teardown-timeout: stopping the shards and the gateway took over ${TEARDOWN_TIMEOUT_MS} ms`,
        ],
      };
    }
  }
  return report;
}

class Soak {
  readonly #options: SoakOptions;
  readonly #rng: Rng;
  readonly #violations = new Violations();
  readonly #ledger: DispatchLedger;
  readonly #faults = new Map<string, number>();
  readonly #counters = new ShardCounters();
  readonly #closes = new Map<string, number>();
  readonly #busy = new Set<number>();
  readonly #busyConnections = new Set<number>();
  readonly #silenced = new Set<number>();
  readonly #pending = new Set<Promise<void>>();
  readonly #waiters = new Set<() => void>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #heapSamples: number[] = [];
  #gateway: FakeGateway | null = null;
  #manager: ShardManager | null = null;
  #faultsDuringHandshake = 0;
  #identifyAttempts = 0;
  /** Accepted identifies per bucket, and per bucket the accept times of the last window (bounded). */
  readonly #identifiesByBucket = new Map<number, number>();
  readonly #recentIdentifies = new Map<number, number[]>();
  #maxPerBucketWindow = 0;
  #markerSeq = 0;
  #scheduleGeneration = 0;
  #injecting = false;
  #streaming = false;
  #streamCredit = 0;
  #stopped = false;
  /** Every kind once (in a seeded order) before the weighted draw: even a short soak sees them all. */
  readonly #firstKinds: FaultKind[];
  readonly #largeGuilds: Array<DispatchData<GatewayDispatchEvents.GuildCreate>>;

  constructor(options: SoakOptions) {
    this.#options = options;
    this.#rng = createRng(options.seed);
    this.#ledger = new DispatchLedger(options.shards, this.#violations, () => this.#changed());
    this.#firstKinds = shuffle(Object.keys(FAULT_WEIGHTS) as FaultKind[], this.#rng);
    this.#largeGuilds = Array.from({ length: 4 }, (_, index) =>
      largeGuild(guildIdFor(0, options.shards, 900 + index)),
    );
  }

  get #heartbeatIntervalMs(): number {
    return this.#options.heartbeatIntervalMs ?? 1_000;
  }

  get #identifyIntervalMs(): number {
    return this.#options.identifyIntervalMs ?? 200;
  }

  get #budget(): number {
    return this.#options.sessionStartBudget ?? 1_000;
  }

  get #measureMemory(): boolean {
    return (this.#options.measureMemory ?? gc !== undefined) && gc !== undefined;
  }

  async run(): Promise<SoakReport> {
    const started = Date.now();
    const { shards } = this.#options;
    const gateway = await this.#startGateway();
    const manager = this.#startManager(gateway);

    const startTimeoutMs = 15_000 + shards * 500;
    const allStarted = await this.until(
      () => manager.shards.every((shard) => shard.state === 'ready'),
      startTimeoutMs,
    );
    if (!allStarted)
      this.#violations.add('start-timeout', `not every shard was ready after ${startTimeoutMs} ms`);

    this.#streaming = true;
    this.#every(STREAM_TICK_MS, () => this.#streamTick());
    this.#every(this.#options.progressEveryMs ?? 10_000, () => this.#progress(started));

    let baseline: number | null = null;
    if (this.#measureMemory) {
      // Warm up (JIT, pools, the fake's buffers), then measure at a canonical point: fresh sessions.
      this.#injecting = true;
      this.#scheduleFault();
      await this.#pause(Math.min(15_000, this.#options.durationMs / 4));
      this.#injecting = false;
      await this.#quiesce();
      baseline = await this.#canonicalHeap();
    }

    this.#injecting = true;
    this.#scheduleFault();
    await this.#pause(this.#options.durationMs);
    const extraMs = this.#options.untilEveryFaultKindMs ?? 0;
    if (extraMs > 0) {
      // A loaded machine injects fewer faults in the same time: go on until every kind was seen.
      const kinds = Object.keys(FAULT_WEIGHTS);
      await this.until(() => kinds.every((kind) => this.#faults.has(kind)), extraMs);
    }
    this.#injecting = false;
    await this.#quiesce();

    let memory: MemoryReport | null = null;
    if (baseline !== null) {
      const finalBytes = await this.#canonicalHeap();
      const marginBytes = this.#options.memoryMarginBytes ?? 4 * 1024 * 1024;
      memory = {
        baselineBytes: baseline,
        finalBytes,
        growthBytes: finalBytes - baseline,
        marginBytes,
        samples: [...this.#heapSamples],
      };
      if (finalBytes - baseline > marginBytes) {
        this.#violations.add(
          'memory-growth',
          `heap after GC grew ${mb(finalBytes - baseline)} (from ${mb(baseline)} to ${mb(finalBytes)}; margin ${mb(marginBytes)})`,
        );
      }
    }
    this.#streaming = false;

    const current = new Map<number, string | null>();
    for (const shard of manager.shards) current.set(shard.id, shard.session?.sessionId ?? null);
    this.#ledger.finish(current);
    const allReady = manager.shards.every((shard) => shard.state === 'ready');
    if (!allReady) {
      for (const shard of manager.shards) {
        if (shard.state !== 'ready')
          this.#violations.add('not-ready-at-end', `shard ${shard.id} is ${shard.state}`);
      }
    }
    for (const shard of manager.shards) {
      if (shard.snapshot.status === 'error') this.#violations.add('machine-error', `shard ${shard.id}`);
    }
    return this.#report(started, allReady, memory);
  }

  /** Stops everything; resolves false when that did not finish within `timeoutMs`. */
  async teardown(timeoutMs: number): Promise<boolean> {
    this.#stopped = true;
    this.#injecting = false;
    this.#streaming = false;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const stopped = (async (): Promise<true> => {
      await Promise.allSettled([...this.#pending]);
      await this.#manager?.stopShards().catch(() => undefined);
      await this.#gateway?.close();
      return true;
    })();
    const clean = await Promise.race([stopped, timedOut]);
    clearTimeout(timer);
    if (!clean) void this.#gateway?.close();
    return clean;
  }

  /** Resolves true once `predicate` holds, false after `timeoutMs`. Re-checked on changes and every 100 ms. */
  until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const finish = (value: boolean): void => {
        clearTimeout(deadline);
        clearInterval(poll);
        this.#waiters.delete(check);
        resolve(value);
      };
      const check = (): void => {
        if (predicate()) finish(true);
      };
      const deadline = setTimeout(() => finish(predicate()), timeoutMs);
      const poll = setInterval(check, 100);
      this.#waiters.add(check);
    });
  }

  #changed(): void {
    for (const check of [...this.#waiters]) check();
  }

  // ── Setup ─────────────────────────────────────────────────────────────────────────────────────

  async #startGateway(): Promise<FakeGateway> {
    const { shards } = this.#options;
    const guilds: FakeGuild[] = [];
    for (let shardId = 0; shardId < shards; shardId++) {
      for (let index = 0; index < 2; index++) {
        guilds.push({ id: guildIdFor(shardId, shards, index), name: `guild ${shardId}.${index}` });
      }
    }
    const gateway = await FakeGateway.start({
      token: TOKEN,
      shardCount: shards,
      maxConcurrency: this.#options.maxConcurrency ?? 4,
      identifyIntervalMs: this.#identifyIntervalMs,
      heartbeatIntervalMs: this.#heartbeatIntervalMs,
      heartbeatGraceMs: Math.round(this.#heartbeatIntervalMs * 1.5),
      sessionStartLimit: { total: this.#budget, remaining: this.#budget },
      sessionTtlMs: 30_000,
      replayBufferSize: 2_000,
      recordFrames: false,
      guilds,
    });
    this.#gateway = gateway;
    gateway.on('dispatch', (record) => this.#ledger.gatewayDispatched(record));
    gateway.on('identify', (attempt) => this.#onIdentify(attempt));
    gateway.on('close', (record) => this.#onClose(record));
    gateway.on('resumed', () => this.#changed());
    return gateway;
  }

  #startManager(gateway: FakeGateway): ShardManager {
    const jitter = this.#rng.fork();
    const manager = new ShardManager({
      token: TOKEN,
      intents: INTENTS,
      restUrl: gateway.restUrl,
      gatewayUrl: gateway.url,
      compress: 'zlib-stream',
      identifyIntervalMs: this.#identifyIntervalMs,
      sessionSaveIntervalMs: 60_000,
      random: () => jitter.next(),
      timing: {
        helloTimeoutMs: 3_000,
        readyTimeoutMs: 5_000,
        resumeTimeoutMs: 5_000,
        backoffBaseMs: 50,
        backoffMaxMs: 500,
        invalidSessionMinMs: 100,
        invalidSessionMaxMs: 800,
      },
    });
    this.#manager = manager;
    manager.createShards(this.#options.shards);
    for (const shard of manager.shards) this.#wireShard(shard);
    for (const started of manager.startShards()) {
      // A start that fails is reported through the shard's events; the promise must not go unhandled.
      started.catch((error: unknown) => this.#violations.add('start-rejected', String(error)));
    }
    return manager;
  }

  #wireShard(shard: Shard): void {
    watchShard(shard, this.#ledger, this.#violations, this.#counters, {
      changed: () => this.#changed(),
      sessionLost: (sessionId) => this.#expireLater(sessionId),
    });
  }

  /** A session the shard gave up is of no use to anyone: let the gateway drop it (and its buffer). */
  #expireLater(sessionId: string): void {
    setImmediate(() => this.#gateway?.expireSession(sessionId));
  }

  #onIdentify(attempt: IdentifyAttempt): void {
    this.#identifyAttempts += 1;
    if (attempt.outcome === 'ready' && attempt.shardId !== null) {
      // Identifies per bucket window, as the gateway counts them (arrival time).
      const bucket = attempt.shardId % (this.#options.maxConcurrency ?? 4);
      this.#identifiesByBucket.set(bucket, (this.#identifiesByBucket.get(bucket) ?? 0) + 1);
      const recent = (this.#recentIdentifies.get(bucket) ?? []).filter(
        (at) => attempt.at - at < this.#identifyIntervalMs,
      );
      recent.push(attempt.at);
      this.#recentIdentifies.set(bucket, recent);
      this.#maxPerBucketWindow = Math.max(this.#maxPerBucketWindow, recent.length);
      if (recent.length > 1) {
        this.#violations.add(
          'identify-bucket',
          `${recent.length} identifies of bucket ${bucket} within ${this.#identifyIntervalMs} ms`,
        );
      }
    }
    if (attempt.reason === 'identify-rate-limit') {
      this.#violations.add(
        'identify-bucket',
        `shard ${attempt.shardId} identified while its bucket was used`,
      );
    } else if (attempt.reason === 'session-start-limit') {
      this.#violations.add(
        'session-start-budget',
        `shard ${attempt.shardId} identified with no session start left`,
      );
    } else if (attempt.outcome === 'closed') {
      this.#violations.add('identify-refused', `shard ${attempt.shardId}: close ${attempt.closeCode}`);
    }
  }

  #onClose(record: CloseRecord): void {
    const key = `${record.initiator} ${record.code}`;
    this.#closes.set(key, (this.#closes.get(key) ?? 0) + 1);
    this.#changed();
  }

  // ── Stream and faults ─────────────────────────────────────────────────────────────────────────

  #streamTick(): void {
    if (!this.#streaming) return;
    this.#streamCredit += ((this.#options.dispatchesPerShardPerSecond ?? 20) * STREAM_TICK_MS) / 1000;
    const count = Math.floor(this.#streamCredit);
    this.#streamCredit -= count;
    if (count === 0) return;
    for (let shardId = 0; shardId < this.#options.shards; shardId++) {
      if (!this.#silenced.has(shardId)) this.stream(shardId, count);
    }
  }

  stream(shardId: number, count: number): void {
    const gateway = this.#gateway;
    if (gateway === null) return;
    for (let index = 0; index < count; index++) {
      const marker = `${shardId}-${++this.#markerSeq}`;
      this.#ledger.marker = marker;
      try {
        gateway.dispatch(
          GatewayDispatchEvents.MessageCreate,
          {
            id: marker,
            guild_id: guildIdFor(shardId, this.#options.shards, 0),
            channel_id: '1100000000000000001',
            content: `message ${marker}`,
            author: { id: '80351110224678912', username: 'someone' },
          },
          { shardId },
        );
      } finally {
        this.#ledger.marker = null;
      }
    }
  }

  guildCreates(shardId: number, count: number): void {
    for (let index = 0; index < count; index++) {
      const guild = this.#rng.pick(this.#largeGuilds);
      this.#gateway?.dispatch(GatewayDispatchEvents.GuildCreate, guild, { shardId });
    }
  }

  liveConnection(shard: Shard): FakeGatewayConnection | undefined {
    const sessionId = shard.session?.sessionId;
    if (sessionId === undefined) return undefined;
    return this.#gateway?.connections.find((conn) => conn.open && conn.sessionId === sessionId);
  }

  /** Starts a fault schedule; one started earlier (before a pause in injection) ends. */
  #scheduleFault(generation = ++this.#scheduleGeneration): void {
    const perSecond = this.#options.shards * (this.#options.faultsPerShardPerSecond ?? 0.5);
    // Exponential gaps: a Poisson schedule, reproducible from the seed.
    const delay = Math.max(1, Math.round((-Math.log(1 - this.#rng.next()) * 1000) / perSecond));
    this.#after(delay, () => {
      if (!this.#injecting || generation !== this.#scheduleGeneration) return;
      this.#injectOne();
      this.#scheduleFault(generation);
    });
  }

  #injectOne(): void {
    const gateway = this.#gateway;
    const manager = this.#manager;
    if (gateway === null || manager === null) return;
    const ctx = this.#faultContext(gateway);
    if (this.#rng.next() < 0.2) {
      // Any open connection: most are mid-handshake (connecting, identifying, resuming, replaying).
      const targets = gateway.connections.filter(
        (conn) =>
          conn.open &&
          !this.#busyConnections.has(conn.id) &&
          (conn.shardId === null || !this.#busy.has(conn.shardId)),
      );
      if (targets.length === 0) return;
      const conn = this.#rng.pick(targets);
      const kind = this.#rng.weighted(HANDSHAKE_FAULT_WEIGHTS);
      const shard = conn.shardId === null ? undefined : manager.shards[conn.shardId];
      if (shard?.state !== 'ready') this.#faultsDuringHandshake += 1;
      if (injectSimpleFault(ctx, kind, conn)) this.#count(kind);
      return;
    }
    const candidates = manager.shards.filter((shard) => shard.state === 'ready' && !this.#busy.has(shard.id));
    if (candidates.length === 0) return;
    const shard = this.#rng.pick(candidates);
    const conn = this.liveConnection(shard);
    if (conn === undefined || this.#busyConnections.has(conn.id)) return;
    const kind: FaultKind = this.#firstKinds.shift() ?? this.#rng.weighted(FAULT_WEIGHTS);
    this.#busy.add(shard.id);
    this.#busyConnections.add(conn.id);
    const done = injectShardFault(ctx, kind, shard, conn)
      .then((applied) => {
        if (applied) this.#count(kind);
      })
      .catch((error: unknown) => this.#violations.add('fault-error', `${kind}: ${String(error)}`))
      .finally(() => {
        this.#busy.delete(shard.id);
        this.#busyConnections.delete(conn.id);
        this.#pending.delete(done);
      });
    this.#pending.add(done);
  }

  #faultContext(gateway: FakeGateway): FaultContext {
    return {
      rng: this.#rng,
      gateway,
      ledger: this.#ledger,
      violations: this.#violations,
      heartbeatIntervalMs: this.#heartbeatIntervalMs,
      slowReaderBurst: this.#options.slowReaderBurst ?? 500,
      stream: (shardId, count) => this.stream(shardId, count),
      guildCreates: (shardId, count) => this.guildCreates(shardId, count),
      silence: (shardId, silent) => {
        if (silent) this.#silenced.add(shardId);
        else this.#silenced.delete(shardId);
      },
      liveConnection: (shard) => this.liveConnection(shard),
      until: (predicate, timeoutMs) => this.until(predicate, timeoutMs),
      closeOf: (connectionId, timeoutMs) => this.#closeOf(gateway, connectionId, timeoutMs),
    };
  }

  async #closeOf(gateway: FakeGateway, connectionId: number, timeoutMs: number): Promise<CloseRecord | null> {
    const find = (): CloseRecord | undefined => {
      const closes = gateway.closes;
      for (let index = closes.length - 1; index >= 0 && index >= closes.length - 500; index--) {
        const record = closes[index];
        if (record?.connectionId === connectionId) return record;
      }
      return undefined;
    };
    const found = await this.until(() => find() !== undefined, timeoutMs);
    return found ? (find() ?? null) : null;
  }

  #count(kind: string): void {
    this.#faults.set(kind, (this.#faults.get(kind) ?? 0) + 1);
  }

  // ── Phases ────────────────────────────────────────────────────────────────────────────────────

  /** Waits for running faults, then until every shard is ready and has delivered all of its session. */
  async #quiesce(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
    const manager = this.#manager;
    if (manager === null) return;
    const drained = (): boolean =>
      manager.shards.every((shard) => {
        const sessionId = shard.session?.sessionId;
        return shard.state === 'ready' && sessionId !== undefined && this.#ledger.isDrained(sessionId);
      });
    const timeoutMs = this.#options.drainTimeoutMs ?? 30_000;
    if (!(await this.until(drained, timeoutMs))) {
      const stuck = manager.shards
        .filter(
          (shard) => !(shard.state === 'ready' && this.#ledger.isDrained(shard.session?.sessionId ?? '')),
        )
        .map((shard) => `${shard.id}:${shard.state}`);
      this.#violations.add(
        'drain-timeout',
        `after ${timeoutMs} ms, not ready or not drained: ${stuck.join(', ')}`,
      );
    }
  }

  /**
   * Heap after GC at a canonical point: every session is replaced by a fresh one (op 9 false), so the
   * gateway's replay buffers and the shards' per-session state are the same at both measurements.
   */
  async #canonicalHeap(): Promise<number> {
    const gateway = this.#gateway;
    const manager = this.#manager;
    if (gateway === null || manager === null || gc === undefined) return 0;
    const streaming = this.#streaming;
    this.#streaming = false;
    const old = new Set(gateway.sessions.map((session) => session.id));
    for (const id of old) gateway.expireSession(id);
    const fresh = await this.until(
      () =>
        manager.shards.every((shard) => {
          const sessionId = shard.session?.sessionId;
          return (
            shard.state === 'ready' &&
            sessionId !== undefined &&
            !old.has(sessionId) &&
            this.#ledger.isDrained(sessionId)
          );
        }),
      30_000,
    );
    if (!fresh) this.#violations.add('canonical-timeout', 'shards did not start fresh sessions in 30 s');
    for (const session of gateway.sessions) {
      if (!manager.shards.some((shard) => shard.session?.sessionId === session.id))
        gateway.expireSession(session.id);
    }
    // The fake keeps a log of every close and identify, and the ledger remembers every ended session:
    // test bookkeeping that grows with the run. Cleared here, so the comparison measures statecord.
    (gateway.closes as CloseRecord[]).length = 0;
    (gateway.identifyLog as IdentifyLogEntry[]).length = 0;
    this.#ledger.forgetEnded();
    const heap = await heapAfterGc();
    if (this.#options.heapSnapshotDir !== undefined) {
      writeHeapSnapshot(
        join(this.#options.heapSnapshotDir, `soak-${this.#options.seed}-${Date.now()}.heapsnapshot`),
      );
    }
    this.#streaming = streaming;
    return heap;
  }

  async #progress(started: number): Promise<void> {
    const manager = this.#manager;
    if (manager === null) return;
    let heap = process.memoryUsage().heapUsed;
    if (this.#measureMemory) {
      heap = await heapAfterGc();
      this.#heapSamples.push(heap);
    }
    const ready = manager.shards.filter((shard) => shard.state === 'ready').length;
    let sent = 0;
    let received = 0;
    for (const tally of this.#ledger.tallies) {
      sent += tally.sent;
      received += tally.received;
    }
    let faults = 0;
    for (const count of this.#faults.values()) faults += count;
    this.#options.progress?.(
      `[${String(Math.round((Date.now() - started) / 1000)).padStart(4)} s] faults ${faults} | ready ${ready}/${manager.shards.length} | ` +
        `sent ${sent} received ${received} | resumed ${this.#counters.resumed} new sessions ${this.#counters.newSessions} | ` +
        `heap ${mb(heap)} | violations ${this.#violations.total}`,
    );
  }

  #report(started: number, allReady: boolean, memory: MemoryReport | null): SoakReport {
    const gateway = this.#gateway;
    const manager = this.#manager;
    if (gateway === null || manager === null) throw new Error('the soak did not start');
    const stats = gateway.stats;
    const windowMs = this.#identifyIntervalMs;
    const byBucket = Object.fromEntries([...this.#identifiesByBucket].sort(([a], [b]) => a - b));
    const maxPerBucketWindow = this.#maxPerBucketWindow;
    const gate = manager.identifyGate instanceof SessionStartGate ? manager.identifyGate : null;
    if (stats.identifies > this.#budget) {
      this.#violations.add(
        'session-start-budget',
        `${stats.identifies} identifies for a budget of ${this.#budget}`,
      );
    }
    if (gate !== null && this.#identifyAttempts > gate.granted) {
      this.#violations.add(
        'identify-without-grant',
        `${this.#identifyAttempts} identifies reached the gateway, the gate granted ${gate.granted}`,
      );
    }
    const tallies = this.#ledger.tallies;
    const sum = (key: keyof ShardTally): number => tallies.reduce((total, tally) => total + tally[key], 0);
    const violations = Object.fromEntries(this.#violations.counts);
    return {
      seed: this.#options.seed,
      durationMs: this.#options.durationMs,
      shards: this.#options.shards,
      elapsedMs: Date.now() - started,
      faults: Object.fromEntries([...this.#faults].sort(([a], [b]) => a.localeCompare(b))),
      faultsDuringHandshake: this.#faultsDuringHandshake,
      recoveries: { resumed: this.#counters.resumed, newSession: this.#counters.newSessions },
      perShard: tallies.map((tally) => ({ ...tally })),
      totals: {
        sent: sum('sent'),
        received: sum('received'),
        lostReported: sum('lostReported'),
        orphaned: sum('orphaned'),
        lostSilently: sum('lostSilently'),
        duplicated: sum('duplicated'),
        sessions: sum('sessions'),
        sessionsLost: sum('sessionsLost'),
      },
      identifies: {
        accepted: stats.identifies,
        attempts: this.#identifyAttempts,
        byBucket,
        maxPerBucketWindow,
        windowMs,
        rateViolations: stats.identifyRateViolations,
        budget: this.#budget,
        budgetRefused: stats.sessionStartLimitExceeded,
        gateGranted: gate?.granted ?? null,
        gateRemaining: gate?.remaining ?? null,
        resumes: stats.resumes,
      },
      decodeWarnings: this.#counters.decodeWarnings,
      warnings: Object.fromEntries(this.#counters.warnings),
      warningTypes: Object.fromEntries(this.#counters.warningTypes),
      closes: Object.fromEntries([...this.#closes].sort(([a], [b]) => a.localeCompare(b))),
      allReady,
      memory,
      violations,
      violationSamples: [...this.#violations.samples],
      ok: this.#violations.total === 0,
    };
  }

  // ── Timers ────────────────────────────────────────────────────────────────────────────────────

  #after(ms: number, run: () => void): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    this.#timers.add(timer);
  }

  #every(ms: number, run: () => void | Promise<void>): void {
    const tick = (): void => {
      this.#after(ms, () => {
        void Promise.resolve(run()).finally(tick);
      });
    };
    tick();
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#timers.add(timer);
    });
  }
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = rng.int(index + 1);
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
  return items;
}

async function heapAfterGc(): Promise<number> {
  for (let round = 0; round < 3; round++) {
    gc?.();
    await nextTurn();
  }
  return process.memoryUsage().heapUsed;
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
