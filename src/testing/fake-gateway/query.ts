import { UnsupportedCompressionError } from '../../errors.js';
import { isZstdAvailable, type TransportCompression } from './codec.js';

/** What a client asked for in the gateway URL's query string. */
export interface ConnectionQuery {
  /** The `v` parameter as sent (null when missing). */
  readonly version: string | null;
  /** The `encoding` parameter: only `json` is accepted (others are refused before the upgrade). */
  readonly encoding: 'json';
  /** The `compress` parameter: the transport compression the connection uses. */
  readonly compression: TransportCompression;
}

export type QueryOutcome =
  /** Upgrade and send Hello. */
  | { readonly kind: 'accept'; readonly query: ConnectionQuery }
  /** Upgrade, then close at once with 4012 (invalid API version), as Discord does. */
  | { readonly kind: 'invalid-version'; readonly query: ConnectionQuery }
  /** Answer the upgrade request with HTTP 400 and this JSON message: a feature the fake does not offer. */
  | { readonly kind: 'refuse'; readonly message: string };

/** API versions the gateway serves: 10, and 9 which Discord still accepts (docs/protocol/gateway.md §1.2). */
const SUPPORTED_VERSIONS = new Set(['10', '9']);

/**
 * Reads `v`, `encoding` and `compress`. Unsupported features are refused before the upgrade, with a
 * clear message, instead of a close code a client would treat as "reconnect": `encoding=etf` (the fake
 * speaks JSON only), `compress=zstd-stream` where node:zlib lacks zstd, and unknown values.
 */
export function parseConnectionQuery(search: URLSearchParams): QueryOutcome {
  const encoding = search.get('encoding') ?? 'json';
  if (encoding !== 'json') {
    return {
      kind: 'refuse',
      message:
        encoding === 'etf'
          ? 'encoding "etf" is not supported by the statecord FakeGateway; use encoding=json'
          : `unknown encoding "${encoding}"`,
    };
  }
  const compress = search.get('compress');
  let compression: TransportCompression;
  if (compress === null || compress === '') compression = 'none';
  else if (compress === 'zlib-stream') compression = 'zlib-stream';
  else if (compress === 'zstd-stream') {
    if (!isZstdAvailable())
      return { kind: 'refuse', message: new UnsupportedCompressionError(compress).message };
    compression = 'zstd-stream';
  } else return { kind: 'refuse', message: `unknown transport compression "${compress}"` };

  const version = search.get('v');
  const query: ConnectionQuery = { version, encoding, compression };
  return version !== null && SUPPORTED_VERSIONS.has(version)
    ? { kind: 'accept', query }
    : { kind: 'invalid-version', query };
}
