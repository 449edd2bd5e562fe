/** Transport compressions the gateway offers (docs/protocol/gateway.md §1.2). */
export type GatewayCompression = 'none' | 'zlib-stream' | 'zstd-stream';

/** The gateway API version statecord speaks. */
export const GATEWAY_VERSION = 10;

/**
 * The WebSocket URL for a gateway base URL: `?v=10&encoding=json[&compress=…]`. The same query goes on
 * `resume_gateway_url`, which Discord hands out bare (docs/protocol/gateway.md §3.3, §12.13).
 */
export function gatewayConnectUrl(baseUrl: string, compression: GatewayCompression): string {
  // Every shard of a process dials the same few URLs: building one is a `URL` parse and serialisation
  // (1.5 % of a 2,000-shard start-up's CPU before this cache, BENCHMARKS.md, many shards).
  const key = `${compression} ${baseUrl}`;
  const cached = connectUrls.get(key);
  if (cached !== undefined) return cached;
  const built = buildConnectUrl(baseUrl, compression);
  // Bounded: resume URLs come from the gateway, and a long-running process sees new ones for ever.
  if (connectUrls.size >= MAX_CACHED_URLS) connectUrls.clear();
  connectUrls.set(key, built);
  return built;
}

/** Connect URLs built so far, by compression and base URL. */
const connectUrls = new Map<string, string>();
const MAX_CACHED_URLS = 64;

function buildConnectUrl(baseUrl: string, compression: GatewayCompression): string {
  const url = new URL(baseUrl);
  if (url.pathname === '') url.pathname = '/';
  url.searchParams.set('v', String(GATEWAY_VERSION));
  url.searchParams.set('encoding', 'json');
  if (compression === 'none') url.searchParams.delete('compress');
  else url.searchParams.set('compress', compression);
  return url.toString();
}
