import { ShardManager } from '../../manager/shard-manager.js';
import type { ShardManagerEvents } from '../../manager/shard-manager.js';
import type { ShardManagerOptions } from '../../manager/shard-manager-options.js';
import type { SessionStore } from '../../manager/session-store.js';
import type { IdentifyGate } from '../../shard/identify-gate.js';
import type { Shard } from '../../shard/shard.js';

/** The manager events a runner forwards (the cluster emits `ready` and `budgetExhausted` itself). */
export type RelayedEvents = Omit<ShardManagerEvents, 'ready' | 'budgetExhausted'>;

/** Where a runner forwards its shard's events. @internal */
export type RelayTarget = <K extends keyof RelayedEvents>(event: K, payload: RelayedEvents[K]) => void;

/**
 * One shard a `ShardCluster` owns, run by a `ShardManager` of its own (a manager's shard set is
 * fixed while it runs, and a cluster's changes one shard at a time). It identifies through the
 * cluster's shared gate and resumes from the shared store. @internal
 */
export class ShardRunner {
  readonly shardId: number;
  readonly manager: ShardManager;
  #stopping: Promise<void> | null = null;

  constructor(
    shardId: number,
    totalShards: number,
    options: ShardManagerOptions,
    shared: { readonly gate: IdentifyGate; readonly store: SessionStore },
    relay: RelayTarget,
  ) {
    this.shardId = shardId;
    this.manager = new ShardManager({
      ...options,
      identifyGate: shared.gate,
      sessionStore: shared.store,
      // The cluster read GET /gateway/bot once and configured the shared gate.
      fetchGatewayInfo: false,
      maxShards: 1,
    });
    const m = this.manager;
    m.on('dispatch', (event) => relay('dispatch', event));
    m.on('shardReady', (event) => relay('shardReady', event));
    m.on('shardReconnected', (event) => relay('shardReconnected', event));
    m.on('shardFailure', (event) => relay('shardFailure', event));
    m.on('failure', (event) => relay('failure', event));
    m.on('warning', (event) => relay('warning', event));
    m.createShards([shardId], totalShards);
  }

  /** The shard (one per runner). */
  get shard(): Shard {
    return this.manager.shards[0]!;
  }

  /** Starts the shard: it resumes a stored session, or identifies. Failures arrive as events. */
  start(): void {
    for (const started of this.manager.startShards()) started.catch(() => undefined);
  }

  /**
   * Stops the shard; `resumable` keeps its session (closed with a resumable code and saved, so the
   * next owner resumes it). Idempotent.
   */
  stop(resumable: boolean): Promise<void> {
    this.#stopping ??= this.manager.stopShards({ resumable });
    return this.#stopping;
  }
}
