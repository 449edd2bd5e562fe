/**
 * Slots of the send window kept free for heartbeats: as many as can fall due in one window, plus one
 * for a heartbeat the server requests (op 1). twilight's rule, `ceil(60 s / interval) + 1`
 * (docs/protocol/gateway.md §5): 3 for the usual 41 250 ms interval.
 *
 * @param heartbeatIntervalMs the HELLO `heartbeat_interval`; must be > 0
 * @param windowMs the send window, 60 000 on Discord
 */
export function heartbeatReserveFor(heartbeatIntervalMs: number, windowMs = 60_000): number {
  return Math.ceil(windowMs / heartbeatIntervalMs) + 1;
}

/** The interval assumed before HELLO arrives: the one real captures show (docs/protocol/gateway.md §2.1). */
export const TYPICAL_HEARTBEAT_INTERVAL_MS = 41_250;
