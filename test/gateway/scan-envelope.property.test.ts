import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkEnvelope, scanEnvelope, type ScannedEnvelope } from '../../src/gateway/codec/index.js';

const SEED = 1_616_016;
const RUNS = 1_000;

function scan(text: string): ScannedEnvelope | null {
  const out: ScannedEnvelope = { op: -1, s: -1, t: 'unset' };
  return scanEnvelope(text, out) ? { ...out } : null;
}

/** What `JSON.parse` says of the envelope, or null when the text is not a valid payload. */
function parsed(text: string): ScannedEnvelope | null {
  try {
    const payload = checkEnvelope(JSON.parse(text));
    return { op: payload.op, s: payload.s ?? null, t: payload.t ?? null };
  } catch {
    return null;
  }
}

/** Strings that trip naive scanners: quotes, backslashes, braces, brackets, unicode, lone surrogates. */
const trickyString = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', ':', 'a', ' ', '\n', '\u2028') }),
  fc.string({ unit: 'binary' }),
);

const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    trickyString,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(trickyString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A payload's fields in a random order, `d` any JSON value, sometimes with extra keys or `s`/`t` absent. */
const frame = fc
  .record(
    {
      op: fc.oneof(
        fc.integer({ min: 0, max: 11 }),
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
      ),
      s: fc.oneof(fc.constant(null), fc.nat(), fc.integer({ min: -1e16, max: 1e16 })),
      t: fc.oneof(
        fc.constant(null),
        fc.constantFrom('MESSAGE_CREATE', 'READY', 'GUILD_CREATE'),
        trickyString,
      ),
      d: jsonValue,
      extra: jsonValue,
    },
    { requiredKeys: ['op', 'd'] },
  )
  .chain((fields) =>
    fc.shuffledSubarray(Object.keys(fields), { minLength: Object.keys(fields).length }).map((order) => {
      const ordered: Record<string, unknown> = {};
      for (const key of order) ordered[key] = (fields as Record<string, unknown>)[key];
      return ordered;
    }),
  );

const spacing = fc.constantFrom(undefined, 1, '\t', ' \r\n');

describe('scanEnvelope', () => {
  it('reads what JSON.parse reads, or declines, on generated payloads (any key order, nesting, escapes)', () => {
    fc.assert(
      fc.property(frame, spacing, (payload, space) => {
        const text = JSON.stringify(payload, null, space);
        const scanned = scan(text);
        const expected = parsed(text);
        // Declining is always safe (the caller parses); a claim must match JSON.parse exactly.
        if (scanned !== null) expect(scanned).toEqual(expected);
        // Plain payloads (integer op and s, t without escapes) are always read.
        if (expected !== null && isPlain(text, payload)) expect(scanned).not.toBeNull();
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('on a text cut anywhere, reads what JSON.parse reads of the whole, or declines', () => {
    fc.assert(
      fc.property(frame, fc.nat(), (payload, cut) => {
        const text = JSON.stringify(payload);
        const truncated = text.slice(0, cut % text.length);
        const scanned = scan(truncated);
        if (scanned !== null) expect(scanned).toEqual(parsed(text));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('on the latin1 head of the UTF-8 bytes (cut anywhere), reads what JSON.parse reads of the whole, or declines', () => {
    fc.assert(
      fc.property(frame, fc.nat(), (payload, cut) => {
        const bytes = Buffer.from(JSON.stringify(payload), 'utf8');
        const head = bytes.toString('latin1', 0, cut % (bytes.length + 1));
        const scanned = scan(head);
        if (scanned !== null) expect(scanned).toEqual(parsed(bytes.toString('utf8')));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('skips a d that comes first, with escaped quotes and braces in its strings', () => {
    const text = '{"d":{"a":"}\\"{","b":["]",{"c":"\\\\"}]},"op":0,"s":42,"t":"MESSAGE_CREATE"}';
    expect(scan(text)).toEqual({ op: 0, s: 42, t: 'MESSAGE_CREATE' });
    expect(scan(text)).toEqual(parsed(text));
  });

  it('reads absent s and t as null', () => {
    expect(scan('{"op":11}')).toEqual({ op: 11, s: null, t: null });
  });

  it('declines what it does not read plainly: escaped keys or type, non-integer numbers, no op', () => {
    expect(scan('{"\\u006fp":0,"s":1,"t":"A","d":1}')).toBeNull();
    expect(scan('{"op":0,"s":1,"t":"A\\u0042","d":1}')).toBeNull();
    expect(scan('{"op":1e0,"s":1,"t":"A","d":1}')).toBeNull();
    expect(scan('{"op":0,"s":1.5,"t":"A","d":1}')).toBeNull();
    expect(scan('{"s":1,"t":"A","d":1}')).toBeNull();
    expect(scan('[0]')).toBeNull();
  });
});

/** Whether the scanner must read this payload: integer op and s, and a t without escapes. */
function isPlain(text: string, payload: Record<string, unknown>): boolean {
  const plainInteger = (value: unknown) =>
    value === undefined ||
    value === null ||
    (Number.isSafeInteger(value) && Math.abs(value as number) < 1e15);
  if (!plainInteger(payload['op']) || payload['op'] === null || payload['op'] === undefined) return false;
  if (!plainInteger(payload['s'])) return false;
  const t = payload['t'];
  if (
    typeof t === 'string' &&
    (JSON.stringify(t).includes('\\') || [...t].some((char) => char.charCodeAt(0) > 0x7f))
  )
    return false;
  // -0 prints as 0; keys are never escaped here unless `extra` or `d` holds one, which is skipped.
  return text.length > 0;
}
