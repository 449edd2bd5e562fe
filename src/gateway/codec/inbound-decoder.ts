import type { GatewayReceivePayload } from 'discord-api-types/v10';

/** The transport compressions a shard can ask for in the `compress` query parameter (docs/protocol/gateway.md §1.2). */
export type TransportCompression = 'none' | 'zlib-stream' | 'zstd-stream';

/** The default cap on one decoded payload: far above a 21 MB GUILD_CREATE, far below memory trouble. */
export const DEFAULT_MAX_INBOUND_PAYLOAD_BYTES = 256 * 1024 * 1024;

/** Options shared by every inbound decoder. */
export interface InboundDecoderOptions {
  /**
   * Largest decoded payload accepted, in bytes (after decompression). A larger one is an error, which
   * guards against inflation bombs. Default {@link DEFAULT_MAX_INBOUND_PAYLOAD_BYTES} (256 MiB): a real
   * READY can be 5.7 MB and a GUILD_CREATE with presences about 21 MB (docs/protocol/gateway.md §10), so do not set
   * it low. Set the `ws` `maxPayload` at least this high too (or 0) so `ws` does not close first.
   */
  readonly maxPayloadBytes?: number;
}

/**
 * Turns the WebSocket messages of ONE connection into gateway payloads. Create a new one for every
 * connection (a compression context must never outlive its socket, docs/protocol/gateway.md §1.4, §12.1).
 *
 * Decoding is synchronous: this is the hot path (DESIGN.md principle 3).
 */
export interface InboundDecoder {
  /** Which transport compression this decoder undoes. */
  readonly compression: TransportCompression;

  /**
   * Decodes one WebSocket message as `ws` delivers it (`data` a Buffer, `isBinary` the frame type).
   *
   * @returns the payload, or `null` when the message is not complete yet (a zlib-stream payload split
   *   over several messages, docs/protocol/gateway.md §1.4) or decompressed to nothing.
   * @throws GatewayDecodeError on input that is not a gateway payload. For compressed transports, an
   *   error inside the decompressor leaves the stream context broken: the decoder is then poisoned and
   *   every later call throws too. The connection has to be replaced (reconnect and resume).
   */
  decode(data: Buffer, isBinary: boolean): GatewayReceivePayload | null;

  /**
   * Like {@link InboundDecoder.decode}, but returns the payload's UTF-8 JSON bytes without decoding or
   * parsing them, so a caller can read the envelope first (see `scanEnvelope`) and parse only what it
   * needs. The result is a view that the next `decode`/`decodeBytes` of ANY decoder of the process may
   * overwrite: read or copy it before decoding anything else. Pass its text to `parsePayload` to get
   * (and validate) the payload.
   *
   * @returns the bytes, or `null` as `decode` does.
   * @throws GatewayDecodeError as `decode` does, except for invalid JSON.
   */
  decodeBytes(data: Buffer, isBinary: boolean): Buffer | null;

  /** Frees the decompression context. Idempotent; later `decode` calls throw `GatewayDecodeError`. */
  close(): void;
}
