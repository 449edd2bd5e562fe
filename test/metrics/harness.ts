import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { DataPoint, Histogram, MetricData } from '@opentelemetry/sdk-metrics';

/** One data point of a collected metric. */
type Point = MetricData['dataPoints'][number] | DataPoint<Histogram>;
import { ShardManager } from '../../src/index.js';
import type { ShardManagerEvents } from '../../src/index.js';
import { FakeGateway } from '../../src/testing/index.js';
import type { FakeGatewayOptions } from '../../src/testing/index.js';
import { attachMetrics } from '../../src/metrics/index.js';
import type { MetricsHandle } from '../../src/metrics/index.js';

/** A manager on a FakeGateway with metrics attached to an SDK meter whose readings the test collects. */
export interface MetricsRig {
  readonly gateway: FakeGateway;
  readonly manager: ShardManager;
  readonly handle: MetricsHandle;
  /** Collects now; the data points of one metric (cumulative since attach). */
  readonly points: (name: string) => Promise<Point[]>;
  /** The value of a counter or gauge with exactly these attributes (0 when never recorded). */
  readonly value: (name: string, attributes?: Record<string, string>) => Promise<number>;
  readonly close: () => Promise<void>;
}

export async function metricsRig(options: {
  shards: number;
  gateway?: FakeGatewayOptions;
}): Promise<MetricsRig> {
  const gateway = await FakeGateway.start({ identifyIntervalMs: 0, ...options.gateway });
  // Cumulative: every collection reports totals since attach.
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // A long interval: the test collects with forceFlush, never on a timer.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const manager = new ShardManager({
    token: gateway.options.token,
    // Guilds and GuildMessageTyping: the tests dispatch TYPING_START.
    intents: 1 | (1 << 11),
    restUrl: gateway.restUrl,
    gatewayUrl: gateway.url,
    identifyIntervalMs: 0,
    timing: { backoffBaseMs: 50, backoffMaxMs: 200 },
  });
  manager.on('warning', () => {});
  manager.createShards(options.shards);
  const handle = attachMetrics(manager, { meter: provider.getMeter('test') });
  const points = async (name: string): Promise<Point[]> => {
    exporter.reset();
    await reader.forceFlush();
    const metrics = exporter
      .getMetrics()
      .flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics));
    return metrics
      .filter((metric) => metric.descriptor.name === name)
      .flatMap((metric): Point[] => [...metric.dataPoints]);
  };
  return {
    gateway,
    manager,
    handle,
    points,
    value: async (name, attributes = {}) => {
      const matching = (await points(name)).filter(
        (point) => JSON.stringify(point.attributes) === JSON.stringify(attributes),
      );
      const point = matching[0];
      if (point === undefined) return 0;
      const measured: unknown = point.value;
      if (typeof measured === 'number') return measured;
      return (measured as { count: number }).count;
    },
    close: async () => {
      handle.detach();
      await manager.stopShards();
      await provider.shutdown();
      await gateway.close();
    },
  };
}

/** Resolves with the next event of a manager that matches. */
export function nextEvent<K extends keyof ShardManagerEvents>(
  manager: ShardManager,
  event: K,
  matches: (payload: ShardManagerEvents[K]) => boolean = () => true,
): Promise<ShardManagerEvents[K]> {
  return new Promise((resolve) => {
    const off = manager.on(event, (payload) => {
      if (!matches(payload)) return;
      off();
      resolve(payload);
    });
  });
}
