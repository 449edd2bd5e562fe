import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import type { DispatchRelay } from '../shard/shard-gateway.js';
import type { Shard, ShardEvents } from '../shard/shard.js';

/**
 * What a manager does with its shards' events: one object for all of them (each call names its
 * shard), told by the shard itself before the shard's own listeners. Not listeners on each shard:
 * four closures, their registrations and an emitter map per shard were ≈ 1 KiB of every idle shard
 * (BENCHMARKS.md, memory). @internal
 */
export interface ShardRelayTarget {
  /** The shard's session became live. */
  readonly ready: (shard: Shard) => void;
  /** The shard's session stopped being live. */
  readonly unready: (shard: Shard) => void;
  readonly reconnected: (shard: Shard, event: ShardEvents['reconnected']) => void;
  /** The shard failed for good; the manager reports it when nobody listens. */
  readonly failure: (shard: Shard, event: ShardEvents['failure']) => void;
  /** A recovered fault of the shard; the manager reports it when nobody listens. */
  readonly warning: (shard: Shard, event: ShardEvents['warning']) => void;
  /** Every dispatch (called only while someone listens to the manager's `dispatch`). */
  readonly dispatch: (shard: Shard, payload: GatewayDispatchPayload) => void;
  readonly wantsDispatches: () => boolean;
}

/**
 * A shard's dispatches on their way to its manager: an object of its own per shard (its methods live
 * on the prototype), since the gateway that calls it does not know its shard. @internal
 */
export class ShardDispatchRelay implements DispatchRelay {
  readonly #shard: Shard;
  readonly #target: ShardRelayTarget;

  constructor(shard: Shard, target: ShardRelayTarget) {
    this.#shard = shard;
    this.#target = target;
  }

  wants(): boolean {
    return this.#target.wantsDispatches();
  }

  deliver(payload: GatewayDispatchPayload): void {
    this.#target.dispatch(this.#shard, payload);
  }
}
