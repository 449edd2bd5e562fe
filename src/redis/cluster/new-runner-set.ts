import { GatewayDispatchEvents } from 'discord-api-types/v10';
import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import { ShardStoppedError } from '../../errors.js';
import type { SessionStore } from '../../manager/session-store.js';
import type { ShardSession } from '../../shard/shard-options.js';
import type { Shard } from '../../shard/shard.js';
import type { RelayTarget, RelayedEvents, ShardRunner } from './shard-runner.js';

/**
 * The session store of a new shard during a cluster reshard: nothing is read or written until the
 * commit (the ids of the new set overlap the old set's, whose sessions are still in the store, and a
 * withdrawn new session must leave no trace), then it is the cluster's store. @internal
 */
export class DeferredStore implements SessionStore {
  #target: SessionStore | null = null;
  readonly refreshMs?: number;

  constructor(readonly store: SessionStore) {
    if (store.refreshMs !== undefined) this.refreshMs = store.refreshMs;
  }

  /** From now on, reads and writes go to the cluster's store. */
  enable(): void {
    this.#target = this.store;
  }

  get(shardId: number) {
    return this.#target?.get(shardId) ?? null;
  }

  set(shardId: number, session: ShardSession): void | Promise<void> {
    return this.#target?.set(shardId, session);
  }

  delete(shardId: number): void | Promise<void> {
    return this.#target?.delete(shardId);
  }
}

/** A new shard's session load: READY seen, and the listed guilds whose GUILD_CREATE has not come. */
interface Load {
  ready: boolean;
  loaded: boolean;
  readonly pending: Set<string>;
  timer: NodeJS.Timeout | null;
  done: () => void;
  readonly promise: Promise<void>;
}

function newLoad(): Load {
  let done: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => (done = resolve));
  return { ready: false, loaded: false, pending: new Set(), timer: null, done, promise };
}

/** How a {@link NewRunnerSet} is built and where its events go. @internal */
export interface NewRunnerSetOptions {
  readonly shardIds: readonly number[];
  /** Creates the runner of new shard `id`, with the store and the relay given. */
  readonly createRunner: (id: number, store: SessionStore, relay: RelayTarget) => ShardRunner;
  readonly store: SessionStore;
  readonly guildsTimeoutMs: number;
  /** A dispatch of the bot's stream from a new shard (not its session's own READY and guild loads). */
  readonly onDispatch: (shard: Shard, payload: GatewayDispatchPayload) => void;
  /** Another event of a new shard: relayed as the cluster's once they are its shards. */
  readonly onEvent: RelayTarget;
}

/**
 * This process's new shards of a cluster reshard (docs/protocol/resharding.md §4): one `ShardRunner`
 * each, with the new count, identifying through the shared gate. Each is loaded once its READY came
 * and a GUILD_CREATE for every guild READY listed (or `guildsTimeoutMs` after READY), as a manager's
 * new set (§1). Their READY, RESUMED and guild loads are not the bot's events: they are not passed on.
 * @internal
 */
export class NewRunnerSet {
  readonly runners: ReadonlyMap<number, ShardRunner>;
  readonly #stores: DeferredStore[] = [];
  readonly #loads = new Map<number, Load>();
  readonly #failure: Promise<never>;
  #fail: (error: Error) => void = () => undefined;
  #guildsTimedOut = 0;

  constructor(private readonly options: NewRunnerSetOptions) {
    this.#failure = new Promise<never>((_, reject) => (this.#fail = reject));
    this.#failure.catch(() => undefined);
    const runners = new Map<number, ShardRunner>();
    for (const id of options.shardIds) {
      const store = new DeferredStore(options.store);
      this.#stores.push(store);
      this.#loads.set(id, newLoad());
      runners.set(
        id,
        options.createRunner(id, store, (event, payload) => this.#onEvent(id, event, payload)),
      );
    }
    this.runners = runners;
  }

  /** New shards whose guilds did not all come within `guildsTimeoutMs` of READY. */
  get guildsTimedOut(): number {
    return this.#guildsTimedOut;
  }

  /**
   * Starts every new shard; resolves once each is loaded. Rejects with a shard's failure, or with
   * `ShardStoppedError` when `signal` aborts.
   */
  async start(signal: AbortSignal): Promise<void> {
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () => reject(new ShardStoppedError('the reshard was given up'));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    for (const runner of this.runners.values()) runner.start();
    await Promise.race([
      aborted,
      this.#failure,
      Promise.all([...this.#loads.values()].map((load) => load.promise)),
    ]);
  }

  /** The commit: their stores become the cluster's, and each live session is saved now. */
  async adopt(): Promise<void> {
    for (const store of this.#stores) store.enable();
    await Promise.all(
      [...this.runners.values()].map(async (runner) => {
        const session = runner.shard.session;
        if (session !== null) await this.options.store.set(runner.shardId, session);
      }),
    );
  }

  /** Stops every new shard for good (sessions ended; nothing is in the store). */
  async withdraw(): Promise<void> {
    for (const load of this.#loads.values()) if (load.timer !== null) clearTimeout(load.timer);
    await Promise.all([...this.runners.values()].map((runner) => runner.stop(false)));
  }

  #onEvent<K extends keyof RelayedEvents>(id: number, event: K, payload: RelayedEvents[K]): void {
    if (event === 'dispatch') {
      const { shard, payload: dispatch } = payload as RelayedEvents['dispatch'];
      if (this.#isLoadEvent(id, dispatch)) return;
      this.options.onDispatch(shard, dispatch);
      return;
    }
    if (event === 'shardFailure' || event === 'failure') {
      const { error } = payload as RelayedEvents['shardFailure'];
      this.#fail(error);
    }
    this.options.onEvent(event, payload);
  }

  /** Whether a new shard's dispatch is its session's own (READY, RESUMED, a listed guild's load). */
  #isLoadEvent(id: number, payload: GatewayDispatchPayload): boolean {
    const load = this.#loads.get(id)!;
    if (payload.t === GatewayDispatchEvents.Ready) {
      // A new session (the first, or one after a lost session): its guilds load anew.
      load.ready = true;
      load.pending.clear();
      for (const guild of payload.d.guilds) load.pending.add(guild.id);
      if (load.timer !== null) clearTimeout(load.timer);
      load.timer = setTimeout(() => {
        load.timer = null;
        if (load.loaded) return;
        this.#guildsTimedOut++;
        load.pending.clear();
        this.#checkLoaded(load);
      }, this.options.guildsTimeoutMs);
      this.#checkLoaded(load);
      return true;
    }
    if (payload.t === GatewayDispatchEvents.Resumed) return true;
    if (payload.t === GatewayDispatchEvents.GuildCreate && load.pending.delete(payload.d.id)) {
      this.#checkLoaded(load);
      return true;
    }
    // A listed guild in an outage: it comes later, on both sets (docs/protocol/resharding.md §1).
    if (payload.t === GatewayDispatchEvents.GuildDelete && payload.d.unavailable === true) {
      if (load.pending.delete(payload.d.id)) this.#checkLoaded(load);
    }
    return false;
  }

  #checkLoaded(load: Load): void {
    if (!load.ready || load.pending.size > 0 || load.loaded) return;
    load.loaded = true;
    if (load.timer !== null) clearTimeout(load.timer);
    load.timer = null;
    load.done();
  }
}
