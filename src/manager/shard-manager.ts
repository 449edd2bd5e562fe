import { createActor, fromPromise } from 'xstate';
import type { Actor } from 'xstate';
import type { GatewayDispatchPayload, RESTGetAPIGatewayBotResult } from 'discord-api-types/v10';
import { createShardDelays, managerMachine, shardMachine } from '../../machines/index.js';
import type { GatewayInfo, ShardFailureReason, StartPreparation } from '../../machines/index.js';
import {
  HttpUnauthorizedError,
  InvalidArgumentError,
  ShardsRunningError,
  shardFailureError,
} from '../errors.js';
import type { ShardFailureError } from '../errors.js';
import type { ShardEvents } from '../shard/shard.js';
import { createSocketLogic } from '../gateway/socket-actor.js';
import { GatewayHttp } from '../http/index.js';
import { identifyGateLogic } from '../shard/shard-host.js';
import { Shard } from '../shard/shard.js';
import type { IdentifyGate } from '../shard/identify-gate.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { SessionStartGate } from './identify/index.js';
import { ManagedShardHost } from './managed-host.js';
import { MemorySessionStore } from './session-store.js';
import type { SessionStore } from './session-store.js';
import type { ShardManagerOptions } from './shard-manager-options.js';

/** Events of a {@link ShardManager}. Each shard's own events stay available on the shard. */
export interface ShardManagerEvents {
  /** A shard's session is live; `ready` of `total` managed shards are now (for progress bars). */
  shardReady: { readonly shard: Shard; readonly ready: number; readonly total: number };
  shardReconnected: { readonly shard: Shard; readonly isNewSession: boolean };
  shardFailure: {
    readonly shard: Shard;
    readonly reason: ShardFailureReason;
    readonly closeCode: number | null;
    readonly error: ShardFailureError;
  };
  /** Every managed shard is ready (again, after a late reconnect). */
  ready: { readonly shards: number };
  /** A failure that dooms every shard (a rejected token): all were stopped. */
  failure: { readonly reason: ShardFailureReason; readonly error: ShardFailureError };
  /** Every dispatch of every shard. */
  dispatch: { readonly shard: Shard; readonly payload: GatewayDispatchPayload };
  /** Something recoverable went wrong (a session store error, a shard warning). */
  warning: { readonly error: Error; readonly context: string; readonly shard: Shard | null };
}

/**
 * Runs a set of shards, modelled on Discore's `ShardManager`: create them (one, the number Discord
 * recommends, or a chosen subset for multi-process bots), start and stop them together. Their
 * lifecycles are child actors of one XState system (`managerMachine`), so one `inspect` sees all.
 *
 * @example
 * const manager = new ShardManager({ token, intents: GatewayIntentBits.Guilds });
 * await manager.createMinimumRequiredShards();
 * manager.on('dispatch', ({ shard, payload }) => console.log(shard.id, payload.t));
 * await Promise.all(manager.startShards());
 */
export class ShardManager extends TypedEmitter<ShardManagerEvents> {
  /** REST calls: `manager.http.gateway.getBot()`, `getBotRequiredShards()`. */
  readonly http: { readonly gateway: GatewayHttp };
  readonly #options: ShardManagerOptions;
  readonly #actor: Actor<typeof managerMachine>;
  readonly #host = new ManagedShardHost();
  readonly #store: SessionStore;
  readonly #gate: IdentifyGate;
  #shards: Shard[] = [];
  #unwire: Array<() => void> = [];
  #saveTimer: NodeJS.Timeout | null = null;
  #gatewayInfoFetched = false;
  /** The shards the next `prepareStart` loads sessions for. */
  #toPrepare: readonly Shard[] = [];
  #pendingGatewayInfo: { resolve: () => void; reject: (error: unknown) => void } | null = null;

