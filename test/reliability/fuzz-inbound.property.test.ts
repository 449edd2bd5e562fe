/**
 * Fuzzing the inbound path without a socket: arbitrary and mutated frames go through a connection's
 * decoder and `routeInboundPayload`, exactly as the socket actor does. Nothing may throw anything but
 * `GatewayDecodeError` (code `STATECORD_ERR_DECODE`), and every frame must have the documented
 * outcome (see `inbound-oracle.ts`). Seeded and bounded.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import type { ShardEvent } from '../../machines/index.js';
import { GatewayDecodeError } from '../../src/errors.js';
import { createInboundDecoder } from '../../src/gateway/codec/index.js';
import type { InboundDecoder } from '../../src/gateway/codec/index.js';
import { routeInboundPayload } from '../../src/gateway/inbound-frames.js';
import { SequenceTracker } from '../../src/gateway/sequence.js';
import { invalidJson, mutatedPayload, oracle, validPayload, ZlibStream } from './inbound-oracle.js';
import type { Oracle } from './inbound-oracle.js';

const SEED = 20_260_807;

interface Observed {
  readonly events: ShardEvent[];
  readonly dispatches: GatewayDispatchPayload[];
  readonly acks: number;
}

type Result = { readonly kind: 'ok'; readonly observed: Observed } | { readonly kind: 'decode-error' };

/** One frame through the decoder and the router; rethrows anything that is not the typed decode error. */
function feed(decoder: InboundDecoder, sequence: SequenceTracker, frame: Buffer, isBinary: boolean): Result {
  const observed: Observed = { events: [], dispatches: [], acks: 0 };
  try {
    const payload = decoder.decode(frame, isBinary);
    if (payload !== null) {
      routeInboundPayload(payload, sequence, {
        lifecycle: (event) => observed.events.push(event),
        dispatch: (dispatch) => observed.dispatches.push(dispatch),
        heartbeatAck: () => void (observed as { acks: number }).acks++,
      });
    }
    return { kind: 'ok', observed };
  } catch (error) {
    if (error instanceof GatewayDecodeError && error.code === 'STATECORD_ERR_DECODE')
      return { kind: 'decode-error' };
    throw error;
  }
}

/** The observed outcome of one decoded value matches the oracle. */
function expectOutcome(result: Result, expected: Oracle, value: unknown): void {
  if (expected.kind === 'decode-error') {
    expect(result.kind).toBe('decode-error');
    return;
  }
  expect(result.kind).toBe('ok');
  if (result.kind !== 'ok') return;
  const { events, dispatches, acks } = result.observed;
  const t = (value as { t?: unknown }).t;
  switch (expected.kind) {
    case 'ignored':
      expect([events, dispatches, acks]).toEqual([[], [], 0]);
      return;
    case 'ack':
      expect([events, dispatches, acks]).toEqual([[], [], 1]);
      return;
    case 'lifecycle':
      expect(dispatches).toEqual([]);
      expect(events.map((event) => event.type)).toEqual([expected.event]);
      if (expected.resumable !== undefined)
        expect(events[0]).toMatchObject({ resumable: expected.resumable });
      return;
    case 'duplicate':
      // A replay overlapping what was delivered is dropped: no second delivery, no event.
      expect([events, dispatches]).toEqual([[], []]);
      return;
    case 'dispatch': {
      expect(dispatches).toHaveLength(1);
      expect(dispatches[0]?.s ?? null).toBe(expected.s);
      const lifecycle = expected.ready ? ['gateway.ready'] : t === 'RESUMED' ? ['gateway.resumed'] : [];
      expect(events.map((event) => event.type)).toEqual(lifecycle);
      return;
    }
  }
}

