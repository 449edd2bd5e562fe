import { createActor, fromPromise } from 'xstate';
import type { Actor } from 'xstate';
import { createShardDelays, managerMachine, planStartWaves, shardMachine } from '../../machines/index.js';
import type { GatewayInfo, StartPreparation } from '../../machines/index.js';
import {
  HttpUnauthorizedError,
  ListenerError,
  NoShardsError,
  ShardStoppedError,
  ShardsRunningError,
  TooManyShardsError,
  shardFailureError,
} from '../errors.js';
import { createSocketLogic } from '../gateway/socket-actor.js';
import { GatewayHttp } from '../http/index.js';
import { checkUrl, failOption } from '../options/checks.js';
import { isLoopbackUrl } from '../options/loopback.js';
import { validateManagerOptions } from '../options/validate-manager-options.js';
import { createVoiceLogic } from '../voice/voice-logic.js';
import { ManagerVoice } from '../voice/manager-voice.js';
import { Shard } from '../shard/shard.js';
import type { IdentifyGate } from '../shard/identify-gate.js';
import { handledRejection } from '../shard/start-waiters.js';
import { indexScheduledEventsBySource } from '../util/indexed-scheduler.js';
import { reportUnheardWarning } from '../util/process-warning.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { configureFromGatewayBot, createDefaultIdentifyGate } from './identify/default-gate.js';
import { isConfigurableGate } from './identify/index.js';
import type { SessionStartGate } from './identify/index.js';
import { heldIdentifyGate, IdentifyHold } from './identify-hold.js';
import { ManagedShardHost } from './managed-host.js';
import { normalizeShardIds } from './normalize-shard-ids.js';
import { SessionSaver } from './session-saver.js';
import { MemorySessionStore } from './session-store.js';
import { DEFAULT_MAX_SHARDS } from './shard-manager-options.js';
import type { ShardManagerOptions } from './shard-manager-options.js';
import { checkReshardEvery, planReshard, validateReshardOptions } from './reshard/reshard-options.js';
import type { ReshardOptions } from './reshard/reshard-options.js';
import { Resharder } from './reshard/resharder.js';
import type { DispatchFilter, ReshardHost, ReshardOutcome } from './reshard/resharder.js';
import { ReshardWatcher } from './reshard/reshard-watcher.js';
import { newShardOptions } from './reshard/new-shard-options.js';
import type { ShardRelayTarget } from './shard-relay.js';
import { adoptSavedSession } from './adopt-saved-session.js';
import type { ShardManagerEvents } from './shard-manager-events.js';

export type { ShardManagerEvents } from './shard-manager-events.js';

import { ManagerWorkers } from '../workers/manager-workers.js';
import type { WorkerInfo } from '../workers/manager-workers.js';
import { resolveWorkerCount } from '../workers/worker-count.js';

/**
 * Runs a set of shards, modelled on Discore's `ShardManager`: create them (one, the number Discord
 * recommends, or a chosen subset for multi-process bots), start and stop them together. Their
 * lifecycles are child actors of one XState system (`managerMachine`), so one `inspect` sees all.
 *
 * @example
 * ```ts
 * import { GatewayIntentBits, ShardManager } from 'statecord';
 *
 * const manager = new ShardManager({ token: process.env.DISCORD_TOKEN!, intents: GatewayIntentBits.Guilds });
 * await manager.createMinimumRequiredShards();
 * manager.on('dispatch', ({ shard, payload }) => console.log(shard.id, payload.t));
 * await Promise.all(manager.startShards());
 * ```
 */
