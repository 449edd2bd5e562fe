import { GatewayDispatchEvents } from 'discord-api-types/v10';
import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import { ShardStoppedError } from '../../errors.js';
import { Shard } from '../../shard/shard.js';
import type { ShardOptions } from '../../shard/shard-options.js';

/** How a new shard set is built and where its events go. @internal */
export interface NewShardSetOptions {
  /** The new shard ids this process runs. */
  readonly shardIds: readonly number[];
  /** Options of one new shard (the manager's, with the new id and count and its identify gate). */
  readonly shardOptions: (shardId: number) => ShardOptions;
  /** How long a new shard waits for the GUILD_CREATE of each guild its READY listed, in ms. */
  readonly guildsTimeoutMs: number;
  /** A dispatch of the bot's event stream (not one of a new session's own: READY, its guild loads). */
  readonly onDispatch: (shard: Shard, payload: GatewayDispatchPayload) => void;
  /** A new shard's recoverable fault. */
  readonly onWarning: (shard: Shard, error: Error, context: string) => void;
}

/** A new shard's session load: READY seen, and the guilds it listed whose GUILD_CREATE has not come. */
interface Load {
  ready: boolean;
  readonly pending: Set<string>;
  done: (() => void) | null;
}

/**
 * The new shards of a reshard, run next to the manager's shards until the handover: standalone
 * `Shard`s sharing the manager's identify gate. Each is loaded once its READY came and a GUILD_CREATE
 * for every guild READY listed as unavailable (docs/protocol/resharding.md §1), or `guildsTimeoutMs`
 * after READY. A new session's READY, RESUMED and guild loads are its own, not events of the bot: they
 * are not passed on (the old set's sessions hold those guilds already). @internal
 */
export class NewShardSet {
  readonly shards: readonly Shard[];
  readonly #loads = new Map<Shard, Load>();
  readonly #options: NewShardSetOptions;
  readonly #unwire: Array<() => void> = [];
  #guildsTimedOut = 0;

  constructor(options: NewShardSetOptions) {
    this.#options = options;
    this.shards = options.shardIds.map((id) => new Shard(options.shardOptions(id)));
    for (const shard of this.shards) {
      this.#loads.set(shard, { ready: false, pending: new Set(), done: null });
      const onWarning = ({ error, context }: { error: Error; context: string }) =>
        options.onWarning(shard, error, context);
      shard.on('warning', onWarning);
      // Every dispatch is decoded: READY and GUILD_CREATE tell when the shard is loaded.
      shard.gateway.relayTo({ wants: () => true, deliver: (payload) => this.#onDispatch(shard, payload) });
      this.#unwire.push(() => {
        shard.off('warning', onWarning);
        shard.gateway.relayTo(null);
      });
    }
  }

  /** New shards whose guilds did not all come within `guildsTimeoutMs` of READY. */
  get guildsTimedOut(): number {
    return this.#guildsTimedOut;
  }

  /**
   * Starts every new shard; resolves when each is ready and loaded. Rejects with the first shard's
   * failure, or `ShardStoppedError` when `signal` aborts.
   */
  async start(signal: AbortSignal): Promise<void> {
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () => reject(new ShardStoppedError('the reshard was cancelled'));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    // A new shard that fails for good once ready (before the handover) fails the reshard too.
    const failed = new Promise<never>((_, reject) => {
      for (const shard of this.shards) shard.on('failure', ({ error }) => reject(error));
    });
    aborted.catch(() => undefined);
    failed.catch(() => undefined);
    await Promise.race([aborted, failed, Promise.all(this.shards.map((shard) => this.#startOne(shard)))]);
  }

  /** Stops every new shard (`resumable`: their sessions are kept for the manager to resume). */
  async stop(resumable: boolean): Promise<void> {
    await Promise.all(this.shards.map((shard) => shard.stop({ resumable })));
  }

  /** Stops relaying the new shards' events (after the handover, or once they are stopped for good). */
  detach(): void {
    for (const unwire of this.#unwire.splice(0)) unwire();
  }

  async #startOne(shard: Shard): Promise<void> {
    await shard.start();
    const load = this.#loads.get(shard)!;
    if (load.ready && load.pending.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#guildsTimedOut++;
        load.done = null;
        resolve();
      }, this.#options.guildsTimeoutMs);
      load.done = () => {
        clearTimeout(timer);
        load.done = null;
        resolve();
      };
    });
  }

  #onDispatch(shard: Shard, payload: GatewayDispatchPayload): void {
    const load = this.#loads.get(shard)!;
    if (payload.t === GatewayDispatchEvents.Ready) {
      // A new session (the first, or one after a lost session): its guilds load anew.
      load.ready = true;
      load.pending.clear();
      for (const guild of payload.d.guilds) load.pending.add(guild.id);
      this.#checkLoaded(load);
      return;
    }
    if (payload.t === GatewayDispatchEvents.Resumed) return;
    if (payload.t === GatewayDispatchEvents.GuildCreate && load.pending.delete(payload.d.id)) {
      this.#checkLoaded(load);
      return;
    }
    // A listed guild in an outage: it comes later, on both sets (docs/protocol/resharding.md §1).
    if (payload.t === GatewayDispatchEvents.GuildDelete && payload.d.unavailable === true) {
      if (load.pending.delete(payload.d.id)) this.#checkLoaded(load);
    }
    this.#options.onDispatch(shard, payload);
  }

  #checkLoaded(load: Load): void {
    if (load.ready && load.pending.size === 0) load.done?.();
  }
}
