/**
 * Wait before the `attempt`-th retry (1-based) after Redis failed: 100 ms doubling up to 5 s, with
 * up to 20 % jitter so that many processes do not retry in step. @internal
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(5_000, 100 * 2 ** Math.min(attempt - 1, 6));
  return Math.round(base * (0.8 + 0.2 * random()));
}