  constructor(options: ShardManagerOptions) {
    super();
    if (typeof options.token !== 'string' || options.token.length === 0) {
      throw new InvalidArgumentError('token must be a non-empty string');
    }
    this.#options = options;
    this.http = {
      gateway: new GatewayHttp({
        token: options.token,
        ...(options.restUrl === undefined ? {} : { restUrl: options.restUrl }),
      }),
    };
    this.#store = options.sessionStore ?? new MemorySessionStore();
    const intervalMs = options.identifyIntervalMs ?? 5_000;
    const marginMs = options.identifyMarginMs ?? defaultIdentifyMargin(intervalMs);
    this.#gate =
      options.identifyGate ??
      new SessionStartGate({
        maxConcurrency: options.maxConcurrency ?? 1,
        intervalMs: intervalMs + marginMs,
        // Our shards report answers (see defaultIdentifyMargin); a READY later than this is very rare.
        answerTimeoutMs: Math.max(intervalMs, 5_000),
      });
    const shardLogic = shardMachine.provide({
      actors: {
        socket: createSocketLogic((shardId) => this.#host.depsFor(shardId)),
        identifyGate: identifyGateLogic(this.#gate),
      },
      delays: createShardDelays(options.random ?? Math.random),
    });
    const logic = managerMachine.provide({
      actors: {
        shard: shardLogic,
        prepareStart: fromPromise<StartPreparation>(() => this.#prepareStart()),
        gatewayInfo: fromPromise<GatewayInfo>(async () => {
          const info = await this.http.gateway.getBot();
          this.#useGatewayInfo(info);
          return { url: info.url, recommendedShards: info.shards };
        }),
      },
    });
    this.#actor = createActor(logic, {
      input: {
        gatewayUrl: options.gatewayUrl ?? 'wss://gateway.discord.gg',
        ...(options.timing === undefined ? {} : { shardTiming: options.timing }),
      },
      ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
    });
    this.#host.manager = this.#actor;
    this.#host.gate = this.#gate;
    this.#wireManager();
    this.#actor.start();
  }

  /** The identify gate every shard of this manager waits on (a `SessionStartGate` by default). */
  get identifyGate(): IdentifyGate {
    return this.#gate;
  }

  /** The shards this manager runs. */
  get shards(): readonly Shard[] {
    return this.#shards;
  }

  /** How many shards this process runs. */
  get managedShardCount(): number {
    return this.#shards.length;
  }

  /** The shard count the shards identify with (all shards of the bot, across processes). */
  get totalShardCount(): number {
    return this.#actor.getSnapshot().context.totalShards;
  }

  /** The manager's lifecycle state: `idle`, `fetchingGatewayInfo`, `preparing`, `running` or `failed`. */
  get state(): string {
    const value = this.#actor.getSnapshot().value;
    // `running` has sub-states (start-up waves); callers see the top-level state.
    return typeof value === 'string' ? value : (Object.keys(value)[0] ?? '');
  }

  /** Creates shard 0 of 1 and returns it. */
  createSingleShard(): Shard {
    this.createShards([0], 1);
    return this.#shards[0]!;
  }

  /** Creates the number of shards Discord recommends (`GET /gateway/bot`), all run by this process. */
  async createMinimumRequiredShards(): Promise<readonly Shard[]> {
    this.#assertCanCreate();
    const done = new Promise<void>((resolve, reject) => (this.#pendingGatewayInfo = { resolve, reject }));
    this.#actor.send({ type: 'manager.createRecommendedShards' });
    await done;
    return this.#shards;
  }

  /**
   * Creates shards: `createShards(count)` for shards 0..count-1 of count, or `createShards(ids, total)`
   * for a subset run by this process (e.g. shards 0–2 of 6). Throws `ShardsRunningError` while shards run.
   */
  createShards(count: number): readonly Shard[];
  createShards(shardIds: readonly number[], totalShards: number): readonly Shard[];
  createShards(idsOrCount: readonly number[] | number, totalShards?: number): readonly Shard[] {
    const { shardIds, total } = normalizeShardIds(idsOrCount, totalShards);
    this.#assertCanCreate();
    this.#actor.send({ type: 'manager.createShards', shardIds, totalShards: total });
    return this.#shards;
  }

  /**
   * Starts every shard that is not running. Returns one promise per started shard: it resolves when
   * that shard is ready and rejects with its failure. Shards resume sessions found in the session store.
   */
  startShards(): Promise<void>[] {
    const toStart = this.#shards.filter((shard) => shard.state === 'idle' || shard.state === 'stopped');
    const failure = this.#actor.getSnapshot().context.failure;
    if (this.state === 'failed' && failure !== null) {
      // Every shard was doomed (a rejected token); starting again needs new shards (createShards).
      return toStart.map(() => Promise.reject(shardFailureError(failure, null)));
    }
    const started = toStart.map((shard) => shard.whenStarted());
    this.#toPrepare = toStart;
    this.#actor.send({ type: 'manager.start' });
    this.#startSaving();
    return started;
  }

  /**
   * Stops every shard. With `resumable: true` sessions are kept and saved to the session store, so a
   * new manager (or process) with the same store resumes them; otherwise they end.
   */
  async stopShards(options: { resumable?: boolean } = {}): Promise<void> {
    const resumable = options.resumable ?? false;
    this.#stopSaving();
    this.#actor.send({ type: 'manager.stop', resumable });
    await Promise.all(this.#shards.map((shard) => shard.stop({ resumable })));
    await Promise.all(this.#shards.map((shard) => this.#persist(shard, resumable)));
  }

  /**
   * The manager machine's `prepareStart`: fresh `/gateway/bot` numbers for the identify gate, and the
   * saved sessions. A rejected token is rethrown (the machine fails every shard); other errors are
   * reported and the start goes on. Tells the machine which shards will resume and how the gate paces
   * identifies, from which it plans the start-up waves (unknown for a user-supplied gate).
   */
  async #prepareStart(): Promise<StartPreparation> {
    const shards = this.#toPrepare;
    const gatewayInfo = async () => {
      if (this.#options.fetchGatewayInfo === false || this.#gatewayInfoFetched) return;
      try {
        this.#useGatewayInfo(await this.http.gateway.getBot());
      } catch (error) {
        if (error instanceof HttpUnauthorizedError) throw error;
        this.#warn(error, 'GET /gateway/bot failed; starting with the configured gateway URL', null);
      }
    };
    // The gateway info and the saved sessions are independent: load them at the same time.
    await Promise.all([
      gatewayInfo(),
      ...shards.map(async (shard) => {
        try {
          const saved = (await this.#store.get(shard.id)) ?? null;
          // Nothing saved and nothing held: nothing to adopt (saves a machine event per shard at start).
          if (saved !== null || shard.session !== null) shard.adoptSession(saved);
        } catch (error) {
          this.#warn(error, 'the session store failed to load a session; identifying instead', shard);
        }
      }),
    ]);
    const gate = this.#gate;
    return {
      resumableShardIds: shards.filter((shard) => shard.session !== null).map((shard) => shard.id),
      identifyPacing:
        gate instanceof SessionStartGate
          ? { maxConcurrency: gate.maxConcurrency, intervalMs: gate.intervalMs }
          : null,
    };
  }

  #useGatewayInfo(info: RESTGetAPIGatewayBotResult): void {
    this.#gatewayInfoFetched = true;
    const limit = info.session_start_limit;
    if (this.#gate instanceof SessionStartGate) {
      this.#gate.configure({
        maxConcurrency: limit.max_concurrency,
        budget: { total: limit.total, remaining: limit.remaining, resetAfterMs: limit.reset_after },
      });
    }
  }

  #assertCanCreate(): void {
    if (!this.#actor.getSnapshot().can({ type: 'manager.createShards', shardIds: [], totalShards: 1 })) {
      throw new ShardsRunningError();
    }
  }

  #wireManager(): void {
    this.#actor.on('manager.shardsCreated', ({ shardIds, totalShards }) =>
      this.#createShardObjects(shardIds, totalShards),
    );
    this.#actor.on('manager.ready', () => this.emit('ready', { shards: this.#shards.length }));
    this.#actor.on('manager.failed', ({ reason }) => {
      const error = shardFailureError(reason, null);
      for (const shard of this.#shards) shard.rejectStart(error);
      this.emit('failure', { reason, error });
    });
    this.#actor.on('manager.gatewayInfoFailed', ({ error }) => {
      this.#pendingGatewayInfo?.reject(error);
      this.#pendingGatewayInfo = null;
    });
    this.#actor.subscribe({
      error: (error) => this.#warn(error, 'the manager machine stopped with an error', null),
    });
  }

  #createShardObjects(shardIds: readonly number[], totalShards: number): void {
    for (const unwire of this.#unwire) unwire();
    for (const shard of this.#shards) this.#host.forget(shard.id);
    const options = this.#options;
    this.#shards = shardIds.map(
      (shardId) =>
        new Shard(
          {
            token: options.token,
            intents: options.intents,
            shardId,
            shardCount: totalShards,
            ...(options.compress === undefined ? {} : { compress: options.compress }),
            ...(options.presence === undefined ? {} : { presence: options.presence }),
            ...(options.largeThreshold === undefined ? {} : { largeThreshold: options.largeThreshold }),
            ...(options.properties === undefined ? {} : { properties: options.properties }),
          },
          this.#host,
        ),
    );
    this.#unwire = this.#shards.map((shard) => this.#wireShard(shard));
    this.#pendingGatewayInfo?.resolve();
    this.#pendingGatewayInfo = null;
  }

  /** Relays a shard's events to the manager machine and to the manager's listeners. */
  #wireShard(shard: Shard): () => void {
    // Handlers kept here and removed with `off` (not the closures `on` returns): fewer objects per shard.
    const onStateChange = ({ from, to }: ShardEvents['stateChange']) => {
      if (to === 'ready') {
        this.#actor.send({ type: 'shard.ready', shardId: shard.id });
        const ready = this.#shards.filter((candidate) => candidate.state === 'ready').length;
        this.emit('shardReady', { shard, ready, total: this.#shards.length });
        void this.#persist(shard, true);
      } else if (from === 'ready') this.#actor.send({ type: 'shard.unready', shardId: shard.id });
    };
    const onReconnected = ({ isNewSession }: ShardEvents['reconnected']) =>
      this.emit('shardReconnected', { shard, isNewSession });
    const onFailure = ({ reason, closeCode, error }: ShardEvents['failure']) => {
      this.emit('shardFailure', { shard, reason, closeCode, error });
      this.#actor.send({ type: 'shard.failed', shardId: shard.id, reason });
    };
    const onWarning = ({ error, context }: ShardEvents['warning']) =>
      this.emit('warning', { error, context, shard });
    const onDispatch = (payload: GatewayDispatchPayload) => {
      if (this.listenerCount('dispatch') > 0) this.emit('dispatch', { shard, payload });
    };
    shard.on('stateChange', onStateChange);
    shard.on('reconnected', onReconnected);
    shard.on('failure', onFailure);
    shard.on('warning', onWarning);
    shard.gateway.on('dispatch', onDispatch);
    return () => {
      shard.off('stateChange', onStateChange);
      shard.off('reconnected', onReconnected);
      shard.off('failure', onFailure);
      shard.off('warning', onWarning);
      shard.gateway.off('dispatch', onDispatch);
    };
  }

  /** Saves (or, for a session that ended, deletes) a shard's session. Never throws. */
  async #persist(shard: Shard, keep: boolean): Promise<void> {
    try {
      const session = shard.session;
      if (keep && session !== null) await this.#store.set(shard.id, session);
      else await this.#store.delete(shard.id);
    } catch (error) {
      this.#warn(error, 'the session store failed to save a session', shard);
    }
  }

  #startSaving(): void {
    if (this.#saveTimer !== null) return;
    const everyMs = this.#options.sessionSaveIntervalMs ?? 5_000;
    const saved = new Map<number, number | null>();
    this.#saveTimer = setInterval(() => {
      for (const shard of this.#shards) {
        const sequence = shard.session?.sequence ?? null;
        if (shard.state !== 'ready' || saved.get(shard.id) === sequence) continue;
        saved.set(shard.id, sequence);
        void this.#persist(shard, true);
      }
    }, everyMs);
    this.#saveTimer.unref();
  }

  #stopSaving(): void {
    if (this.#saveTimer !== null) clearInterval(this.#saveTimer);
    this.#saveTimer = null;
  }

  #warn(error: unknown, context: string, shard: Shard | null): void {
    this.emit('warning', {
      error: error instanceof Error ? error : new Error(String(error)),
      context,
      shard,
    });
  }
}

