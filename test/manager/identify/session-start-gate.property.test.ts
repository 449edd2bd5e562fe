import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShardStoppedError } from '../../../src/errors.js';
import { SessionStartGate } from '../../../src/manager/identify/index.js';
import { ManualClock } from './manual-clock.js';

/**
 * One shard asking to identify `delay` ms after the previous arrival; maybe aborted `abortAfter` ms
 * later. Times are small so that arrivals, aborts, slot ends and resets often fall on the same or
 * neighbouring milliseconds, where off-by-one mistakes live.
 */
const arrival = fc.record({
  shardId: fc.nat({ max: 23 }),
  delay: fc.nat({ max: 25 }),
  abortAfter: fc.option(fc.nat({ max: 60 }), { nil: undefined }),
});

const scenario = fc
  .record({
    maxConcurrency: fc.integer({ min: 1, max: 6 }),
    intervalMs: fc.integer({ min: 1, max: 20 }),
    total: fc.integer({ min: 1, max: 8 }),
    remainingShare: fc.double({ min: 0, max: 1, noNaN: true }),
    resetAfterMs: fc.nat({ max: 100 }),
    budgetWindowMs: fc.integer({ min: 1, max: 100 }),
    arrivals: fc.array(arrival, { minLength: 1, maxLength: 30 }),
  })
  .map((s) => ({ ...s, remaining: Math.floor(s.remainingShare * s.total) }));

describe('SessionStartGate properties (docs/protocol/gateway.md §5)', () => {
  it('for any arrival order and aborts: bucket spacing, budget per window, FIFO, nothing lost', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const clock = new ManualClock();
        const gate = new SessionStartGate({
          maxConcurrency: s.maxConcurrency,
          intervalMs: s.intervalMs,
          budget: { total: s.total, remaining: s.remaining, resetAfterMs: s.resetAfterMs },
          budgetWindowMs: s.budgetWindowMs,
          ...clock.gateOptions,
        });
        const grants: { shardId: number; bucket: number; at: number }[] = [];
        gate.on('identifyGranted', ({ shardId, bucket, at }) => grants.push({ shardId, bucket, at }));
        /** Arrival indices in the order their waits resolved. */
        const resolvedOrder: number[] = [];
        const outcomes: ('granted' | 'aborted')[] = [];
        const settled: Promise<void>[] = [];

        for (const [index, a] of s.arrivals.entries()) {
          await clock.advance(a.delay);
          const controller = new AbortController();
          settled.push(
            gate.waitForIdentify(a.shardId, controller.signal).then(
              () => {
                resolvedOrder.push(index);
                outcomes[index] = 'granted';
              },
              (error: unknown) => {
                expect(error).toBeInstanceOf(ShardStoppedError);
                outcomes[index] = 'aborted';
              },
            ),
          );
          if (a.abortAfter !== undefined) clock.setTimeout(() => controller.abort(), a.abortAfter);
        }
        await clock.runUntilIdle();
        await Promise.all(settled);

        // Nothing is lost: every wait settled, each grant resolved exactly one wait, aborts only if asked.
        expect(gate.waiting).toBe(0);
        expect(outcomes.filter((o) => o === 'granted')).toHaveLength(grants.length);
        s.arrivals.forEach((a, i) => {
          if (outcomes[i] === 'aborted') expect(a.abortAfter).toBeDefined();
        });
        expect(gate.granted).toBe(grants.length);

        // One identify per bucket per intervalMs.
        for (let bucket = 0; bucket < s.maxConcurrency; bucket += 1) {
          const times = grants.filter((g) => g.bucket === bucket).map((g) => g.at);
          for (let i = 1; i < times.length; i += 1) {
            expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(s.intervalMs);
          }
        }
        expect(grants.every((g) => g.bucket === g.shardId % s.maxConcurrency)).toBe(true);

        // Never more than `remaining` before the first reset, nor `total` in any later window.
        const windowOf = (at: number) =>
          at < s.resetAfterMs ? -1 : Math.floor((at - s.resetAfterMs) / s.budgetWindowMs);
        const perWindow = new Map<number, number>();
        for (const g of grants) perWindow.set(windowOf(g.at), (perWindow.get(windowOf(g.at)) ?? 0) + 1);
        for (const [window, count] of perWindow) {
          expect(count).toBeLessThanOrEqual(window === -1 ? s.remaining : s.total);
        }

        // FIFO within a bucket: grants of one bucket resolve in arrival order.
        for (let bucket = 0; bucket < s.maxConcurrency; bucket += 1) {
          const order = resolvedOrder.filter((i) => s.arrivals[i]!.shardId % s.maxConcurrency === bucket);
          expect(order).toEqual([...order].sort((x, y) => x - y));
        }

        // No timer is left once nobody waits.
        expect(clock.pendingTimers).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
