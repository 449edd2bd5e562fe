import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import type { Shard, ShardEvents } from '../shard/shard.js';

/** What a manager does with its shards' events. */
export interface ShardRelayTarget {
  /** The shard's session became live. */
  readonly ready: (shard: Shard) => void;
  /** The shard's session stopped being live. */
  readonly unready: (shard: Shard) => void;
  readonly reconnected: (shard: Shard, event: ShardEvents['reconnected']) => void;
  readonly failure: (shard: Shard, event: ShardEvents['failure']) => void;
  readonly warning: (shard: Shard, event: ShardEvents['warning']) => void;
  /** Every dispatch (called only while someone listens to the manager's `dispatch`). */
  readonly dispatch: (shard: Shard, payload: GatewayDispatchPayload) => void;
  readonly wantsDispatches: () => boolean;
}

/**
 * Relays a shard's events to its manager. Returns the function that stops relaying. The handlers are
 * kept and removed with `off` (not the closures `on` returns): fewer objects per shard.
 */
export function relayShard(shard: Shard, target: ShardRelayTarget): () => void {
  const onStateChange = ({ from, to }: ShardEvents['stateChange']) => {
    if (to === 'ready') target.ready(shard);
    else if (from === 'ready') target.unready(shard);
  };
  const onReconnected = (event: ShardEvents['reconnected']) => target.reconnected(shard, event);
  const onFailure = (event: ShardEvents['failure']) => target.failure(shard, event);
  const onWarning = (event: ShardEvents['warning']) => target.warning(shard, event);
  // Not a `dispatch` listener: that would make every dispatch wanted (selective decoding).
  const relay = {
    wants: target.wantsDispatches,
    deliver: (payload: GatewayDispatchPayload) => target.dispatch(shard, payload),
  };
  shard.on('stateChange', onStateChange);
  shard.on('reconnected', onReconnected);
  shard.on('failure', onFailure);
  shard.on('warning', onWarning);
  shard.gateway.relayTo(relay);
  return () => {
    shard.off('stateChange', onStateChange);
    shard.off('reconnected', onReconnected);
    shard.off('failure', onFailure);
    shard.off('warning', onWarning);
    shard.gateway.relayTo(null);
  };
}
