/** Transport compressions the gateway offers (docs/protocol/gateway.md §1.2). */
export type GatewayCompression = 'none' | 'zlib-stream' | 'zstd-stream';

/** The gateway API version statecord speaks. */
export const GATEWAY_VERSION = 10;

/**
 * The WebSocket URL for a gateway base URL: `?v=10&encoding=json[&compress=…]`. The same query goes on
 * `resume_gateway_url`, which Discord hands out bare (docs/protocol/gateway.md §3.3, §12.13).
 */
export function gatewayConnectUrl(baseUrl: string, compression: GatewayCompression): string {
  const url = new URL(baseUrl);
  if (url.pathname === '') url.pathname = '/';
  url.searchParams.set('v', String(GATEWAY_VERSION));
  url.searchParams.set('encoding', 'json');
  if (compression === 'none') url.searchParams.delete('compress');
  else url.searchParams.set('compress', compression);
  return url.toString();
}
