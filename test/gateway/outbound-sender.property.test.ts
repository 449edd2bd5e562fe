import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConnectionClosedError } from '../../src/errors.js';
import type { SendPriority } from '../../src/gateway/outbound/index.js';
import {
  heartbeat,
  presence,
  presenceTag,
  resume,
  SenderHarness,
  settle,
  track,
  type Written,
} from './sender-harness.js';

type Command =
  | { kind: 'send'; priority: SendPriority; count: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'reconnect' }
  | { kind: 'open' }
  | { kind: 'hold' }
  | { kind: 'hello'; intervalMs: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('send' as const),
      priority: fc.constantFrom<SendPriority>('normal', 'normal', 'heartbeat', 'handshake'),
      count: fc.integer({ min: 1, max: 150 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      // Boundary steps too: a window edge is where an off-by-one would let a 121st frame through.
      ms: fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.constantFrom(1, 999, 29_999, 59_999, 60_000)),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'reconnect' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'open' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'hold' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('hello' as const),
      intervalMs: fc.integer({ min: 5_000, max: 60_000 }),
    }),
  },
);

/** The gateway's rule, checked on what the socket saw: no `limit` + 1 writes within any `windowMs`. */
function expectWithinLimit(written: readonly Written[], limit: number, windowMs: number): void {
  const byConnection = new Map<number, number[]>();
  for (const w of written) {
    const times = byConnection.get(w.connection) ?? [];
    times.push(w.at);
    byConnection.set(w.connection, times);
  }
  for (const times of byConnection.values()) {
    for (let i = 0; i + limit < times.length; i++) {
      expect((times[i + limit] ?? 0) - (times[i] ?? 0)).toBeGreaterThanOrEqual(windowMs);
    }
  }
}

describe('OutboundSender under random traffic (property)', () => {
  it('never writes more than 120 frames in any 60 s on a connection, and loses no normal send', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 40 }), async (commands) => {
        const harness = new SenderHarness();
        harness.connect();
        const normal: ReturnType<typeof track>[] = [];
        const lifecycle: ReturnType<typeof track>[] = [];
        for (const c of commands) {
          switch (c.kind) {
            case 'send':
              for (let i = 0; i < c.count; i++) {
                if (c.priority === 'normal') normal.push(track(harness.sender.send(presence(normal.length))));
                else if (c.priority === 'heartbeat')
                  lifecycle.push(track(harness.sender.send(heartbeat(i), 'heartbeat')));
                else lifecycle.push(track(harness.sender.send(resume(i), 'handshake')));
              }
              break;
            case 'advance':
              harness.clock.advance(c.ms);
              break;
            case 'reconnect':
              harness.sender.detach();
              harness.connect();
              break;
            case 'open':
              harness.sender.open();
              break;
            case 'hold':
              harness.sender.hold();
              break;
            case 'hello':
              harness.sender.setHeartbeatInterval(c.intervalMs);
              break;
          }
        }
        // Let everything drain: the budget is 116 normal sends a minute at worst, and the
        // heartbeat/handshake lanes drain before the normal one.
        harness.sender.open();
        const busy = () => harness.sender.queued + harness.sender.waiting > 0;
        for (let minute = 0; minute < 60 && busy(); minute++) harness.clock.advance(60_000);
        await settle();

        expectWithinLimit(harness.written, 120, 60_000);
        expect(normal.every((send) => send.state === 'sent')).toBe(true);
        const tags = harness.written.map(presenceTag).filter((tag) => tag !== undefined);
        expect(tags).toEqual(normal.map((_, index) => index));
        for (const send of lifecycle) {
          if (send.state === 'rejected') expect(send.error).toBeInstanceOf(ConnectionClosedError);
          else expect(send.state).toBe('sent');
        }
      }),
      { seed: 60_120, numRuns: 200 },
    );
  });
});
