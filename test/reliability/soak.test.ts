/**
 * The chaos soak, short: 4 shards for 4 s under a seeded fault schedule (every fault kind at least
 * once), with every invariant checked (RELIABILITY.md). The long run is `npm run soak`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FAULT_WEIGHTS } from './soak/faults.js';
import { formatSoakReport } from './soak/format.js';
import { runSoak } from './soak/soak.js';
import { countProcessErrors } from './helpers.js';

const SEED = 7_2026;
const processErrors = countProcessErrors();
afterAll(() => processErrors.dispose());

describe('chaos soak (short)', () => {
  it('4 shards, 4 s, every fault kind: exactly-once within sessions, gaps reported, identify limits kept, all ready, nothing unhandled', async () => {
    const report = await runSoak({
      seed: SEED,
      durationMs: 4_000,
      // Under load fewer faults fit in 4 s: go on until every kind was injected once.
      untilEveryFaultKindMs: 30_000,
      shards: 4,
      faultsPerShardPerSecond: 2.5,
      dispatchesPerShardPerSecond: 20,
      slowReaderBurst: 200,
      measureMemory: false,
    });
    const errors = {
      unhandledRejections: processErrors.rejections.length,
      uncaughtExceptions: processErrors.exceptions.length,
    };
    expect(report.violationSamples, formatSoakReport(report, errors)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.allReady).toBe(true);
    expect(report.totals.duplicated).toBe(0);
    expect(report.totals.lostSilently).toBe(0);
    expect(report.totals.received).toBeGreaterThan(0);
    expect(report.identifies.rateViolations).toBe(0);
    expect(report.identifies.budgetRefused).toBe(0);
    expect(report.identifies.maxPerBucketWindow).toBeLessThanOrEqual(1);
    expect(Object.keys(report.faults).sort()).toEqual(Object.keys(FAULT_WEIGHTS).sort());
    expect(report.decodeWarnings).toBeGreaterThan(0);
    expect(errors).toEqual({ unhandledRejections: 0, uncaughtExceptions: 0 });
  }, 90_000);
});
