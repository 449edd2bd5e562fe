import { isLoopbackUrl } from '../options/loopback.js';

/**
 * The voice WebSocket URL for an endpoint as VOICE_SERVER_UPDATE gives it (`host:port`, no scheme):
 * `wss://{endpoint}?v=8` (docs/protocol/voice.md §1.2, §2.1). An endpoint on a loopback address (a
 * fake voice server in tests) gets `ws://`, as no certificate exists for it; an endpoint that already
 * names a scheme keeps it.
 */
export function voiceUrl(endpoint: string): string {
  const withScheme = /^wss?:\/\//.test(endpoint) ? endpoint : `wss://${endpoint}`;
  const url = new URL(withScheme);
  if (isLoopbackUrl(url.href) && !/^wss?:\/\//.test(endpoint)) url.protocol = 'ws:';
  if (url.pathname === '') url.pathname = '/';
  url.searchParams.set('v', '8');
  return url.href;
}
