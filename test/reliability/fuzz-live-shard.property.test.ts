/**
 * Fuzzing a live shard: arbitrary and mutated inbound frames injected with `sendRaw` into a real
 * `Shard`'s zlib-stream connection to the `FakeGateway`, between dispatches. Nothing may crash; a
 * frame that cannot be decoded must surface as a `warning` carrying `GatewayDecodeError`
 * (`STATECORD_ERR_DECODE`) and lead to a reconnect and RESUME of the same session; a frame that is
 * valid but meaningless (unknown op, stray ACK, a replayed dispatch) changes nothing. In every case
 * the stream's dispatches are delivered exactly once, in order. Seeded and bounded.
 */
import { constants, deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { FakeGatewayConnection } from '../../src/testing/index.js';
import { countProcessErrors, useRigs } from './helpers.js';
import type { Rig } from './helpers.js';
import { invalidJson, mutatedPayload, oracle, wrongValue } from './inbound-oracle.js';

const SEED = 424_242;
const { readyRig } = useRigs();
const processErrors = countProcessErrors();
afterAll(() => processErrors.dispose());

/** What must happen after an injection. `either`: the bytes may or may not break the stream. */
type Expectation = 'reconnect' | 'nothing' | 'either';

interface Injection {
  readonly label: string;
  readonly expect: Expectation;
  readonly inject: (conn: FakeGatewayConnection, rig: Rig) => void;
}

const SUFFIX = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** A mutated payload is "reconnect" exactly when the documented contract makes it a decode error. */
const mutatedLifecycleFrame: fc.Arbitrary<Injection> = mutatedPayload
  .filter((value) => {
    const { outcome } = oracle(value, 10_000);
    // Only frames with no lifecycle effect of their own: a valid op 7/9/10 or READY would reconnect
    // or start a session for reasons other than decoding (tested elsewhere); a new `s` would corrupt the sequence.
    return outcome.kind === 'decode-error' || outcome.kind === 'ignored' || outcome.kind === 'ack';
  })
  .map((value) => ({
    label: `mutated ${JSON.stringify(value).slice(0, 80)}`,
    expect: oracle(value, 10_000).outcome.kind === 'decode-error' ? 'reconnect' : 'nothing',
    inject: (conn) => conn.sendRaw(JSON.stringify(value) ?? 'null'),
  }));

const injection: fc.Arbitrary<Injection> = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => ({
    label: `random bytes (${bytes.length})`,
    expect: 'either' as const,
    inject: (conn: FakeGatewayConnection) => conn.sendRaw(Buffer.from(bytes), { bypassCompression: true }),
  })),
  fc.string({ maxLength: 40 }).map((text) => ({
    label: 'a text frame on a zlib-stream connection',
    expect: 'reconnect' as const,
    inject: (conn: FakeGatewayConnection) => conn.sendRaw(text, { bypassCompression: true }),
  })),
  invalidJson.map((text) => ({
    label: `invalid JSON ${text.slice(0, 40)}`,
    expect: 'reconnect' as const,
    inject: (conn: FakeGatewayConnection) => conn.sendRaw(text),
  })),
  wrongValue.map((interval) => ({
    label: `HELLO with heartbeat_interval ${JSON.stringify(interval)}`,
    expect: 'reconnect' as const,
    inject: (conn: FakeGatewayConnection) =>
      conn.sendPayload({ op: 10, d: { heartbeat_interval: interval } }),
  })),
  fc.constantFrom('session_id', 'resume_gateway_url').map((field) => ({
    label: `READY without ${field}`,
    expect: 'reconnect' as const,
    inject: (conn: FakeGatewayConnection) => {
      const d: Record<string, unknown> = {
        session_id: 'x'.repeat(32),
        resume_gateway_url: 'ws://127.0.0.1:1',
      };
      delete d[field];
      conn.sendPayload({ op: 0, t: 'READY', s: 1, d });
    },
  })),
  mutatedLifecycleFrame,
  fc.tuple(fc.integer({ min: 12, max: 255 }), fc.jsonValue({ maxDepth: 2 })).map(([op, d]) => ({
    label: `unknown op ${op}`,
    expect: 'nothing' as const,
    inject: (conn: FakeGatewayConnection) => conn.sendRaw(JSON.stringify({ op, d, s: null, t: null })),
  })),
  fc.constant({
    label: 'a dispatch the shard already delivered, replayed with its s',
    expect: 'nothing' as const,
    inject: (conn: FakeGatewayConnection, rig: Rig) => {
      for (const payload of rig.ledger.recentlyDelivered(rig.sessionId)) {
        conn.sendPayload({ op: 0, s: payload.s, t: payload.t, d: payload.d });
      }
    },
  }),
  fc.nat().map((cut) => ({
    label: 'a truncated zlib stream of another connection',
    expect: 'either' as const,
    inject: (conn: FakeGatewayConnection) => {
      const whole = deflateSync(JSON.stringify({ op: 11 }), { finishFlush: constants.Z_SYNC_FLUSH });
      conn.sendRaw(whole.subarray(0, 1 + (cut % (whole.length - 1))), { bypassCompression: true });
    },
  })),
  fc.nat().map((cut) => ({
    label: 'an interleaved partial frame: half of another stream, then the suffix',
    expect: 'reconnect' as const,
    inject: (conn: FakeGatewayConnection) => {
      const whole = deflateSync(JSON.stringify({ op: 0, t: 'X', s: null, d: {} }), {
        finishFlush: constants.Z_SYNC_FLUSH,
      });
      const half = whole.subarray(0, 2 + (cut % (whole.length - 6)));
      conn.sendRaw(half, { bypassCompression: true });
      conn.sendRaw(SUFFIX, { bypassCompression: true });
    },
  })),
  fc.integer({ min: 1, max: 4 }).map((megabytes) => ({
    label: `a valid ${megabytes} MB dispatch`,
    expect: 'nothing' as const,
    inject: (_conn: FakeGatewayConnection, rig: Rig) => {
      rig.gateway.dispatch(
        'MESSAGE_CREATE',
        {
          id: 'huge',
          channel_id: '1',
          guild_id: '81384788765712384',
          content: 'x'.repeat(megabytes * 1024 * 1024),
        },
        { shardId: 0 },
      );
    },
  })),
);

