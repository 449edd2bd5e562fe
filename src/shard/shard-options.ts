import type { ActorOptions, AnyActorLogic } from 'xstate';
import type { GatewayClientOptions } from '../options/client-options.js';

/** A gateway session as it can be saved and handed to a later shard (even in another process) to resume. */
export interface ShardSession {
  /** `session_id` from READY. */
  readonly sessionId: string;
  /** The last dispatch sequence number received; RESUME asks Discord to replay what came after it. */
  readonly sequence: number | null;
  /** `resume_gateway_url` from READY, or null to resume on the ordinary gateway URL. */
  readonly resumeUrl: string | null;
  /**
   * The shard count the session was identified with. A session routes guilds by it for its whole life
   * (a RESUME names no shard), so it is resumed only by a shard of the same count (docs/protocol/gateway.md §6).
   * Optional: sessions saved without it are resumed as before.
   */
  readonly shardCount?: number;
}

/** Options of `new Shard(...)`: the shared client options, plus which shard this is. */
export interface ShardOptions extends GatewayClientOptions {
  /** Zero-based shard id. Default 0. */
  readonly shardId?: number;
  /** Total shard count. Default 1. */
  readonly shardCount?: number;
  /** A saved session to resume on the first connection instead of identifying. */
  readonly session?: ShardSession | null;
  /** How long `requestGuildMembers` waits for each chunk. Default 15 s. */
  readonly memberChunkTimeoutMs?: number;
  /** The machine's clock (e.g. xstate's `SimulatedClock` in tests). @internal */
  readonly clock?: ActorOptions<AnyActorLogic>['clock'];
}
