import { backoffDelay, firstHeartbeatDelay, invalidSessionDelay } from './timing.js';
import type { ShardContext } from './shard.types.js';

/** A delay of the shard machine, computed from its context, in milliseconds. */
export type DelayFn = (args: { context: ShardContext }) => number;

/** The shard machine's named delays. */
export interface ShardDelays {
  readonly helloTimeout: DelayFn;
  readonly readyTimeout: DelayFn;
  readonly resumeTimeout: DelayFn;
  readonly firstHeartbeat: DelayFn;
  readonly heartbeatInterval: DelayFn;
  readonly reconnectBackoff: DelayFn;
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