describe('a live shard under arbitrary inbound frames', () => {
  it('never crashes; undecodable frames warn with GatewayDecodeError and are healed by a resume; dispatches stay exactly-once', async () => {
    const rig = await readyRig({ gateway: { heartbeatIntervalMs: 2_000 } });
    const session = rig.sessionId;
    await fc.assert(
      fc.asyncProperty(injection, async (attempt) => {
        await rig.sendAndReceive(2);
        const before = {
          connections: rig.gateway.stats.connections,
          decodeWarnings: rig.counters.decodeWarnings,
          resumed: rig.counters.resumed,
        };
        attempt.inject(rig.connection, rig);
        // Dispatches after the injection: delivered directly, or replayed by the resume.
        rig.send(2);
        await rig.delivered(`delivery after ${attempt.label}`, 8_000);
        const reconnected = rig.gateway.stats.connections > before.connections;
        const warned = rig.counters.decodeWarnings - before.decodeWarnings;
        if (attempt.expect === 'reconnect') expect([warned, reconnected], attempt.label).toEqual([1, true]);
        if (attempt.expect === 'nothing') expect([warned, reconnected], attempt.label).toEqual([0, false]);
        // A decode error (and only that) reconnects, and the connection after it RESUMEs the session.
        expect(reconnected, attempt.label).toBe(warned === 1);
        if (reconnected) expect(rig.counters.resumed, attempt.label).toBe(before.resumed + 1);
        expect(rig.sessionId).toBe(session);
        rig.expectClean();
      }),
      { seed: SEED, numRuns: 60 },
    );
    // Every warning carried the typed decode error.
    expect([...rig.counters.warningTypes.keys()]).toEqual(['GatewayDecodeError STATECORD_ERR_DECODE']);
    expect([...rig.counters.warnings.keys()]).toEqual([
      'an inbound frame could not be decoded; reconnecting [STATECORD_ERR_DECODE]',
    ]);
    expect(rig.counters.newSessions).toBe(0);
    expect(processErrors.rejections).toEqual([]);
    expect(processErrors.exceptions).toEqual([]);
  });
});
