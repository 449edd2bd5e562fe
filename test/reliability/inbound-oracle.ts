import { constants, createDeflate } from 'node:zlib';
import type { Deflate } from 'node:zlib';
import { setImmediate as nextTurn } from 'node:timers/promises';
import fc from 'fast-check';

/**
 * What the gateway protocol (docs/protocol/gateway.md §2, §7) and statecord's documented decoding contract say a
 * decoded inbound value must become, computed independently of the implementation:
 * - not an object, no integer `op`, `s` neither integer nor null/absent, `t` neither string nor
 *   null/absent: a decode error (`GatewayDecodeError`, `STATECORD_ERR_DECODE`);
 * - HELLO whose `heartbeat_interval` is not a number of ms a timer can wait, [1, 2^31 − 1], READY without string
 *   `session_id` and `resume_gateway_url`: a decode error;
 * - op 1 → heartbeat request, op 7 → reconnect, op 9 → invalid session (resumable only for `d: true`),
 *   op 11 → ACK, op 10 → hello; READY → ready + its dispatch (the sequence restarts at its `s`);
 *   other dispatches are delivered when their `s` is new to the session (or not a number);
 * - any other opcode: ignored.
 */
export type Oracle =
  | { readonly kind: 'decode-error' }
  | { readonly kind: 'ignored' }
  | { readonly kind: 'ack' }
  | { readonly kind: 'lifecycle'; readonly event: string; readonly resumable?: boolean }
  | { readonly kind: 'dispatch'; readonly s: number | null; readonly ready: boolean }
  | { readonly kind: 'duplicate'; readonly s: number };

/** `sequence` is the session's last `s` before this value; the oracle returns the next one too. */
export function oracle(
  value: unknown,
  sequence: number | null,
): { outcome: Oracle; sequence: number | null } {
  const error = { outcome: { kind: 'decode-error' } as const, sequence };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return error;
  const { op, s, t, d } = value as { op?: unknown; s?: unknown; t?: unknown; d?: unknown };
  if (typeof op !== 'number' || !Number.isInteger(op)) return error;
  if (s !== undefined && s !== null && !(typeof s === 'number' && Number.isInteger(s))) return error;
  if (t !== undefined && t !== null && typeof t !== 'string') return error;
  switch (op) {
    case 0: {
      if (t === 'READY') {
        const data = d as { session_id?: unknown; resume_gateway_url?: unknown } | null | undefined;
        if (typeof data?.session_id !== 'string' || typeof data.resume_gateway_url !== 'string') return error;
        return {
          outcome: { kind: 'dispatch', s: typeof s === 'number' ? s : null, ready: true },
          sequence: typeof s === 'number' ? s : null,
        };
      }
      if (typeof s !== 'number') return { outcome: { kind: 'dispatch', s: null, ready: false }, sequence };
      if (sequence !== null && s <= sequence) return { outcome: { kind: 'duplicate', s }, sequence };
      return { outcome: { kind: 'dispatch', s, ready: false }, sequence: s };
    }
    case 1:
      return { outcome: { kind: 'lifecycle', event: 'gateway.heartbeatRequest' }, sequence };
    case 7:
      return { outcome: { kind: 'lifecycle', event: 'gateway.reconnect' }, sequence };
    case 9:
      return {
        outcome: { kind: 'lifecycle', event: 'gateway.invalidSession', resumable: d === true },
        sequence,
      };
    case 10: {
      const interval = (d as { heartbeat_interval?: unknown } | null | undefined)?.heartbeat_interval;
      if (typeof interval !== 'number' || !(interval >= 1 && interval <= 2_147_483_647)) return error;
      return { outcome: { kind: 'lifecycle', event: 'gateway.hello' }, sequence };
    }
    case 11:
      return { outcome: { kind: 'ack' }, sequence };
    default:
      return { outcome: { kind: 'ignored' }, sequence };
  }
}

/** A value of the wrong type for a known field (what a broken proxy or a protocol change could send). */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constant(null),
  fc.boolean(),
  fc.constant(0),
  fc.constant(-1),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.array(fc.nat(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.nat(), { maxKeys: 2 }),
  fc.constant(undefined),
);

const sessionId = fc.stringMatching(/^[0-9a-f]{32}$/);
const seq = fc.integer({ min: 0, max: 40 });

/** Well-formed gateway payloads of every kind a shard receives, plus unknown opcodes. */
export const validPayload: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc
    .integer({ min: 1, max: 60_000 })
    .map((interval) => ({ op: 10, d: { heartbeat_interval: interval, _trace: ['x'] } })),
  fc.constant({ op: 1, d: null }),
  fc.constant({ op: 11 }),
  fc.constant({ op: 7, d: null }),
  fc.boolean().map((resumable) => ({ op: 9, d: resumable })),
  fc.tuple(sessionId, seq).map(([id, s]) => ({
    op: 0,
    t: 'READY',
    s,
    d: { session_id: id, resume_gateway_url: 'wss://resume.example', v: 10 },
  })),
  seq.map((s) => ({ op: 0, t: 'RESUMED', s, d: {} })),
  fc
    .tuple(seq, fc.string({ maxLength: 20 }))
    .map(([s, content]) => ({ op: 0, t: 'MESSAGE_CREATE', s, d: { id: String(s), content } })),
  fc
    .tuple(
      fc.integer({ min: 12, max: 200 }).filter((op) => ![31, 43].includes(op)),
      fc.jsonValue({ maxDepth: 2 }),
    )
    .map(([op, d]) => ({ op, d })),
);

/** A valid payload with one known field (`op`, `s`, `t`, `d`, or a field of `d`) given a wrong type, or removed. */
export const mutatedPayload: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(validPayload, fc.constantFrom('op', 's', 't', 'd', 'd.field'), wrongValue)
  .map(([payload, field, value]) => {
    const copy: Record<string, unknown> = structuredClone(payload);
    if (field !== 'd.field') {
      if (value === undefined) delete copy[field];
      else copy[field] = value;
      return copy;
    }
    const d = copy['d'];
    if (typeof d !== 'object' || d === null || Array.isArray(d)) return copy;
    const record = d as Record<string, unknown>;
    const key = Object.keys(record)[0] ?? 'heartbeat_interval';
    if (value === undefined) delete record[key];
    else record[key] = value;
    return copy;
  });

/** Text that is not JSON at all (a truncated payload). */
export const invalidJson: fc.Arbitrary<string> = fc
  .tuple(validPayload, fc.nat())
  .map(([payload, cut]) => {
    const text = JSON.stringify(payload);
    return text.slice(0, 1 + (cut % Math.max(1, text.length - 1)));
  })
  .filter((text) => {
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  });

/** zlib-stream as the gateway sends it: one deflate context, a sync flush after each payload. */
export class ZlibStream {
  readonly #deflate: Deflate = createDeflate();
  readonly #chunks: Buffer[] = [];

  constructor() {
    this.#deflate.on('data', (chunk: Buffer) => this.#chunks.push(chunk));
  }

  async encode(text: string): Promise<Buffer> {
    this.#deflate.write(text);
    await new Promise<void>((resolve) => this.#deflate.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    await nextTurn();
    return Buffer.concat(this.#chunks.splice(0));
  }

  close(): void {
    this.#deflate.destroy();
  }
}
