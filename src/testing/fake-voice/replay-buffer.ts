/** One sequenced server message as it went out, kept for replay with its original `seq`. */
export interface BufferedVoiceMessage {
  readonly seq: number;
  readonly op: number;
  /** A JSON text frame, or a binary frame already carrying its seq. */
  readonly data: string | Buffer;
}

/** Sequence numbers are fixed-width and wrap (docs/protocol/voice.md §2.4); binary frames carry them as u16. */
const SEQ_MODULUS = 65_536;

/**
 * The `seq` counter and replay buffer of one voice session (gateway v8 "buffered resume",
 * docs/protocol/voice.md §2.4). Sequence numbers wrap at 2^16; a Resume's `seq_ack` is located by its
 * distance behind the last `seq`, which is unambiguous while fewer than 2^16 messages are kept.
 */
export class ReplayBuffer {
  private last: number | null = null;
  private sent = 0;
  private readonly entries: BufferedVoiceMessage[] = [];
  private head = 0;

  constructor(
    private readonly capacity: number,
    private readonly initialSeq: number,
  ) {}

  /** The `seq` of the last sequenced message, or -1 before the first (what a client's `seq_ack` starts at). */
  get lastSeq(): number {
    return this.last ?? -1;
  }

  /** How many sequenced messages the session has sent in all. */
  get total(): number {
    return this.sent;
  }

  /** Assigns the next `seq`, builds the frame with it and keeps it for replay. */
  next(op: number, build: (seq: number) => string | Buffer): BufferedVoiceMessage {
    const seq = this.last === null ? this.initialSeq : (this.last + 1) % SEQ_MODULUS;
    this.last = seq;
    this.sent += 1;
    const entry: BufferedVoiceMessage = { seq, op, data: build(seq) };
    if (this.capacity > 0) {
      this.entries.push(entry);
      if (this.entries.length - this.head > this.capacity) this.head += 1;
      if (this.head > 256 && this.head * 2 > this.entries.length) {
        this.entries.splice(0, this.head);
        this.head = 0;
      }
    }
    return entry;
  }

  /**
   * The messages after `seqAck`, oldest first; `-1` (nothing received) asks for all of them. Null when
   * `seqAck` was never sent on this session or the buffer no longer holds every missed message: the
   * server then closes with 4006 (docs/protocol/voice.md §2.4).
   */
  after(seqAck: number): BufferedVoiceMessage[] | null {
    const kept = this.entries.length - this.head;
    if (seqAck === -1) return kept === this.sent ? this.entries.slice(this.head) : null;
    if (this.last === null || !Number.isInteger(seqAck) || seqAck < 0 || seqAck >= SEQ_MODULUS) return null;
    const missed = (this.last - seqAck + SEQ_MODULUS) % SEQ_MODULUS;
    // `seqAck` one before the first seq means "nothing received" too; further back was never sent.
    if (missed > this.sent || missed > kept) return null;
    return this.entries.slice(this.entries.length - missed);
  }

  clear(): void {
    this.entries.length = 0;
    this.head = 0;
  }
}
