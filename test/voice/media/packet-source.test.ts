import { PassThrough, Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { isReadableStream } from '../../../src/voice/media/index.js';
import { packetIterator } from '../../../src/voice/media/packet-source.js';

describe('packetIterator', () => {
  it('gives the chunks of a byte-mode Readable one by one, as written', async () => {
    const stream = new PassThrough();
    stream.write(Buffer.from([1]));
    stream.write(Buffer.from([2, 2]));
    stream.end(Buffer.from([3]));
    const iterator = packetIterator(stream);
    const got: unknown[] = [];
    for (let result = await iterator.next(); result.done !== true; result = await iterator.next()) {
      got.push(result.value);
    }
    expect(got).toEqual([Buffer.from([1]), Buffer.from([2, 2]), Buffer.from([3])]);
  });

  it('pauses a Readable that runs highWaterMark chunks ahead of the reader', async () => {
    const stream = new PassThrough({ objectMode: true });
    const iterator = packetIterator(stream, 4);
    for (let i = 0; i < 10; i++) stream.write(Buffer.from([i]));
    await nextTurn();
    expect(stream.isPaused()).toBe(true);
    for (let i = 0; i < 10; i++) expect((await iterator.next()).value).toEqual(Buffer.from([i]));
  });

  it('gives the chunks read before a stream error, then the error', async () => {
    const stream = new PassThrough({ objectMode: true });
    stream.write(Buffer.from([1]));
    const iterator = packetIterator(stream);
    await nextTurn();
    stream.destroy(new Error('boom'));
    expect((await iterator.next()).value).toEqual(Buffer.from([1]));
    await expect(iterator.next()).rejects.toThrow('boom');
  });

  it('return() settles a waiting next() at once and destroys the Readable', async () => {
    const stream = new PassThrough({ objectMode: true });
    const iterator = packetIterator(stream);
    const waiting = iterator.next();
    await iterator.return?.();
    await expect(waiting).resolves.toEqual({ done: true, value: undefined });
    expect(stream.destroyed).toBe(true);
  });

  it('return() on an async generator does not wait for its pending next()', async () => {
    let finalized = false;
    const never = (async function* () {
      try {
        await new Promise(() => undefined);
        yield Buffer.alloc(1);
      } finally {
        finalized = true;
      }
    })();
    const iterator = packetIterator(never);
    void iterator.next();
    await expect(iterator.return?.()).resolves.toEqual({ done: true, value: undefined });
    expect(finalized).toBe(false);
  });

  it('refuses something that is neither an async iterable nor a Readable', () => {
    expect(() => packetIterator([Buffer.alloc(1)] as unknown as AsyncIterable<Uint8Array>)).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('isReadableStream', () => {
  it('recognises Node Readables and not plain async iterables', () => {
    expect(isReadableStream(Readable.from([]))).toBe(true);
    expect(isReadableStream((async function* () {})())).toBe(false);
    expect(isReadableStream(null)).toBe(false);
  });
});
