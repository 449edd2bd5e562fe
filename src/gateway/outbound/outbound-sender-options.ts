import { InvalidArgumentError } from '../../errors.js';
import { MAX_OUTBOUND_PAYLOAD_BYTES } from '../codec/encode-outbound.js';
import { realSenderClock, type SenderClock } from './sender-clock.js';

/** Options of an `OutboundSender`. Defaults are Discord's rules (docs/protocol/gateway.md §5). */
export interface OutboundSenderOptions {
  /** Frames per window per connection. Default 120. */
  readonly limit?: number;
  /** Window length in ms. Default 60 000. */
  readonly windowMs?: number;
  /** Largest encoded payload in UTF-8 bytes. Default 4096 (Discord closes with 4002 above it). */
  readonly maxPayloadBytes?: number;
  /**
   * Slots kept for heartbeats, out of reach of normal sends: an integer in `[0, limit - 2]`. Default
   * `ceil(windowMs / heartbeatInterval) + 1`, recomputed by `setHeartbeatInterval`; a value given
   * here stays fixed.
   */
  readonly heartbeatReserve?: number;
  /** Time source; default real timers (unref'ed) on `performance.now()`. */
  readonly clock?: SenderClock;
}

/** The options with defaults applied; `heartbeatReserve` stays undefined unless fixed. @internal */
export interface ResolvedSenderOptions {
  readonly limit: number;
  readonly windowMs: number;
  readonly maxPayloadBytes: number;
  readonly heartbeatReserve: number | undefined;
  readonly clock: SenderClock;
}

/** @throws InvalidArgumentError for out-of-range options. @internal */
export function resolveSenderOptions(options: OutboundSenderOptions): ResolvedSenderOptions {
  const limit = options.limit ?? 120;
  const windowMs = options.windowMs ?? 60_000;
  const maxPayloadBytes = options.maxPayloadBytes ?? MAX_OUTBOUND_PAYLOAD_BYTES;
  const reserve = options.heartbeatReserve;
  if (!Number.isSafeInteger(limit) || limit < 2) {
    throw new InvalidArgumentError(`limit must be an integer ≥ 2, got ${limit}`);
  }
  if (!(windowMs > 0 && Number.isFinite(windowMs))) {
    throw new InvalidArgumentError(`windowMs must be a positive number, got ${windowMs}`);
  }
  if (!Number.isSafeInteger(maxPayloadBytes) || maxPayloadBytes <= 0) {
    throw new InvalidArgumentError(`maxPayloadBytes must be a positive integer, got ${maxPayloadBytes}`);
  }
  if (reserve !== undefined && (!Number.isSafeInteger(reserve) || reserve < 0 || reserve > limit - 2)) {
    throw new InvalidArgumentError(
      `heartbeatReserve must be an integer in [0, ${limit - 2}], got ${reserve}`,
    );
  }
  return {
    limit,
    windowMs,
    maxPayloadBytes,
    heartbeatReserve: reserve,
    clock: options.clock ?? realSenderClock,
  };
}
