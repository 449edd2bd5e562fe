import type { GatewayIdentifyProperties, GatewayPresenceUpdateData } from 'discord-api-types/v10';
import type { ActorOptions, AnyActorLogic, InspectionEvent, Observer } from 'xstate';
import type { ShardTimingConfig } from '../../machines/index.js';
import type { GatewayCompression } from '../gateway/gateway-url.js';
import type { IdentifyGate } from './identify-gate.js';

/** A gateway session as it can be saved and handed to a later shard (even in another process) to resume. */
export interface ShardSession {
  readonly sessionId: string;
  /** The last dispatch sequence number received; RESUME asks Discord to replay what came after it. */
  readonly sequence: number | null;
  /** `resume_gateway_url` from READY, or null to resume on the ordinary gateway URL. */
  readonly resumeUrl: string | null;
}

/** Options of `new Shard(...)`. */
export interface ShardOptions {
  /** The bot token (without `Bot `). Never logged, never part of an event, error or snapshot. */
  readonly token: string;
  /** Gateway intents bitfield (`GatewayIntentBits`). */
  readonly intents: number;
  /** Zero-based shard id. Default 0. */
  readonly shardId?: number;
  /** Total shard count. Default 1. */
  readonly shardCount?: number;
  /** Gateway URL (from `GET /gateway/bot`). Default `wss://gateway.discord.gg`. */
  readonly gatewayUrl?: string;
  /** Transport compression. Default `zlib-stream`; `zstd-stream` needs a runtime with zstd (Node ≥ 22.15). */
  readonly compress?: GatewayCompression;
  /** Initial presence sent with IDENTIFY. */
  readonly presence?: GatewayPresenceUpdateData;
  /** 50–250: member count above which offline members are left out of GUILD_CREATE. */
  readonly largeThreshold?: number;
  /** IDENTIFY `properties`; defaults name statecord as browser and device. */
  readonly properties?: Partial<GatewayIdentifyProperties>;
  /** A saved session to resume on the first connection instead of identifying. */
  readonly session?: ShardSession | null;
  /** When this shard may identify. Default: one identify per 5 s for this shard. */
  readonly identifyGate?: IdentifyGate;
  /** Lifecycle timeouts and back-off bounds. */
  readonly timing?: Partial<ShardTimingConfig>;
  /** Source of randomness in [0, 1) for jitter and back-off. Default `Math.random`. */
  readonly random?: () => number;
  /** XState inspection observer: sees every lifecycle event and transition (never dispatch data or the token). */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** How long `requestGuildMembers` waits for each chunk. Default 15 s. */
  readonly memberChunkTimeoutMs?: number;
  /** The machine's clock (e.g. xstate's `SimulatedClock` in tests). @internal */
  readonly clock?: ActorOptions<AnyActorLogic>['clock'];
}
