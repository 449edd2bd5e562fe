import type { GatewayIdentifyProperties, GatewayPresenceUpdateData } from 'discord-api-types/v10';
import type { InspectionEvent, Observer } from 'xstate';
import type { ShardTimingConfig } from '../../machines/index.js';
import type { GatewayCompression } from '../gateway/gateway-url.js';
import type { IdentifyGate } from '../shard/identify-gate.js';

/**
 * The options a `Shard` and a `ShardManager` share: how to reach Discord and identify. Both
 * constructors check them with the same validator (`validateClientOptions`), synchronously.
 */
export interface GatewayClientOptions {
  /** The bot token (without `Bot `). Never logged, never part of an event, error or snapshot. */
  readonly token: string;
  /** Gateway intents bitfield (`GatewayIntentBits`): a non-negative integer. */
  readonly intents: number;
  /**
   * Gateway URL. Default `wss://gateway.discord.gg` (a manager's `createMinimumRequiredShards` uses the
   * one `GET /gateway/bot` gives).
   */
  readonly gatewayUrl?: string;
  /**
   * REST base URL for `GET /gateway/bot`. Default `https://discord.com/api/v10`. Required when
   * `gatewayUrl` is a loopback address (a fake gateway) and the REST API is used: statecord never sends
   * a test token to Discord (`FakeGateway.clientOptions` carries all three).
   */
  readonly restUrl?: string;
  /** Transport compression: `'zlib-stream'` (default), `'zstd-stream'` (needs Node ≥ 22.15) or `'none'`. */
  readonly compress?: GatewayCompression;
  /** Initial presence sent with IDENTIFY; IDENTIFY as a whole must stay within 4096 bytes. */
  readonly presence?: GatewayPresenceUpdateData;
  /** 50–250: member count above which offline members are left out of GUILD_CREATE. */
  readonly largeThreshold?: number;
  /** IDENTIFY `properties`; defaults name statecord as browser and device. */
  readonly properties?: Partial<GatewayIdentifyProperties>;
  /**
   * When a shard may identify. Default: a `SessionStartGate` (one identify per `shard_id %
   * max_concurrency` bucket per 5 s, and the daily session-start budget), fed from `GET /gateway/bot`
   * unless `fetchGatewayInfo` is false.
   */
  readonly identifyGate?: IdentifyGate;
  /**
   * Ask `GET /gateway/bot` for `max_concurrency` and the session-start budget before identifying.
   * Default true (used only by the default identify gate).
   */
  readonly fetchGatewayInfo?: boolean;
  /** Lifecycle timeouts and back-off bounds (every key optional; unknown keys are refused). */
  readonly timing?: Partial<ShardTimingConfig>;
  /** Source of randomness in [0, 1) for jitter and back-off. Default `Math.random`. */
  readonly random?: () => number;
  /** XState inspection observer: sees every lifecycle event and transition (never dispatch data or the token). */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
}