export class ShardManager extends TypedEmitter<ShardManagerEvents> {
  /** REST calls: `manager.http.gateway.getBot()`, `getBotRequiredShards()`. */
  readonly http: {
    /** The gateway REST calls (`GET /gateway/bot`). */
    readonly gateway: GatewayHttp;
  };
  /** Voice connections, each joined on the shard that holds its guild: `manager.voice.join(guildId, channelId)`. */
  readonly voice: ManagerVoice;
  readonly #options: ShardManagerOptions;
  readonly #actor: Actor<typeof managerMachine>;
  readonly #host = new ManagedShardHost();
  readonly #saver: SessionSaver;
  readonly #gate: IdentifyGate;
  readonly #maxShards: number;
  /** The worker threads (`workers` option), or null. */
  readonly #workers: ManagerWorkers | null;
  #shards: Shard[] = [];
  /** What every shard reports to (one object for all). */
  readonly #relay: ShardRelayTarget = this.#createRelay();
  /** Shards whose state is `ready` now (kept by the relays, so `shardReady` does not count every shard). */
  #readyCount = 0;
  #gatewayInfoFetched = false;
  /** The shards the next `prepareStart` loads sessions for. */
  #toPrepare: readonly Shard[] = [];
  /** While a start is prepared: holds the identifies of the shards started early (null otherwise). */
  #identifyHold: IdentifyHold | null = null;
  #pendingGatewayInfo: { resolve: () => void; reject: (error: unknown) => void } | null = null;
  /** The reshard under way (docs/protocol/resharding.md §1), and the filter it puts on dispatches. */
  #reshard: Resharder | null = null;
  #dispatchFilter: DispatchFilter | null = null;
  /** `createMinimumRequiredShards({ reshardEvery })`. */
  #reshardWatcher: ReshardWatcher | null = null;