/** Any frame value: valid, mutated in a known field, or not an object at all. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: validPayload },
  { weight: 4, arbitrary: mutatedPayload },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

describe('decoder + routeInboundPayload on arbitrary frames', () => {
  it('json: valid, mutated and non-payload values have their documented outcome; garbage is a typed error', () => {
    const frame = fc.oneof(
      { weight: 6, arbitrary: anyValue.map((value) => ({ value, text: JSON.stringify(value) ?? 'null' })) },
      { weight: 1, arbitrary: invalidJson.map((text) => ({ value: undefined, text })) },
      {
        weight: 1,
        arbitrary: fc
          .uint8Array({ minLength: 1, maxLength: 64 })
          .map((bytes) => ({ value: undefined, bytes })),
      },
    );
    fc.assert(
      fc.property(fc.array(frame, { minLength: 1, maxLength: 12 }), fc.boolean(), (frames, isBinary) => {
        const decoder = createInboundDecoder('none');
        const sequence = new SequenceTracker();
        let expectedSequence: number | null = null;
        for (const entry of frames) {
          if ('bytes' in entry) {
            // Arbitrary bytes: a payload or the typed error, nothing else (feed rethrows anything else).
            const result = feed(decoder, sequence, Buffer.from(entry.bytes), isBinary);
            expectedSequence = sequence.value;
            void result;
            continue;
          }
          const result = feed(decoder, sequence, Buffer.from(entry.text), isBinary);
          if (entry.value === undefined) {
            expect(result.kind).toBe('decode-error');
            continue;
          }
          const { outcome, sequence: next } = oracle(JSON.parse(entry.text), expectedSequence);
          expectOutcome(result, outcome, entry.value);
          expectedSequence = next;
          expect(sequence.value).toBe(expectedSequence);
        }
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('huge frames over the decoder limit are typed errors, for both transports', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 64 * 1024 }), fc.boolean(), async (extra, zlib) => {
        const limit = 16 * 1024;
        const text = JSON.stringify({
          op: 0,
          t: 'MESSAGE_CREATE',
          s: 1,
          d: { content: 'x'.repeat(limit + extra) },
        });
        const decoder = createInboundDecoder(zlib ? 'zlib-stream' : 'none', { maxPayloadBytes: limit });
        const sequence = new SequenceTracker();
        let frame: Buffer = Buffer.from(text);
        if (zlib) {
          const stream = new ZlibStream();
          frame = await stream.encode(text);
          stream.close();
        }
        expect(feed(decoder, sequence, frame, zlib).kind).toBe('decode-error');
        expect(sequence.value).toBeNull();
        decoder.close();
      }),
      { seed: SEED, numRuns: 20 },
    );
  });

  it('zlib-stream: payloads split into arbitrary partial frames decode in order with their documented outcome', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(anyValue, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (values, cuts) => {
          const stream = new ZlibStream();
          const decoder = createInboundDecoder('zlib-stream');
          const sequence = new SequenceTracker();
          let expectedSequence: number | null = null;
          for (const value of values) {
            const text = JSON.stringify(value) ?? 'null';
            const bytes = await stream.encode(text);
            const frames = splitAt(
              bytes,
              cuts.map((cut) => cut % Math.max(1, bytes.length)),
            );
            let last: Result | null = null;
            for (const [index, frame] of frames.entries()) {
              last = feed(decoder, sequence, frame, true);
              // A partial frame is buffered: nothing comes out before the sync-flush suffix.
              if (index < frames.length - 1) {
                expect(last).toEqual({ kind: 'ok', observed: { events: [], dispatches: [], acks: 0 } });
              }
            }
            const { outcome, sequence: next } = oracle(JSON.parse(text), expectedSequence);
            if (last !== null) expectOutcome(last, outcome, value);
            expectedSequence = next;
          }
          stream.close();
          decoder.close();
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('zlib-stream: broken streams (interleaved, truncated, corrupted, text frames) fail only with the typed error', async () => {
    const damage = fc.oneof(
      fc.record({ kind: fc.constant('interleave' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), keep: fc.nat() }),
      fc.record({
        kind: fc.constant('flip' as const),
        at: fc.nat(),
        offset: fc.nat(),
        bits: fc.integer({ min: 1, max: 255 }),
      }),
      fc.record({ kind: fc.constant('text-frame' as const), at: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(validPayload, { minLength: 2, maxLength: 6 }),
        damage,
        async (values, harm) => {
          const stream = new ZlibStream();
          const other = new ZlibStream();
          const frames: Array<{ bytes: Buffer; binary: boolean }> = [];
          for (const value of values)
            frames.push({ bytes: await stream.encode(JSON.stringify(value)), binary: true });
          // Truncation never hits the last frame: with nothing after it, the decoder would just wait.
          const at = harm.at % (harm.kind === 'truncate' ? frames.length - 1 : frames.length);
          const target = frames[at];
          if (target !== undefined) {
            switch (harm.kind) {
              case 'interleave': {
                // A complete frame of ANOTHER connection's stream (its own zlib header) in the middle.
                const foreign = await other.encode(JSON.stringify({ op: 11 }));
                frames.splice(at, 0, { bytes: foreign, binary: true });
                break;
              }
              case 'truncate':
                // A payload cut short (its suffix lost): the next frame continues a broken stream.
                target.bytes = target.bytes.subarray(
                  0,
                  1 + (harm.keep % Math.max(1, target.bytes.length - 5)),
                );
                break;
              case 'flip': {
                const bytes = Buffer.from(target.bytes);
                const index = harm.offset % bytes.length;
                bytes[index] = (bytes[index] ?? 0) ^ harm.bits;
                target.bytes = bytes;
                break;
              }
              case 'text-frame':
                frames.splice(at, 0, { bytes: Buffer.from(JSON.stringify({ op: 11 })), binary: false });
                break;
            }
          }
          stream.close();
          other.close();
          const decoder = createInboundDecoder('zlib-stream');
          const sequence = new SequenceTracker();
          const results = frames.map((frame) => feed(decoder, sequence, frame.bytes, frame.binary).kind);
          const failedAt = results.indexOf('decode-error');
          // A foreign stream or a text frame is always detected (the shard reconnects and resumes).
          // A flipped bit or a cut can land where zlib has no check: then only "typed error or nothing" holds.
          // (A foreign frame put first decodes; the real stream's own header then breaks it.)
          const detectedAt = harm.kind === 'interleave' && at === 0 ? 1 : at;
          if (harm.kind === 'interleave' || harm.kind === 'text-frame') expect(failedAt).toBe(detectedAt);
          // An inflate error breaks the context for good: every later frame fails too.
          if (harm.kind === 'interleave') {
            expect(results.slice(detectedAt).every((kind) => kind === 'decode-error')).toBe(true);
          }
          decoder.close();
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  });
});

function splitAt(bytes: Buffer, offsets: readonly number[]): Buffer[] {
  const cuts = [...new Set(offsets.filter((offset) => offset > 0 && offset < bytes.length))].sort(
    (a, b) => a - b,
  );
  const frames: Buffer[] = [];
  let start = 0;
  for (const cut of cuts) {
    frames.push(bytes.subarray(start, cut));
    start = cut;
  }
  frames.push(bytes.subarray(start));
  return frames;
}
