import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import type { ShardFailureReason } from '../../machines/index.js';
import type { ShardFailureError } from '../errors.js';
import type { Shard } from '../shard/shard.js';
import type { ShardManagerWorkerEvents } from '../workers/manager-worker-events.js';
import type { SessionStartGateEvents } from './identify/index.js';
import type { ReshardManagerEvents } from './reshard/reshard-events.js';

/** Events of a {@link ShardManager}. Each shard's own events stay available on the shard. */
export interface ShardManagerEvents extends ReshardManagerEvents, ShardManagerWorkerEvents {
  /** A shard's session is live; `ready` of `total` managed shards are now (for progress bars). */
  shardReady: {
    /** The shard that became ready. */
    readonly shard: Shard;
    /** How many managed shards are ready now. */
    readonly ready: number;
    /** How many shards the manager runs. */
    readonly total: number;
  };
  /** A shard is live again after a reconnect: resumed (`isNewSession: false`) or identified anew. */
  shardReconnected: {
    /** The shard that reconnected. */
    readonly shard: Shard;
    /** `true` when the old session was lost and the shard identified again (events may be missed). */
    readonly isNewSession: boolean;
  };
  /** A shard stopped for good (it will not reconnect by itself); the others keep running. */
  shardFailure: {
    /** The shard that failed. */
    readonly shard: Shard;
    /** Why, e.g. `AuthenticationFailed`. */
    readonly reason: ShardFailureReason;
    /** The gateway's close code when a close ended it, else `null`. */
    readonly closeCode: number | null;
    /** The typed error behind the failure. */
    readonly error: ShardFailureError;
  };
  /** Every managed shard that has not failed is ready (again, after a late reconnect or a restart). */
  ready: {
    /** How many shards are ready. */
    readonly shards: number;
  };
  /** A failure that dooms every shard (a rejected token): all were stopped. */
  failure: {
    /** Why, e.g. `AuthenticationFailed`. */
    readonly reason: ShardFailureReason;
    /** The typed error behind the failure. */
    readonly error: ShardFailureError;
  };
  /** Every dispatch of every shard. */
  dispatch: {
    /** The shard that received it. */
    readonly shard: Shard;
    /** The dispatch as Discord sent it (`t`, `s`, `d`). */
    readonly payload: GatewayDispatchPayload;
  };
  /**
   * Something recoverable went wrong (a session store error, a shard warning, a throwing listener).
   * Without a `warning` listener these go to `process.emitWarning`, once per error code.
   */
  warning: {
    /** What went wrong (a typed error with a `code` where statecord raised it). */
    readonly error: Error;
    /** What was being done, in words (e.g. `the session store failed`). */
    readonly context: string;
    /** The shard it concerns, or `null` for the manager itself. */
    readonly shard: Shard | null;
  };
  /**
   * The identify gate (the default one, or any `ConfigurableIdentifyGate`) used up the daily
   * session-start budget; `waiting` shards are held until `resetAt` (Unix ms), because going over
   * would get the token reset (docs/protocol/gateway.md §5).
   */
  budgetExhausted: SessionStartGateEvents['budgetExhausted'];
}