  /** @param options - checked synchronously (`InvalidArgumentError` naming the option) */
  constructor(options: ShardManagerOptions) {
    super();
    validateManagerOptions(options);
    this.#options = options;
    this.#maxShards = options.maxShards ?? DEFAULT_MAX_SHARDS;
    this.voice = new ManagerVoice({ shards: () => this.#shards, totalShards: () => this.totalShardCount });
    this.http = {
      gateway: new GatewayHttp({
        token: options.token,
        ...(options.restUrl === undefined ? {} : { restUrl: options.restUrl }),
      }),
    };
    this.#saver = new SessionSaver(
      options.sessionStore ?? new MemorySessionStore(),
      options.sessionSaveIntervalMs ?? 5_000,
      (error, shard) => this.#warn(error, 'the session store failed', shard),
      // The shards' own default (src/shard/shard.ts).
      { compress: options.compress ?? 'zlib-stream' },
    );
    this.#gate = options.identifyGate ?? this.#createDefaultGate(options);
    if (options.identifyGate !== undefined) this.#wireUserGate(options.identifyGate);
    this.#workers = this.#createWorkers(options);
    const depsFor = (shardId: number) => this.#host.depsFor(shardId);
    const shardLogic = shardMachine.provide({
      actors: {
        socket: this.#workers?.socketLogic(depsFor) ?? createSocketLogic(depsFor),
        voice: createVoiceLogic(this.#host.voice, options.random ?? Math.random),
      },
      delays: createShardDelays(options.random ?? Math.random),
    });
    const logic = managerMachine.provide({
      actors: {
        shard: shardLogic,
        prepareStart: fromPromise<StartPreparation>(({ signal }) => this.#prepareStart(signal)),
        gatewayInfo: fromPromise<GatewayInfo>(({ signal }) => this.#fetchRecommendedShards(signal)),
      },
    });
    this.#actor = createActor(logic, {
      input: {
        gatewayUrl: options.gatewayUrl ?? 'wss://gateway.discord.gg',
        ...(options.timing === undefined ? {} : { shardTiming: options.timing }),
      },
      ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
    });
    // One system for every shard: its scheduler must not scan all their timers on each actor stop.
    indexScheduledEventsBySource(this.#actor.system);
    this.#host.manager = this.#actor;
    this.#host.gate = this.#gate;
    // Round 0 may connect while GET /gateway/bot is in flight; its IDENTIFYs wait for the hold.
    this.#host.waitAt = heldIdentifyGate(this.#gate, () => this.#identifyHold);
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

  /** The worker threads that run the shards' connections (`workers` option); empty without. */
  get workers(): readonly WorkerInfo[] {
    return this.#workers?.workers ?? [];
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

  /**
   * Creates the number of shards Discord recommends (`GET /gateway/bot`), all run by this process.
   * Rejects with `TooManyShardsError` above `maxShards`, with an `Http*Error` when the request fails,
   * and with `ShardStoppedError` when `stopShards()` cancels it.
   *
   * With `reshardEvery` (ms, at least 100), while the shards run it asks `GET /gateway/bot` that often
   * and calls `reshard()` when Discord recommends more shards than run now; a failed check or reshard is
   * a `warning` (and `reshardFailed`), never a rejection. `stopShards()` ends the checks. `reshard`
   * holds the options of those reshards (timing windows; not `shardIds`: all shards run here).
   */
  async createMinimumRequiredShards(
    options: { reshardEvery?: number; reshard?: Omit<ReshardOptions, 'shardIds'> } = {},
  ): Promise<readonly Shard[]> {
    checkReshardEvery(options.reshardEvery);
    // Checked now, with a count that passes, so a bad window fails here and not at the first reshard.
    if (options.reshard !== undefined)
      validateReshardOptions(1, { ...options.reshard, shardIds: undefined }, 1);
    this.#assertCanCreate();
    if (this.#options.restUrl === undefined && isLoopbackUrl(this.#options.gatewayUrl ?? '')) {
      failOption('restUrl', 'is needed to ask GET /gateway/bot of a gateway on a loopback address');
    }
    const done = new Promise<void>((resolve, reject) => (this.#pendingGatewayInfo = { resolve, reject }));
    this.#actor.send({ type: 'manager.createRecommendedShards' });
    await done;
    if (options.reshardEvery !== undefined) {
      this.#watchRecommendedShards(options.reshardEvery, options.reshard ?? {});
    }
    return this.#shards;
  }

  /**
   * Creates shards: `createShards(count)` for shards 0..count-1 of count, or `createShards(ids, total)`
   * for a subset run by this process (e.g. shards 0–2 of 6). Throws `ShardsRunningError` while shards
   * run, and `TooManyShardsError` for more than `maxShards`.
   */
  createShards(count: number): readonly Shard[];
  createShards(shardIds: readonly number[], totalShards: number): readonly Shard[];
  createShards(idsOrCount: readonly number[] | number, totalShards?: number): readonly Shard[] {
    const { shardIds, total } = normalizeShardIds(idsOrCount, totalShards);
    if (shardIds.length > this.#maxShards) throw new TooManyShardsError(shardIds.length, this.#maxShards);
    this.#assertCanCreate();
    this.#actor.send({ type: 'manager.createShards', shardIds, totalShards: total });
    return this.#shards;
  }

  /**
   * Starts every shard that is not running. Returns one promise per started shard: it resolves when
   * that shard is ready and rejects with its failure (marked handled: failures are also reported as
   * `shardFailure`, so not awaiting them never crashes the process). Shards resume sessions found in
   * the session store. Throws `NoShardsError` before any shard was created.
   */
  startShards(): Promise<void>[] {
    if (this.#shards.length === 0) throw new NoShardsError();
    const toStart = this.#shards.filter((shard) => shard.state === 'idle' || shard.state === 'stopped');
    const failure = this.#actor.getSnapshot().context.failure;
    if (failure !== null) {
      // Every shard was doomed (a rejected token); starting again needs new shards (createShards).
      return toStart.map(() => handledRejection(shardFailureError(failure, null)));
    }
    const started = toStart.map((shard) => shard.whenStarted());
    this.#toPrepare = toStart;
    this.#workers?.start();
    this.#actor.send({ type: 'manager.start' });
    this.#saver.start(() => this.#shards);
    return started;
  }

  /**
   * Stops every shard (and cancels a pending `createMinimumRequiredShards`). With `resumable: true`
   * sessions are kept and saved to the session store, so a new manager (or process) with the same
   * store resumes them; otherwise they end and are deleted from the store.
   */
  async stopShards(options: { resumable?: boolean } = {}): Promise<void> {
    this.#reshardWatcher?.stop();
    this.#reshardWatcher = null;
    this.#reshard?.cancel();
    await this.#stopRunning(options.resumable ?? false);
  }

  /**
   * Changes the shard count without going offline (docs/protocol/resharding.md §1): refuses with
   * `ReshardBudgetError` when the session starts left (`GET /gateway/bot`) cannot cover one IDENTIFY per
   * new shard; otherwise starts the new set next to the running shards, waits until each new shard is
   * ready with its guilds, lets both sets deliver for `overlapMs` (each event once: dedupe by event
   * identity, §2–§3), then ends the old sessions and makes the new set `shards` (resumed, not identified
   * again). The `dispatch` listeners see every event once throughout. Resolves when done (`resharded`);
   * rejects with `ReshardStateError` (not running, already resharding, same count, slice without
   * `shardIds`), `InvalidArgumentError`, `ReshardBudgetError`, an `Http*Error`, `ReshardFailedError`, or
   * `ShardStoppedError` when `stopShards()` cancels it.
   */
  async reshard(newCount: number, options?: ReshardOptions): Promise<ReshardOutcome> {
    const from = this.totalShardCount;
    const plan = planReshard(newCount, options, {
      maxShards: this.#maxShards,
      running: this.state === 'running',
      resharding: this.#reshard !== null,
      totalShards: from,
      shardIds: this.#shards.map((shard) => shard.id),
    });
    return new Promise<ReshardOutcome>((resolve, reject) => {
      const resharder = new Resharder(this.#reshardHost(), plan, {
        started: () => this.emit('reshardStarted', { from, to: plan.newCount }),
        done: (outcome) => {
          this.#reshard = null;
          this.emit('resharded', { ...outcome, from, to: plan.newCount });
          resolve(outcome);
        },
        failed: (error) => {
          this.#reshard = null;
          this.emit('reshardFailed', { error });
          reject(error);
        },
      });
      this.#reshard = resharder;
      resharder.start();
    });
  }

  /** What a reshard does to this manager (kept here: it reaches into the manager's private state). */
  #reshardHost(): ReshardHost {
    const options = this.#options;
    return {
      http: this.http.gateway,
      inspect: options.inspect,
      shards: () => this.#shards,
      shardOptions: (shardId, shardCount) =>
        newShardOptions(options, {
          shardId,
          shardCount,
          gate: this.#gate,
          gatewayUrl: this.#actor.getSnapshot().context.gatewayUrl,
        }),
      useGatewayInfo: (info) => this.#useGatewayInfo(info),
      deliver: (shard, payload) => this.emit('dispatch', { shard, payload }),
      wantsDispatches: () => this.listenerCount('dispatch') > 0,
      setDispatchFilter: (filter) => (this.#dispatchFilter = filter),
      handOver: async (newShards, shardIds, shardCount) => {
        await this.#stopRunning(false);
        // After the old sessions were deleted: they are stored under the same shard ids.
        await Promise.all(newShards.map((shard) => this.#saver.persist(shard, true)));
        this.createShards(shardIds, shardCount);
        await Promise.all(this.startShards());
      },
      warn: (error, context, shard) => this.#warn(error, context, shard),
    };
  }

  #watchRecommendedShards(everyMs: number, reshardOptions: Omit<ReshardOptions, 'shardIds'>): void {
    this.#reshardWatcher?.stop();
    this.#reshardWatcher = new ReshardWatcher({
      everyMs,
      check: async (signal) => {
        if (this.state !== 'running' || this.#reshard !== null) return;
        const recommended = (await this.http.gateway.getBot({ signal })).shards;
        if (recommended > this.totalShardCount && !signal.aborted)
          await this.reshard(recommended, reshardOptions);
      },
      onError: (error) => this.#warn(error, 'the periodic reshard check (reshardEvery) failed', null),
    });
    this.#reshardWatcher.start();
  }

  async #stopRunning(resumable: boolean): Promise<void> {
    this.#saver.stop();
    this.#actor.send({ type: 'manager.stop', resumable });
    await Promise.all(this.#shards.map((shard) => shard.stop({ resumable })));
    await Promise.all(this.#shards.map((shard) => this.#saver.persist(shard, resumable)));
    await this.#workers?.stop();
  }

  #createWorkers(options: ShardManagerOptions): ManagerWorkers | null {
    if (options.workers === undefined) return null;
    return new ManagerWorkers({
      size: resolveWorkerCount(options.workers),
      ...(options.workerRespawn === undefined ? {} : { config: options.workerRespawn }),
      ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
      ...(options.spawnWorker === undefined ? {} : { spawn: options.spawnWorker }),
      events: {
        crashed: (worker, exit, crashes) => this.emit('workerCrashed', { worker, exit, crashes }),
        respawned: (worker) => this.emit('workerRespawned', { worker }),
        failed: (worker, shards, error) => {
          if (!this.emit('workerFailure', { worker, shards, error }))
            this.#warn(error, 'a worker failed', null);
        },
      },
    });
  }

  #createDefaultGate(options: ShardManagerOptions): SessionStartGate {
    const gate = createDefaultIdentifyGate({
      ...(options.maxConcurrency === undefined ? {} : { maxConcurrency: options.maxConcurrency }),
      ...(options.identifyIntervalMs === undefined ? {} : { identifyIntervalMs: options.identifyIntervalMs }),
      ...(options.identifyMarginMs === undefined ? {} : { identifyMarginMs: options.identifyMarginMs }),
    });
    gate.on('budgetExhausted', (event) => this.emit('budgetExhausted', event));
    return gate;
  }

  /**
   * A user's gate that the manager can configure (e.g. `RedisIdentifyGate`) is treated like the default
   * one: its budget hold becomes the manager's `budgetExhausted`, its faults the manager's `warning`.
   */
  #wireUserGate(gate: IdentifyGate): void {
    if (!isConfigurableGate(gate)) return;
    gate.on('budgetExhausted', (event) => this.emit('budgetExhausted', event));
    gate.onWarning?.((error, context) => this.#warn(error, context, null));
  }

  /** The machine's `gatewayInfo`: `GET /gateway/bot`, bounded by `maxShards`. */
  async #fetchRecommendedShards(signal: AbortSignal): Promise<GatewayInfo> {
    const info = await this.http.gateway.getBot({ signal });
    if (info.shards > this.#maxShards) throw new TooManyShardsError(info.shards, this.#maxShards);
    checkUrl('url of GET /gateway/bot', info.url, ['ws:', 'wss:']);
    this.#useGatewayInfo(info);
    return { url: info.url, recommendedShards: info.shards };
  }

  /**
   * The manager machine's `prepareStart`: fresh `/gateway/bot` numbers for the identify gate, and the
   * saved sessions. A rejected token is rethrown (the machine fails every shard); other errors are
   * reported and the start goes on. Tells the machine which shards will resume and how the gate paces
   * identifies, from which it plans the start-up waves (unknown for a user-supplied gate).
   */
  async #prepareStart(signal: AbortSignal): Promise<StartPreparation> {
    const shards = this.#toPrepare;
    const hold = new IdentifyHold();
    this.#identifyHold = hold;
    let fetchFailed = false;
    const gatewayInfo = async () => {
      if (this.#options.fetchGatewayInfo === false || this.#gatewayInfoFetched) return;
      try {
        this.#useGatewayInfo(await this.http.gateway.getBot({ signal }));
      } catch (error) {
        if (error instanceof HttpUnauthorizedError || signal.aborted) throw error;
        this.#warn(error, 'GET /gateway/bot failed; starting with the configured gateway URL', null);
      }
    };
    try {
      // The gateway info and the saved sessions are independent: load them at the same time.
      const fetched = gatewayInfo();
      // Awaited below; a rejection while the sessions load must not count as unhandled.
      fetched.catch(() => (fetchFailed = true));
      await Promise.all(
        shards.map((shard) =>
          adoptSavedSession(this.#saver, shard, (error, context) => this.#warn(error, context, shard)),
        ),
      );
      if (!fetchFailed && !signal.aborted) this.#startEarly(shards);
      await fetched;
    } catch (error) {
      // Shards started early must not identify with a rejected token; they fail as the machine says.
      hold.fail(error);
      throw error;
    } finally {
      hold.release();
      if (this.#identifyHold === hold) this.#identifyHold = null;
    }
    const gate = this.#gate;
    return {
      resumableShardIds: shards.filter((shard) => shard.session !== null).map((shard) => shard.id),
      identifyPacing: isConfigurableGate(gate)
        ? { maxConcurrency: gate.maxConcurrency, intervalMs: gate.intervalMs }
        : null,
    };
  }

  /**
   * Once the saved sessions are known, while `GET /gateway/bot` may still be in flight: starts identify
   * round 0 as the gate knows it now (its `maxConcurrency` option or the last `/gateway/bot`; every shard
   * behind a user gate, as the start would anyway), so that their HELLOs are in when the gate opens.
   * Their identifies wait for the hold (docs/protocol/gateway.md §13). A shard with a saved session is
   * never started early: it must resume (§3.3), and a resume needs no slot; so no shard can become ready
   * before the preparation ends.
   */
  #startEarly(shards: readonly Shard[]): void {
    const gate = this.#gate;
    const identifying = shards.filter((shard) => shard.session === null).map((shard) => shard.id);
    const early = isConfigurableGate(gate)
      ? (planStartWaves({
          shardIds: identifying,
          maxConcurrency: gate.maxConcurrency,
          resumableShardIds: [],
        })[0] ?? [])
      : identifying;
    if (early.length > 0) this.#actor.send({ type: 'manager.startEarly', shardIds: early });
  }

  #useGatewayInfo(info: Awaited<ReturnType<GatewayHttp['getBot']>>): void {
    this.#gatewayInfoFetched = true;
    if (isConfigurableGate(this.#gate)) configureFromGatewayBot(this.#gate, info);
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
    this.#actor.on('manager.ready', ({ readyShards }) => this.emit('ready', { shards: readyShards }));
    this.#actor.on('manager.failed', ({ reason }) => {
      const error = shardFailureError(reason, null);
      for (const shard of this.#shards) {
        shard.rejectStart(error);
        // The token is rejected: the sessions it started can never be resumed.
        void this.#saver.persist(shard, false);
      }
      if (!this.emit('failure', { reason, error })) this.#warn(error, 'every shard failed', null);
    });
    this.#actor.on('manager.gatewayInfoFailed', ({ error }) => this.#settleGatewayInfo(error));
    this.#actor.on('manager.gatewayInfoCancelled', () =>
      this.#settleGatewayInfo(
        new ShardStoppedError('createMinimumRequiredShards was cancelled by stopShards()'),
      ),
    );
    this.#actor.subscribe({
      error: (error) => this.#warn(error, 'the manager machine stopped with an error', null),
    });
  }

  #settleGatewayInfo(error: unknown): void {
    const pending = this.#pendingGatewayInfo;
    this.#pendingGatewayInfo = null;
    if (error === null) pending?.resolve();
    else pending?.reject(error);
  }

  #createShardObjects(shardIds: readonly number[], totalShards: number): void {
    for (const shard of this.#shards) {
      shard.relayTo(null);
      this.#host.forget(shard.id);
    }
    const { token, intents, compress, presence, largeThreshold, properties } = this.#options;
    this.#shards = shardIds.map(
      (shardId) =>
        new Shard(
          {
            token,
            intents,
            shardId,
            shardCount: totalShards,
            ...(compress === undefined ? {} : { compress }),
            ...(presence === undefined ? {} : { presence }),
            ...(largeThreshold === undefined ? {} : { largeThreshold }),
            ...(properties === undefined ? {} : { properties }),
          },
          this.#host,
        ),
    );
    for (const shard of this.#shards) shard.relayTo(this.#relay);
    this.#workers?.watch(this.#shards, () => this.listenerCount('dispatch') > 0);
    // New shards are idle: none is ready.
    this.#readyCount = 0;
    this.#settleGatewayInfo(null);
  }

  #createRelay(): ShardRelayTarget {
    return {
      ready: (ready) => {
        this.#readyCount++;
        this.#actor.send({ type: 'shard.ready', shardId: ready.id });
        this.emit('shardReady', { shard: ready, ready: this.#readyCount, total: this.#shards.length });
        void this.#saver.persist(ready, true);
      },
      unready: (unready) => {
        this.#readyCount--;
        this.#actor.send({ type: 'shard.unready', shardId: unready.id });
      },
      reconnected: (from, { isNewSession }) => this.emit('shardReconnected', { shard: from, isNewSession }),
      failure: (failed, { reason, closeCode, error }) => {
        if (!this.emit('shardFailure', { shard: failed, reason, closeCode, error })) {
          this.#warn(error, `shard ${failed.id} failed for good`, failed);
        }
        this.#actor.send({ type: 'shard.failed', shardId: failed.id, reason });
      },
      warning: (from, { error, context }) => this.#warn(error, context, from),
      dispatch: (from, payload) => {
        if (this.#dispatchFilter === null || this.#dispatchFilter(from, payload)) {
          this.emit('dispatch', { shard: from, payload });
        }
      },
      wantsDispatches: () => this.listenerCount('dispatch') > 0,
    };
  }

  /** Reports a recovered fault: to `warning` listeners, or to Node's warning channel when there are none. */
  #warn(error: unknown, context: string, shard: Shard | null): void {
    const wrapped = error instanceof Error ? error : new Error(String(error));
    if (!this.emit('warning', { error: wrapped, context, shard })) reportUnheardWarning(wrapped, context);
  }

  protected override onListenedChanged(event: string): void {
    if (event === 'dispatch') this.#workers?.refreshInterest();
  }

  protected override onListenerError(event: string, error: unknown): void {
    const wrapped = new ListenerError(event, error);
    if (event === 'warning') reportUnheardWarning(wrapped);
    else this.#warn(wrapped, `a listener for "${event}" failed`, null);
  }
}
