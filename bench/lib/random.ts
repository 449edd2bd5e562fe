/** A small seeded PRNG (mulberry32), so every run replays the same workload. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** A 18–19-digit snowflake for a plausible date (2016–2025). */
  snowflake(): string {
    const ms = BigInt(this.int(30_000_000_000, 320_000_000_000));
    const low = BigInt(this.int(0, 0x3f_ffff));
    return ((ms << 22n) | low).toString();
  }

  /** Lowercase hex (avatar and banner hashes are 32 hex digits). */
  hex(length: number): string {
    let out = '';
    while (out.length < length)
      out += Math.floor(this.next() * 0x1_0000_0000)
        .toString(16)
        .padStart(8, '0');
    return out.slice(0, length);
  }

  isoTimestamp(): string {
    const ms = 1_600_000_000_000 + Math.floor(this.next() * 150_000_000_000);
    return new Date(ms).toISOString().replace('Z', '000+00:00');
  }
}
