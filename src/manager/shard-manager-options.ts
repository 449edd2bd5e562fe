import type { GatewayIdentifyProperties, GatewayPresenceUpdateData } from 'discord-api-types/v10';
import type { InspectionEvent, Observer } from 'xstate';
import type { ShardTimingConfig } from '../../machines/index.js';
import type { GatewayCompression } from '../gateway/gateway-url.js';
import type { IdentifyGate } from '../shard/identify-gate.js';
import type { SessionStore } from './session-store.js';

/** Options of `new ShardManager(...)`. */
export interface ShardManagerOptions {
  /** The bot token (without `Bot `). Never logged, never part of an event, error or snapshot. */
  readonly token: string;
  /** Gateway intents bitfield (`GatewayIntentBits`). */
  readonly intents: number;
  /** REST base URL. Default `https://discord.com/api/v10`. */
  readonly restUrl?: string;
  /** Gateway URL to use until `/gateway/bot` gives one. Default `wss://gateway.discord.gg`. */
  readonly gatewayUrl?: string;
  /** Transport compression for every shard. Default `zlib-stream`. */
  readonly compress?: GatewayCompression;
  readonly presence?: GatewayPresenceUpdateData;
  readonly largeThreshold?: number;
  readonly properties?: Partial<GatewayIdentifyProperties>;
  /**
   * When a shard may identify. Default: one identify per `shard_id % max_concurrency` bucket per
   * `identifyIntervalMs`, guarding the daily session-start budget from `/gateway/bot`.
   */
  readonly identifyGate?: IdentifyGate;
  /** `max_concurrency` until `/gateway/bot` says otherwise. Default 1. */
  readonly maxConcurrency?: number;
  /** Interval per identify bucket. Default 5000 ms (Discord's). */
  readonly identifyIntervalMs?: number;
  /**
   * Added to `identifyIntervalMs` between two identifies of a bucket. The default gate counts a bucket's
   * next interval from the gateway's answer (READY or op 9) to its last identify, so delays on the way
   * (event-loop pauses, network jitter) cannot bring two arrivals too close; the margin only covers how
   * Discord's limiter may round time. Default 1 % of the interval (50 ms at Discord's 5 s).
   */
  readonly identifyMarginMs?: number;
  /** Where sessions are kept so that a new process can resume them. Default: in memory. */
  readonly sessionStore?: SessionStore;
  /** How often live sessions' sequence numbers are saved between READY/RESUMED. Default 5000 ms. */
  readonly sessionSaveIntervalMs?: number;
  /** Ask `/gateway/bot` for the gateway URL, `max_concurrency` and budget on `startShards()`. Default true. */
  readonly fetchGatewayInfo?: boolean;
  readonly timing?: Partial<ShardTimingConfig>;
  readonly random?: () => number;
  /** XState inspection of the manager's whole actor system: the manager and every shard. */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
}
