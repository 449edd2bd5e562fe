import type { GatewayCompression } from '../gateway/gateway-url.js';

/** Parsing a `RedisSessionStore` hash's fields (see session-scripts.ts for its layout). @internal */

/** The session in a stored hash (checked by the caller). @internal */
export function parseSession(fields: ReadonlyMap<string, string>): unknown {
  const sequence = fields.get('sequence');
  const count = fields.get('shardCount');
  const url = fields.get('resumeUrl');
  return {
    sessionId: fields.get('sessionId'),
    sequence: sequence === '' ? null : sequence === undefined ? undefined : Number(sequence),
    resumeUrl: url === '' ? null : url,
    ...(count === '' || count === undefined ? {} : { shardCount: Number(count) }),
  };
}

/** The `compress` values a stored entry may record. */
const COMPRESSIONS: readonly string[] = ['zlib-stream', 'zstd-stream', 'none'] satisfies GatewayCompression[];

/** Whether a stored `compress` field is one this statecord writes. @internal */
export function isCompression(value: string | undefined): value is GatewayCompression {
  return value !== undefined && COMPRESSIONS.includes(value);
}
