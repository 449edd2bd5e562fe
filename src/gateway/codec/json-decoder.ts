import type { GatewayReceivePayload } from 'discord-api-types/v10';
import { GatewayDecodeError } from '../../errors.js';
import type { InboundDecoder } from './inbound-decoder.js';
import { parsePayload } from './parse-payload.js';

/**
 * Decoder for `encoding=json` without transport compression: every message is exactly one payload
 * (docs/protocol/gateway.md §1.3). Stateless, so it never gets poisoned.
 *
 * Binary messages are parsed as UTF-8 JSON too. statecord never asks for payload compression
 * (Identify `compress: true`, §1.6), so Discord sends none; a zlib-compressed one would fail to parse.
 */
export class JsonDecoder implements InboundDecoder {
  readonly compression = 'none';
  readonly #maxPayloadBytes: number;
  #closed = false;

  constructor(maxPayloadBytes: number) {
    this.#maxPayloadBytes = maxPayloadBytes;
  }

  decode(data: Buffer, isBinary: boolean): GatewayReceivePayload {
    return parsePayload(this.decodeBytes(data, isBinary).toString('utf8'));
  }

  decodeBytes(data: Buffer, _isBinary: boolean): Buffer {
    if (this.#closed) throw new GatewayDecodeError('the decoder was closed');
    if (data.length > this.#maxPayloadBytes) {
      throw new GatewayDecodeError(
        `inbound payload is ${data.length} bytes; the limit is ${this.#maxPayloadBytes}`,
      );
    }
    return data;
  }

  close(): void {
    this.#closed = true;
  }
}
