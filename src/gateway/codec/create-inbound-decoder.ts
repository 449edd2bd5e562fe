import { InvalidArgumentError } from '../../errors.js';
import {
  DEFAULT_MAX_INBOUND_PAYLOAD_BYTES,
  type InboundDecoder,
  type InboundDecoderOptions,
  type TransportCompression,
} from './inbound-decoder.js';
import { JsonDecoder } from './json-decoder.js';
import { ZlibStreamDecoder } from './zlib-stream-decoder.js';
import { ZstdStreamDecoder } from './zstd-stream-decoder.js';

/**
 * Creates the decoder for one connection. Call it again for every new connection: compression
 * contexts belong to a single socket (docs/protocol/gateway.md §1.4, §1.5).
 *
 * @example
 * const decoder = createInboundDecoder('zlib-stream');
 * socket.on('message', (data: Buffer, isBinary) => {
 *   const payload = decoder.decode(data, isBinary); // throws GatewayDecodeError → reconnect
 *   if (payload !== null) route(payload);
 * });
 * socket.on('close', () => decoder.close());
 *
 * @throws UnsupportedCompressionError for `'zstd-stream'` on a runtime without zstd (Node 20).
 * @throws InvalidArgumentError for an unknown compression or a `maxPayloadBytes` that is not a
 *   positive integer.
 */
export function createInboundDecoder(
  compression: TransportCompression,
  options: InboundDecoderOptions = {},
): InboundDecoder {
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_INBOUND_PAYLOAD_BYTES;
  if (!Number.isSafeInteger(maxPayloadBytes) || maxPayloadBytes <= 0) {
    throw new InvalidArgumentError(`maxPayloadBytes must be a positive integer, got ${maxPayloadBytes}`);
  }
  switch (compression) {
    case 'none':
      return new JsonDecoder(maxPayloadBytes);
    case 'zlib-stream':
      return new ZlibStreamDecoder(maxPayloadBytes);
    case 'zstd-stream':
      return new ZstdStreamDecoder(maxPayloadBytes);
    default:
      throw new InvalidArgumentError(`unknown transport compression ${String(compression)}`);
  }
}
