/**
 * The session's last sequence number, kept outside the machine so the dispatch hot path can update it
 * without a transition (DESIGN.md principle 3). It belongs to the session, not the socket: it survives
 * resumes and is reset only by a new session's READY (docs/protocol/gateway.md §7, §12.8).
 */
export class SequenceTracker {
  value: number | null;

  constructor(initial: number | null = null) {
    this.value = initial;
  }

  /**
   * Records a dispatch's `s`. Returns false for a dispatch already seen in this session (a replay
   * overlapping what was delivered), so it is not delivered twice. A null `s` never overwrites (§12.7).
   */
  accept(s: number | null | undefined): boolean {
    if (typeof s !== 'number') return true;
    if (this.value !== null && s <= this.value) return false;
    this.value = s;
    return true;
  }

  /** A new session (READY) starts counting afresh. */
  restart(s: number | null | undefined): void {
    this.value = typeof s === 'number' ? s : null;
  }

  reset(): void {
    this.value = null;
  }
}
