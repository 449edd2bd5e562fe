import { backoffDelay, firstHeartbeatDelay, invalidSessionDelay } from './timing.js';
import type { ShardContext } from './shard.types.js';

/** A delay of the shard machine, computed from its context, in milliseconds. */
export type DelayFn = (args: { context: ShardContext }) => number;

/** The shard machine's named delays. */
export interface ShardDelays {
  /** `helloTimeoutMs` from the config. */
  readonly helloTimeout: DelayFn;
  /** `readyTimeoutMs` from the config. */
  readonly readyTimeout: DelayFn;
  /** `resumeTimeoutMs` from the config. */
  readonly resumeTimeout: DelayFn;
  /** The first heartbeat after HELLO: the interval times a random jitter in [0, 1). */
  readonly firstHeartbeat: DelayFn;
  /** HELLO's `heartbeat_interval` (0 before HELLO). */
  readonly heartbeatInterval: DelayFn;
  /** Full-jitter exponential back-off over `reconnectAttempts`, capped by `backoffMaxMs`. */
  readonly reconnectBackoff: DelayFn;
  /** A random wait in [`invalidSessionMinMs`, `invalidSessionMaxMs`] before identifying after op 9 false. */
  readonly invalidSessionWait: DelayFn;
}

/**
 * The named delays, with randomness injected: `random` returns values in [0, 1). The pure machine
 * uses a fixed 0.5 so it is deterministic; a running shard provides `Math.random` (or a seeded source
 * in tests) through `machine.provide({ delays: createShardDelays(random) })`.
 */
export function createShardDelays(random: () => number): ShardDelays {
  return {
    helloTimeout: ({ context }) => context.config.helloTimeoutMs,
    readyTimeout: ({ context }) => context.config.readyTimeoutMs,
    resumeTimeout: ({ context }) => context.config.resumeTimeoutMs,
    firstHeartbeat: ({ context }) => firstHeartbeatDelay(context.heartbeatIntervalMs ?? 0, random()),
    heartbeatInterval: ({ context }) => context.heartbeatIntervalMs ?? 0,
    reconnectBackoff: ({ context }) =>
      backoffDelay(
        context.reconnectAttempts,
        { baseMs: context.config.backoffBaseMs, maxMs: context.config.backoffMaxMs },
        random(),
      ),
    invalidSessionWait: ({ context }) =>
      invalidSessionDelay(random(), context.config.invalidSessionMinMs, context.config.invalidSessionMaxMs),
  };
}
