import { randomBytes } from 'node:crypto';
import { serializeFrame } from './payloads.js';

/** One dispatch as it went out, kept for replay with its original `s`. */
export interface BufferedDispatch {
  readonly s: number;
  readonly t: string;
  readonly frame: string;
}

/** Who a session is attached to; the connection class implements it. */
export interface SessionOwner {
  readonly id: number;
  deliver(frame: string): void;
  /** Another connection resumed the session: stop treating it as ours. */
  release(): void;
}

export type SessionStatus = 'connected' | 'disconnected' | 'destroyed';

export interface SessionInit {
  readonly shardId: number;
  readonly shardCount: number;
  /** Whether Identify carried `shard` (READY echoes it only then). */
  readonly shardSent: boolean;
  readonly intents: number;
  readonly largeThreshold: number;
  readonly replayBufferSize: number;
}

/**
 * A gateway session: the `s` counter and the replay buffer outlive sockets (docs/protocol/gateway.md §7).
 * At most one connection is attached; while none is, dispatches are buffered until the TTL ends.
 */
export class Session {
  /** 32 hex characters, like real session ids. */
  readonly id = randomBytes(16).toString('hex');
  readonly shardId: number;
  readonly shardCount: number;
  readonly shardSent: boolean;
  readonly intents: number;
  readonly largeThreshold: number;
  /** The `s` of the last dispatch of this session (0 before READY). */
  seq = 0;
  private owner: SessionOwner | null = null;
  private destroyed = false;
  private expiryTimer: NodeJS.Timeout | null = null;
  private readonly buffer: BufferedDispatch[] = [];
  private bufferHead = 0;
  private readonly replayBufferSize: number;

  constructor(init: SessionInit) {
    this.shardId = init.shardId;
    this.shardCount = init.shardCount;
    this.shardSent = init.shardSent;
    this.intents = init.intents;
    this.largeThreshold = init.largeThreshold;
    this.replayBufferSize = init.replayBufferSize;
  }

  get status(): SessionStatus {
    if (this.destroyed) return 'destroyed';
    return this.owner === null ? 'disconnected' : 'connected';
  }

  get connection(): SessionOwner | null {
    return this.owner;
  }

  /** Assigns the next `s`, keeps the dispatch for replay and sends it to the attached connection. */
  dispatch(t: string, d: unknown): BufferedDispatch {
    this.seq += 1;
    const entry: BufferedDispatch = { s: this.seq, t, frame: serializeFrame(0, d, this.seq, t) };
    if (this.replayBufferSize > 0) {
      this.buffer.push(entry);
      if (this.buffer.length - this.bufferHead > this.replayBufferSize) this.bufferHead += 1;
      if (this.bufferHead > 1024 && this.bufferHead * 2 > this.buffer.length) {
        this.buffer.splice(0, this.bufferHead);
        this.bufferHead = 0;
      }
    }
    this.owner?.deliver(entry.frame);
    return entry;
  }

  /**
   * The dispatches after `seq`, or null when the buffer no longer reaches `seq + 1` (then the
   * gateway answers op 9 `false`). Callers check `seq <= this.seq` first (else 4007).
   */
  replayAfter(seq: number): BufferedDispatch[] | null {
    if (seq === this.seq) return [];
    const oldest = this.buffer[this.bufferHead];
    if (oldest === undefined || oldest.s > seq + 1) return null;
    return this.buffer.slice(this.bufferHead + (seq + 1 - oldest.s));
  }

  attach(owner: SessionOwner): void {
    this.clearExpiry();
    this.owner = owner;
  }

  /** Detaches `owner` (if it still owns the session) and keeps the session resumable for `ttlMs`. */
  detach(owner: SessionOwner, ttlMs: number, onExpire: () => void): void {
    if (this.owner !== owner || this.destroyed) return;
    this.owner = null;
    this.clearExpiry();
    this.expiryTimer = setTimeout(onExpire, ttlMs);
    this.expiryTimer.unref();
  }

  isOwnedBy(owner: SessionOwner): boolean {
    return this.owner === owner;
  }

  destroy(): void {
    this.destroyed = true;
    this.owner = null;
    this.clearExpiry();
    this.buffer.length = 0;
    this.bufferHead = 0;
  }

  private clearExpiry(): void {
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
  }
}
