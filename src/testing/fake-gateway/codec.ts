import type { Transform } from 'node:stream';
import * as zlib from 'node:zlib';

/** Transport compression of one connection (`compress=` query parameter). */
export type TransportCompression = 'none' | 'zlib-stream' | 'zstd-stream';

/** Turns serialized payloads into the WebSocket frames of one connection, in send order. */
export interface OutboundCodec {
  readonly compression: TransportCompression;
  /** The frames (text for plain JSON, binary when compressed) carrying one payload. */
  encode(text: string): Promise<readonly (string | Buffer)[]>;
  dispose(): void;
}

/** `00 00 ff ff`: the empty stored block a Z_SYNC_FLUSH ends with; clients buffer until they see it. */
export const ZLIB_SUFFIX = Buffer.from([0x00, 0x00, 0xff, 0xff]);

type ZstdFactory = (options: { flush: number }) => Transform;

function zstdFactory(): ZstdFactory | null {
  const create = (zlib as unknown as { createZstdCompress?: ZstdFactory }).createZstdCompress;
  return typeof create === 'function' ? create : null;
}

/** zstd-stream exists only where node:zlib has zstd (Node ≥ 22.15 / 23.8); Node 20 lacks it. */
export function isZstdAvailable(): boolean {
  return zstdFactory() !== null;
}

class PlainJsonCodec implements OutboundCodec {
  readonly compression = 'none';
  // json without transport compression: every payload is one text frame (docs/protocol/gateway.md §1.3).
  encode(text: string): Promise<readonly string[]> {
    return Promise.resolve([text]);
  }
  dispose(): void {}
}

/**
 * One compression stream for the whole connection (a shared context, as Discord does), flushed after
 * every payload so the client can decode each payload as soon as it arrives.
 */
class StreamCodec implements OutboundCodec {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private waiter: (() => void) | null = null;

  constructor(
    readonly compression: TransportCompression,
    private readonly stream: Transform,
    /** zlib output of one payload must end with this; wait for it in case output trails the callback. */
    private readonly suffix: Buffer | null,
    private readonly framesPerPayload: number,
  ) {
    stream.on('data', (chunk: Buffer) => {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      this.waiter?.();
    });
    // Errors surface through the write callbacks; this listener only keeps them from being uncaught.
    stream.on('error', () => {});
  }

  encode(text: string): Promise<readonly Buffer[]> {
    return new Promise((resolve, reject) => {
      this.stream.write(text, (error) => {
        if (error) {
          reject(error);
          return;
        }
        const finish = (): void => {
          const output = Buffer.concat(this.pending, this.pendingBytes);
          if (this.suffix !== null && !output.subarray(-this.suffix.length).equals(this.suffix)) {
            this.waiter = finish;
            return;
          }
          this.waiter = null;
          this.pending = [];
          this.pendingBytes = 0;
          resolve(splitBuffer(output, this.framesPerPayload));
        };
        finish();
      });
    });
  }

  dispose(): void {
    this.waiter = null;
    this.stream.destroy();
  }
}

/** Splits one payload's bytes over `parts` frames, to exercise client buffering until the suffix. */
function splitBuffer(buffer: Buffer, parts: number): Buffer[] {
  if (parts <= 1 || buffer.length < parts) return [buffer];
  const size = Math.ceil(buffer.length / parts);
  const frames: Buffer[] = [];
  for (let offset = 0; offset < buffer.length; offset += size)
    frames.push(buffer.subarray(offset, offset + size));
  return frames;
}

/** Builds the codec of a new connection. A fresh compression context per connection (docs/protocol/gateway.md §1.4). */
export function createOutboundCodec(
  compression: TransportCompression,
  zlibFramesPerPayload = 1,
): OutboundCodec {
  switch (compression) {
    case 'none':
      return new PlainJsonCodec();
    case 'zlib-stream':
      // createDeflate (RFC 1950, `78 9C` header once), not createDeflateRaw: clients inflate a zlib stream.
      return new StreamCodec(
        compression,
        zlib.createDeflate({ flush: zlib.constants.Z_SYNC_FLUSH }),
        ZLIB_SUFFIX,
        zlibFramesPerPayload,
      );
    case 'zstd-stream': {
      const create = zstdFactory();
      if (create === null) throw new Error('zstd-stream is not available in this runtime');
      // ZSTD_e_flush after each payload; the frame is never ended (docs/protocol/gateway.md §1.5). One frame per payload.
      const flush = (zlib.constants as unknown as Record<string, number>)['ZSTD_e_flush'] ?? 1;
      return new StreamCodec(compression, create({ flush }), null, 1);
    }
  }
}
