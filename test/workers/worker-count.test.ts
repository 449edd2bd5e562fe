import { describe, expect, it } from 'vitest';
import { MAX_AUTO_WORKERS, resolveWorkerCount } from '../../src/workers/worker-count.js';

describe("workers: 'auto'", () => {
  it.for([
    [1, 1],
    [2, 1],
    [8, 7],
    [64, MAX_AUTO_WORKERS],
  ] as const)('on %i cores runs %i workers (one core is left to the main thread)', ([cores, workers]) => {
    expect(resolveWorkerCount('auto', cores)).toBe(workers);
  });

  it('a number is taken as given', () => {
    expect(resolveWorkerCount(3, 2)).toBe(3);
  });
});
