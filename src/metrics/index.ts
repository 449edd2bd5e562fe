/**
 * `statecord/metrics`: OpenTelemetry metrics for a `ShardManager` (needs `@opentelemetry/api`, an
 * optional peer dependency; a no-op until the application installs an OpenTelemetry SDK).
 * @module statecord/metrics
 */
export { attachMetrics } from './attach-metrics.js';
export type { MetricsHandle, MetricsOptions } from './attach-metrics.js';
export { metricAttributes } from './instruments.js';
