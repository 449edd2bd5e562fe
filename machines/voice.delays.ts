import { backoffDelay } from './timing.js';
import type { VoiceContext } from './voice.types.js';

/** A delay of the voice machine, computed from its context, in milliseconds. */
export type DelayFn = (args: { context: VoiceContext }) => number;

/** The voice machine's named delays. */
export interface VoiceDelays {
  /** `signallingTimeoutMs` from the config. */
  readonly signallingTimeout: DelayFn;
  /** `handshakeTimeoutMs` from the config. */
  readonly handshakeTimeout: DelayFn;
  /** HELLO's `heartbeat_interval` (0 before HELLO). */
  readonly heartbeatInterval: DelayFn;
  /** Full-jitter exponential back-off over `reconnectAttempts`, capped by `backoffMaxMs`. */
  readonly reconnectBackoff: DelayFn;
}

/**
 * The voice machine's named delays, with randomness injected (`random` returns values in [0, 1)); the
 * pure machine uses a fixed 0.5, a running connection `Math.random`.
 */
export function createVoiceDelays(random: () => number): VoiceDelays {
  return {
    signallingTimeout: ({ context }) => context.config.signallingTimeoutMs,
    handshakeTimeout: ({ context }) => context.config.handshakeTimeoutMs,
    heartbeatInterval: ({ context }) => context.heartbeatIntervalMs ?? 0,
    reconnectBackoff: ({ context }) =>
      backoffDelay(
        context.reconnectAttempts,
        { baseMs: context.config.backoffBaseMs, maxMs: context.config.backoffMaxMs },
        random(),
      ),
  };
}
