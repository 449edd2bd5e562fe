import { InvalidArgumentError } from '../../errors.js';
import type { SessionStartBudget } from './types.js';

/**
 * The daily session-start budget (docs/protocol/gateway.md §5: `total` identifies per window, shared by all shards;
 * Resume is free). Every identify spends one; at `resetAt` the budget refills to `total` and the next
 * window ends `windowMs` later.
 */
export class SessionBudget {
  readonly total: number;
  remaining: number;
  resetAt: number;
  readonly windowMs: number;

  constructor(budget: SessionStartBudget, now: number, windowMs: number) {
    checkBudget(budget);
    this.total = budget.total;
    this.remaining = budget.remaining;
    this.resetAt = now + budget.resetAfterMs;
    this.windowMs = windowMs;
  }

  /** Whether the reset time has come (a refill is due). */
  isResetDue(now: number): boolean {
    return now >= this.resetAt;
  }

  /** `remaining` as it is at `now`, counting a due refill, without applying it. */
  remainingAt(now: number): number {
    return this.isResetDue(now) ? this.total : this.remaining;
  }

  /** When the window that holds `now` ends: `resetAt`, or a later point on the window grid. */
  resetAtFor(now: number): number {
    if (!this.isResetDue(now)) return this.resetAt;
    return this.resetAt + (Math.floor((now - this.resetAt) / this.windowMs) + 1) * this.windowMs;
  }

  /** Applies a due refill; the next reset stays on the window grid. Returns whether it refilled. */
  refillIfDue(now: number): boolean {
    if (!this.isResetDue(now)) return false;
    this.remaining = this.total;
    this.resetAt = this.resetAtFor(now);
    return true;
  }
}

function checkBudget(budget: SessionStartBudget): void {
  for (const key of ['total', 'remaining', 'resetAfterMs'] as const) {
    const value = budget[key];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new InvalidArgumentError(`budget.${key} must be a non-negative integer, got ${String(value)}`);
    }
  }
}
