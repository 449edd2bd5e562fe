/**
 * Protocol timing math, pure and table-tested. The machine never reads a clock or calls a random
 * number generator: `random` is injected (values in [0, 1)), and the delays below are handed to the
 * machine as its named delays.
 */

/** Bounds of the reconnect back-off. */
export interface BackoffPolicy {
  /** Ceiling of the first attempt's delay, in ms. */
  readonly baseMs: number;
  /** No delay is ever longer than this, in ms. */
  readonly maxMs: number;
}

/**
 * Exponential back-off with full jitter: attempt n (1-based) waits `random × min(max, base × 2^(n-1))`.
 * Full jitter spreads a fleet of shards that lost their connections at the same moment.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  // Capped so 2^exponent stays finite (0 × Infinity would be NaN for a zero base).
  const exponent = Math.min(Math.max(0, attempt - 1), 64);
  const ceiling = Math.min(policy.maxMs, Math.max(0, policy.baseMs) * 2 ** exponent);
  return Math.floor(clampUnit(random) * ceiling);
}

/**
 * First heartbeat after HELLO: `interval × jitter`, jitter uniform in [0, 1) (docs/protocol/gateway.md §2.1), so a
 * fleet that reconnects together does not heartbeat in lock-step.
 */
export function firstHeartbeatDelay(heartbeatIntervalMs: number, random: number): number {
  return Math.floor(heartbeatIntervalMs * clampUnit(random));
}

/**
 * Wait before identifying again after op 9 `d: false`: a random 1–5 s (the advice of Discord's docs
 * before the 2022 rewrite; still what gateways expect, docs/protocol/gateway.md §3.5).
 */
export function invalidSessionDelay(random: number, minMs = 1000, maxMs = 5000): number {
  return Math.floor(minMs + clampUnit(random) * (maxMs - minMs));
}

function clampUnit(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return value >= 1 ? 1 - Number.EPSILON : value;
}
