import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCappedText } from '../../src/http/read-body.js';

/** A real stream of `count` chunks of `size` bytes that counts how many chunks were pulled from it. */
function counted(count: number, size: number) {
  const stats = { pulled: 0 };
  const stream = Readable.from(
    (function* () {
      for (let i = 0; i < count; i += 1) {
        stats.pulled += 1;
        yield Buffer.alloc(size, 0x20);
      }
    })(),
    { objectMode: false, highWaterMark: 1 },
  );
  return { stream, stats };
}

describe('readCappedText', () => {
  it('stops at the first chunk that passes the cap and destroys the stream, leaving the rest unread', async () => {
    const { stream, stats } = counted(1000, 100);
    const result = await readCappedText(stream, {}, 250);
    expect(result).toEqual({ ok: false, declaredBytes: null, receivedBytes: 300 });
    expect(stream.destroyed).toBe(true);
    // Readable.from reads ahead a little; it must not have drained the source.
    expect(stats.pulled).toBeLessThan(10);
  });

  it('a content-length above the cap: fails before reading a byte', async () => {
    const { stream, stats } = counted(10, 100);
    const result = await readCappedText(stream, { 'content-length': '1001' }, 1000);
    expect(result).toEqual({ ok: false, declaredBytes: 1001, receivedBytes: 0 });
    expect(stream.destroyed).toBe(true);
    expect(stats.pulled).toBe(0);
  });

  it('a body of exactly the cap is read whole', async () => {
    const { stream } = counted(10, 100);
    const result = await readCappedText(stream, { 'content-length': '1000' }, 1000);
    expect(result).toEqual({ ok: true, text: ' '.repeat(1000) });
  });

  it('decodes UTF-8 split across chunks and drops a leading BOM', async () => {
    const bytes = Buffer.from('\uFEFF{"a":"é😀"}', 'utf8');
    const chunks = [...bytes].map((byte) => Buffer.from([byte]));
    const result = await readCappedText(Readable.from(chunks), {}, 1024);
    expect(result).toEqual({ ok: true, text: '{"a":"é😀"}' });
  });
});