/**
 * The default `identifyMarginMs`: 1 % of the interval. Discord measures a bucket's interval between
 * identifies as they arrive. The manager's gate counts a bucket's next interval from the gateway's
 * answer to its last identify (`SessionStartGate.identifyAnswered`), which that identify cannot have
 * arrived after, so network and event-loop delays cannot bring two arrivals too close and no margin is
 * needed for them. The 1 % is for what we cannot see: how Discord's limiter rounds time (50 ms at its
 * 5 s interval). Measured (`BENCHMARKS.md`, start-up, 100 ms interval on 2 shared cores): 0 violations.
 * Counting from the grant instead needed 20 ms (20 %) at that interval.
 */
function defaultIdentifyMargin(intervalMs: number): number {
  return Math.round(intervalMs * 0.01);
}

function normalizeShardIds(
  idsOrCount: readonly number[] | number,
  totalShards: number | undefined,
): { shardIds: readonly number[]; total: number } {
  if (typeof idsOrCount === 'number') {
    if (!Number.isInteger(idsOrCount) || idsOrCount < 1)
      throw new InvalidArgumentError('count must be an integer ≥ 1');
    return { shardIds: Array.from({ length: idsOrCount }, (_, index) => index), total: idsOrCount };
  }
  const total = totalShards ?? 0;
  if (!Number.isInteger(total) || total < 1)
    throw new InvalidArgumentError('totalShards must be an integer ≥ 1');
  const unique = new Set(idsOrCount);
  if (unique.size !== idsOrCount.length) throw new InvalidArgumentError('shard ids must be unique');
  for (const id of idsOrCount) {
    if (!Number.isInteger(id) || id < 0 || id >= total) {
      throw new InvalidArgumentError(`shard id ${id} is not in [0, ${total - 1}]`);
    }
  }
  if (idsOrCount.length === 0) throw new InvalidArgumentError('at least one shard id is needed');
  return { shardIds: [...idsOrCount], total };
}
