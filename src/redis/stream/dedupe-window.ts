/**
 * Which `(sessionId, seq)` pairs a consumer has seen, in bounded memory: per session the highest
 * `seq` and a bitmap of the `window` sequences below it; at most `maxSessions` sessions (the least
 * recently seen is forgotten first). A `seq` more than `window` below its session's highest counts as
 * seen: a replay older than the window is dropped (a producer replays only what it published after
 * the last sequence it saved, a few hundred ms of dispatches, far inside the default window). @internal
 */
export class DedupeWindow {
  readonly #window: number;
  readonly #maxSessions: number;
  readonly #sessions = new Map<string, SessionWindow>();

  constructor(window: number, maxSessions: number) {
    // A whole number of 32-bit words.
    this.#window = Math.ceil(window / 32) * 32;
    this.#maxSessions = maxSessions;
  }

  /** Records `(sessionId, seq)`; returns false when it was seen before (a duplicate). */
  add(sessionId: string, seq: number): boolean {
    let session = this.#sessions.get(sessionId);
    if (session === undefined) {
      if (this.#sessions.size >= this.#maxSessions) {
        const oldest = this.#sessions.keys().next().value as string;
        this.#sessions.delete(oldest);
      }
      session = { high: seq, bits: new Uint32Array(this.#window / 32) };
      mark(session.bits, seq, this.#window);
      this.#sessions.set(sessionId, session);
      return true;
    }
    // Most recently seen last: the Map's first key is the one to forget.
    this.#sessions.delete(sessionId);
    this.#sessions.set(sessionId, session);
    if (seq > session.high) {
      clearBetween(session.bits, session.high, seq, this.#window);
      session.high = seq;
      mark(session.bits, seq, this.#window);
      return true;
    }
    if (seq <= session.high - this.#window) return false;
    if (isMarked(session.bits, seq, this.#window)) return false;
    mark(session.bits, seq, this.#window);
    return true;
  }
}

interface SessionWindow {
  high: number;
  readonly bits: Uint32Array;
}

function mark(bits: Uint32Array, seq: number, window: number): void {
  const slot = seq % window;
  bits[slot >>> 5]! |= 1 << (slot & 31);
}

function isMarked(bits: Uint32Array, seq: number, window: number): boolean {
  const slot = seq % window;
  return (bits[slot >>> 5]! & (1 << (slot & 31))) !== 0;
}

/** Clears the slots of the sequences in (from, to]: they are new, not yet seen. */
function clearBetween(bits: Uint32Array, from: number, to: number, window: number): void {
  if (to - from >= window) {
    bits.fill(0);
    return;
  }
  for (let seq = from + 1; seq <= to; seq += 1) {
    const slot = seq % window;
    bits[slot >>> 5]! &= ~(1 << (slot & 31));
  }
}
