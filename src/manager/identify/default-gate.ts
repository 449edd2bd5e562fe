import type { RESTGetAPIGatewayBotResult } from 'discord-api-types/v10';
import type { ConfigurableIdentifyGate } from './configurable-gate.js';
import { SessionStartGate } from './session-start-gate.js';

/** How the default gate of a shard or manager is set up (the manager's options of the same names). */
export interface DefaultGateOptions {
  /** `max_concurrency` until `GET /gateway/bot` says otherwise. Default 1. */
  readonly maxConcurrency?: number;
  /** Interval per identify bucket. Default 5000 ms (Discord's). */
  readonly identifyIntervalMs?: number;
  /** Added to the interval; default {@link defaultIdentifyMargin}. */
  readonly identifyMarginMs?: number;
}

/**
 * The default identify gate of a `ShardManager` and of a standalone `Shard`: a {@link SessionStartGate}
 * pacing one identify per bucket per interval (plus a margin), waiting for the gateway's answer to a
 * bucket's last identify (our shards report it), and guarding the session-start budget once
 * {@link configureFromGatewayBot} gave it one. @internal
 */
export function createDefaultIdentifyGate(options: DefaultGateOptions = {}): SessionStartGate {
  const intervalMs = options.identifyIntervalMs ?? 5_000;
  const marginMs = options.identifyMarginMs ?? defaultIdentifyMargin(intervalMs);
  return new SessionStartGate({
    maxConcurrency: options.maxConcurrency ?? 1,
    intervalMs: intervalMs + marginMs,
    // Our shards report answers (see defaultIdentifyMargin); a READY later than this is very rare.
    answerTimeoutMs: Math.max(intervalMs, 5_000),
  });
}

/**
 * The default `identifyMarginMs`: 1 % of the interval. Discord measures a bucket's interval between
 * identifies as they arrive. The default gate counts a bucket's next interval from the gateway's
 * answer to its last identify (`SessionStartGate.identifyAnswered`), which that identify cannot have
 * arrived after, so network and event-loop delays cannot bring two arrivals too close and no margin is
 * needed for them. The 1 % is for what we cannot see: how Discord's limiter rounds time (50 ms at its
 * 5 s interval). Measured (`BENCHMARKS.md`, start-up, 100 ms interval on 2 shared cores): 0 violations.
 * Counting from the grant instead needed 20 ms (20 %) at that interval, and counting from the send
 * (plus a measured latency) is safe only under an assumption about jitter that the fake gateway broke
 * under load (docs/protocol/gateway.md §13).
 */
export function defaultIdentifyMargin(intervalMs: number): number {
  return Math.round(intervalMs * 0.01);
}

/** Feeds fresh `GET /gateway/bot` numbers to a gate: buckets (`max_concurrency`) and the daily budget. */
export function configureFromGatewayBot(
  gate: ConfigurableIdentifyGate,
  info: RESTGetAPIGatewayBotResult,
): void {
  const limit = info.session_start_limit;
  gate.configure({
    maxConcurrency: limit.max_concurrency,
    budget: { total: limit.total, remaining: limit.remaining, resetAfterMs: limit.reset_after },
  });
}
