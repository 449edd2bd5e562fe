/** How many sequence numbers back a late packet is still checked against (128 packets, 2.56 s). */
const WINDOW = 128;

/**
 * Tells new RTP packets from duplicates by sequence number, across the wrap at 2^16 (RFC 3550 §A.1
 * style): remembers which of the last 128 numbers were seen. A packet ahead of the highest (by less
 * than half the number space) is new; one behind is new unless seen; one further behind than the
 * window means the sender restarted its numbering (a new random start), so the window restarts.
 *
 * @internal
 */
export class RtpSequenceWindow {
  #highest = -1;
  /** `seen[s % 128] === s` when sequence s was seen (128 divides 2^16, so this survives the wrap). */
  readonly #seen = new Int32Array(WINDOW).fill(-1);

  /** Records `sequence`; false when it was seen already (a duplicate). */
  accept(sequence: number): boolean {
    const highest = this.#highest;
    if (highest === -1) return this.#restart(sequence);
    const ahead = (sequence - highest) & 0xffff;
    if (ahead === 0) return false;
    if (ahead < 0x8000) {
      if (ahead >= WINDOW) this.#seen.fill(-1);
      else for (let skipped = 1; skipped < ahead; skipped++) this.#seen[(highest + skipped) % WINDOW] = -1;
      this.#highest = sequence;
      this.#seen[sequence % WINDOW] = sequence;
      return true;
    }
    if (0x1_0000 - ahead >= WINDOW) return this.#restart(sequence);
    if (this.#seen[sequence % WINDOW] === sequence) return false;
    this.#seen[sequence % WINDOW] = sequence;
    return true;
  }

  /** Forgets everything (the SSRC got a new owner). */
  reset(): void {
    this.#highest = -1;
    this.#seen.fill(-1);
  }

  #restart(sequence: number): true {
    this.#seen.fill(-1);
    this.#highest = sequence;
    this.#seen[sequence % WINDOW] = sequence;
    return true;
  }
}
