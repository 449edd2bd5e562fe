/**
 * Sliding-window log: at most `limit` hits in any `windowMs`. Used for the per-connection
 * command limit (120 frames / 60 s, heartbeats included → 4008).
 */
export class SlidingWindow {
  private readonly hits: number[] = [];
  private head = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Records one hit at `now`; false when it exceeds the limit. */
  hit(now: number): boolean {
    while (this.head < this.hits.length && (this.hits[this.head] ?? 0) <= now - this.windowMs) this.head++;
    if (this.head > 1024) {
      this.hits.splice(0, this.head);
      this.head = 0;
    }
    this.hits.push(now);
    return this.hits.length - this.head <= this.limit;
  }
}
