import type { Counter, Histogram, Meter, ObservableCounter, ObservableGauge } from '@opentelemetry/api';

/** Attribute keys statecord's metrics use (namespaced, as OpenTelemetry's conventions advise). */
export const metricAttributes = {
  /** A shard's lifecycle state: `idle`, `connecting`, `identifying`, `resuming`, `ready`, `reconnecting`, `stopped`, `failed`. */
  shardState: 'statecord.shard.state',
  /** A `ShardReconnectCause`: `close`, `reconnectRequested`, `invalidSession`, `zombie`, … */
  reconnectCause: 'statecord.reconnect.cause',
  /** A dispatch's event name (`t`): `MESSAGE_CREATE`, `GUILD_CREATE`, … */
  dispatchType: 'statecord.dispatch.type',
} as const;

/** Every instrument statecord reports with, created once per `attachMetrics`. */
export interface Instruments {
  readonly shards: ObservableGauge;
  readonly readyShards: ObservableGauge;
  readonly latency: Histogram;
  readonly reconnects: Counter;
  readonly resumes: Counter;
  readonly identifies: Counter;
  readonly identifyGateWait: Histogram;
  readonly dispatches: Counter;
  readonly outboundQueued: ObservableGauge;
  readonly rateLimitWaits: ObservableCounter;
  readonly sessionStartsRemaining: ObservableGauge;
}

/** Latency buckets (ms): a gateway round trip is tens of ms; seconds mean trouble. */
const latencyBoundaries = [5, 10, 25, 50, 75, 100, 150, 250, 500, 1_000, 2_500, 5_000, 10_000];
/** Identify gate waits (ms): 0 for the first of a bucket, 5 s steps after (docs/protocol/gateway.md §5). */
const gateWaitBoundaries = [
  10, 100, 1_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000,
];

/** Creates the instruments (names and units as the README's metrics table lists them). */
export function createInstruments(meter: Meter): Instruments {
  return {
    shards: meter.createObservableGauge('statecord.shards', {
      description: 'Shards in each lifecycle state (attribute statecord.shard.state).',
      unit: '{shard}',
    }),
    readyShards: meter.createObservableGauge('statecord.shards.ready', {
      description: 'Shards whose session is live.',
      unit: '{shard}',
    }),
    latency: meter.createHistogram('statecord.gateway.latency', {
      description: 'Round trip from a heartbeat to its ACK.',
      unit: 'ms',
      advice: { explicitBucketBoundaries: latencyBoundaries },
    }),
    reconnects: meter.createCounter('statecord.shard.reconnects', {
      description: 'Times a shard left its connection to reconnect, by cause (statecord.reconnect.cause).',
      unit: '{reconnect}',
    }),
    resumes: meter.createCounter('statecord.shard.resumes', {
      description:
        'Sessions resumed (RESUMED), by the cause of the reconnect before (statecord.reconnect.cause).',
      unit: '{resume}',
    }),
    identifies: meter.createCounter('statecord.shard.identifies', {
      description: 'IDENTIFY payloads sent (each spends one of the daily session starts).',
      unit: '{identify}',
    }),
    identifyGateWait: meter.createHistogram('statecord.identify_gate.wait', {
      description: 'Time a shard waited at the identify gate before sending IDENTIFY.',
      unit: 'ms',
      advice: { explicitBucketBoundaries: gateWaitBoundaries },
    }),
    dispatches: meter.createCounter('statecord.gateway.dispatches', {
      description: 'Dispatches received, by event name (statecord.dispatch.type).',
      unit: '{dispatch}',
    }),
    outboundQueued: meter.createObservableGauge('statecord.outbound.queued', {
      description: 'Gateway commands waiting to be sent, over all shards.',
      unit: '{command}',
    }),
    rateLimitWaits: meter.createObservableCounter('statecord.outbound.rate_limit_waits', {
      description: 'Times the outbound rate limit (120 frames per 60 s per connection) made commands wait.',
      unit: '{wait}',
    }),
    sessionStartsRemaining: meter.createObservableGauge('statecord.session_starts.remaining', {
      description:
        "Identifies left in the daily session-start budget, as the manager's identify gate knows it.",
      unit: '{identify}',
    }),
  };
}
