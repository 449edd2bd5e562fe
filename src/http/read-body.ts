import type { IncomingHttpHeaders } from 'node:http';

/** A response body as undici hands it over: a stream of byte chunks that can be dropped. */
export interface BodyStream extends AsyncIterable<Uint8Array> {
  destroy(): unknown;
}

/** A body read whole (UTF-8 decoded), or how far reading got before it passed the cap. */
export type CappedBody =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly declaredBytes: number | null; readonly receivedBytes: number };

/**
 * Reads `body` as UTF-8 text, holding at most `maxBytes` bytes. A `content-length` above the cap
 * fails before any byte is read; otherwise reading stops at the first chunk that takes the total
 * past the cap (that chunk is counted, not kept). On failure the body is destroyed, which makes
 * undici close the connection: a half-read response cannot be reused, and the server must stop
 * sending. A body of exactly `maxBytes` passes.
 *
 * @internal
 */
export async function readCappedText(
  body: BodyStream,
  headers: IncomingHttpHeaders,
  maxBytes: number,
): Promise<CappedBody> {
  const declaredBytes = contentLength(headers);
  if (declaredBytes !== null && declaredBytes > maxBytes) {
    body.destroy();
    return { ok: false, declaredBytes, receivedBytes: 0 };
  }
  const chunks: Uint8Array[] = [];
  let receivedBytes = 0;
  for await (const chunk of body) {
    receivedBytes += chunk.byteLength;
    if (receivedBytes > maxBytes) {
      body.destroy();
      return { ok: false, declaredBytes, receivedBytes };
    }
    chunks.push(chunk);
  }
  // TextDecoder drops a leading BOM, as undici's `body.text()` did.
  return { ok: true, text: new TextDecoder().decode(Buffer.concat(chunks, receivedBytes)) };
}

/** `content-length` as a number, or null when absent or not a plain decimal. */
function contentLength(headers: IncomingHttpHeaders): number | null {
  const value = headers['content-length'];
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return null;
  const bytes = Number(value);
  return Number.isSafeInteger(bytes) ? bytes : Number.MAX_SAFE_INTEGER;
}
