import { InvalidArgumentError } from '../../errors.js';
import { TypedEmitter } from '../../util/typed-emitter.js';
import { realMediaClock, type MediaClock } from './media-clock.js';
import { RtpSequenceWindow } from './rtp-sequence-window.js';
import { isSilenceFrame } from './silence-frame.js';
import { UserAudioStream } from './user-audio-stream.js';

/** Options of an {@link AudioReceiverCore}. */
export interface AudioReceiverCoreOptions {
  /** Default {@link realMediaClock}. */
  readonly clock?: MediaClock;
  /** Silence after which a user stops speaking, in ms (default 100, as @discordjs/voice). */
  readonly speakingTimeoutMs?: number;
  /** Default `highWaterMark` of subscriptions, in packets (default 64, 1.28 s of audio). */
  readonly highWaterMark?: number;
}

/** Options of {@link AudioReceiverCore.subscribe}. */
export interface SubscribeOptions {
  /**
   * End the stream after this much silence, in ms: no audio packet (silence frames do not count)
   * for that long. The window opens with the first audio packet after subscribing, so a stream made
   * before the user speaks waits for them. Default: the stream ends only on `unsubscribe`/`destroy`.
   */
  readonly endAfterSilenceMs?: number;
  /** Packets kept for a slow reader before the oldest are dropped (default: the receiver's, 64). */
  readonly highWaterMark?: number;
}

/** A user starting or stopping to speak, as seen in their packets. */
export interface SpeakingChange {
  /** The user who started or stopped speaking. */
  readonly userId: string;
  /** The RTP SSRC of their audio. */
  readonly ssrc: number;
}

/** Events of an {@link AudioReceiverCore}. */
export interface AudioReceiverEvents {
  /** The first audio packet of a user after silence. */
  'speaking.start': SpeakingChange;
  /** No audio packet of a speaking user for `speakingTimeoutMs`. */
  'speaking.end': SpeakingChange;
}

interface Sender {
  readonly ssrc: number;
  readonly userId: string;
  readonly sequences: RtpSequenceWindow;
  speaking: boolean;
  lastAudioAt: number;
  timer: unknown;
}

interface Subscription {
  readonly stream: UserAudioStream;
  readonly endAfterSilenceMs: number | null;
  lastAudioAt: number;
  timer: unknown;
}

/**
 * The receive side of a connection, after transport (and E2E) decryption: SSRC → user (op 5 Speaking,
 * docs/protocol/voice.md §2.2), per-user subscriptions as object-mode Readables, and speaking events.
 * Packets are delivered in arrival order, duplicates (same RTP sequence, across the 2^16 wrap)
 * dropped. Packets of an SSRC no op 5 has mapped yet are dropped and counted (their user is unknown,
 * and DAVE could not have decrypted them). A plain class: `push` is the per-packet hot path.
 *
 * Timers (speaking end, silence end) are one per speaking user and per timed subscription, armed
 * lazily: a packet only records its time, and an expiring timer re-arms for the remainder.
 */
export class AudioReceiverCore extends TypedEmitter<AudioReceiverEvents> {
  readonly #clock: MediaClock;
  readonly #speakingTimeoutMs: number;
  readonly #highWaterMark: number;
  readonly #senders = new Map<number, Sender>();
  readonly #ssrcOfUser = new Map<string, number>();
  readonly #subscriptions = new Map<string, Subscription>();
  #duplicates = 0;
  #unmapped = 0;
  #destroyed = false;

  constructor(options: AudioReceiverCoreOptions = {}) {
    super();
    this.#clock = options.clock ?? realMediaClock;
    this.#speakingTimeoutMs = options.speakingTimeoutMs ?? 100;
    this.#highWaterMark = options.highWaterMark ?? 64;
  }

  /** Packets dropped as duplicates. */
  get duplicates(): number {
    return this.#duplicates;
  }

  /** Packets dropped because their SSRC was not mapped to a user. */
  get unmapped(): number {
    return this.#unmapped;
  }

  /** The user of `ssrc`, if op 5 mapped it. A bound function: pass it as `VoicePacketReader`'s `userIdOf`. */
  readonly userIdOf = (ssrc: number): string | undefined => this.#senders.get(ssrc)?.userId;

  /** Whether `userId` is speaking now. */
  isSpeaking(userId: string): boolean {
    const ssrc = this.#ssrcOfUser.get(userId);
    return ssrc !== undefined && this.#senders.get(ssrc)?.speaking === true;
  }

  /** Maps an SSRC to its user (from op 5 Speaking). A new SSRC for a user, or user for an SSRC, replaces the old. */
  mapSsrc(ssrc: number, userId: string): void {
    const current = this.#senders.get(ssrc);
    if (current?.userId === userId || this.#destroyed) return;
    if (current !== undefined) this.#forget(current);
    const previousSsrc = this.#ssrcOfUser.get(userId);
    const previous = previousSsrc === undefined ? undefined : this.#senders.get(previousSsrc);
    if (previous !== undefined) this.#forget(previous);
    this.#senders.set(ssrc, {
      ssrc,
      userId,
      sequences: new RtpSequenceWindow(),
      speaking: false,
      lastAudioAt: 0,
      timer: null,
    });
    this.#ssrcOfUser.set(userId, ssrc);
  }

  /** Forgets a user's SSRC (op 13 Client Disconnect); ends their speaking. Subscriptions stay. */
  unmapUser(userId: string): void {
    const ssrc = this.#ssrcOfUser.get(userId);
    const sender = ssrc === undefined ? undefined : this.#senders.get(ssrc);
    if (sender !== undefined) this.#forget(sender);
  }

  /**
   * One received Opus frame (after decryption). `timestamp` is the RTP timestamp; delivery is in
   * arrival order, so it is not used to reorder. Returns whether the frame was delivered (false for
   * a duplicate, an unmapped SSRC, or after `destroy`). The receiver keeps `opus`: do not reuse it.
   */
  push(ssrc: number, sequence: number, timestamp: number, opus: Uint8Array): boolean {
    const sender = this.#senders.get(ssrc);
    if (sender === undefined) {
      if (!this.#destroyed) this.#unmapped++;
      return false;
    }
    if (!sender.sequences.accept(sequence)) {
      this.#duplicates++;
      return false;
    }
    const audio = !isSilenceFrame(opus);
    const subscription = this.#subscriptions.get(sender.userId);
    if (audio) {
      const now = this.#clock.now();
      sender.lastAudioAt = now;
      if (!sender.speaking) {
        sender.speaking = true;
        this.#armSpeaking(sender, this.#speakingTimeoutMs);
        this.emit('speaking.start', { userId: sender.userId, ssrc });
      }
      if (subscription !== undefined && subscription.endAfterSilenceMs !== null) {
        subscription.lastAudioAt = now;
        if (subscription.timer === null) this.#armSilence(subscription, subscription.endAfterSilenceMs);
      }
    }
    subscription?.stream.enqueue(opus);
    return true;
  }

  /**
   * A Readable of `userId`'s Opus packets from now on. While one is open for the user, the same stream
   * is returned (its options stay those it was made with).
   *
   * @throws InvalidArgumentError after `destroy()`, or for a negative `endAfterSilenceMs`.
   */
  subscribe(userId: string, options: SubscribeOptions = {}): UserAudioStream {
    if (this.#destroyed) throw new InvalidArgumentError('the receiver is destroyed');
    const existing = this.#subscriptions.get(userId);
    if (existing !== undefined) return existing.stream;
    const endAfterSilenceMs = options.endAfterSilenceMs ?? null;
    if (endAfterSilenceMs !== null && !(endAfterSilenceMs >= 0)) {
      throw new InvalidArgumentError(`endAfterSilenceMs must be ≥ 0, got ${endAfterSilenceMs}`, {
        option: 'endAfterSilenceMs',
      });
    }
    const stream = new UserAudioStream(userId, options.highWaterMark ?? this.#highWaterMark, (closed) =>
      this.#closed(closed),
    );
    this.#subscriptions.set(userId, { stream, endAfterSilenceMs, lastAudioAt: 0, timer: null });
    return stream;
  }

  /** Ends `userId`'s subscription (after the packets it already holds). Returns whether there was one. */
  unsubscribe(userId: string): boolean {
    const subscription = this.#subscriptions.get(userId);
    if (subscription === undefined) return false;
    this.#endSubscription(subscription);
    return true;
  }

  /** Ends every subscription and speaking state; later packets are ignored. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    for (const sender of [...this.#senders.values()]) this.#forget(sender);
    for (const subscription of [...this.#subscriptions.values()]) this.#endSubscription(subscription);
  }

  #forget(sender: Sender): void {
    this.#senders.delete(sender.ssrc);
    if (this.#ssrcOfUser.get(sender.userId) === sender.ssrc) this.#ssrcOfUser.delete(sender.userId);
    if (sender.timer !== null) this.#clock.clearTimeout(sender.timer);
    sender.timer = null;
    if (sender.speaking) {
      sender.speaking = false;
      this.emit('speaking.end', { userId: sender.userId, ssrc: sender.ssrc });
    }
  }

  #armSpeaking(sender: Sender, ms: number): void {
    sender.timer = this.#clock.setTimeout(() => {
      sender.timer = null;
      const quietFor = this.#clock.now() - sender.lastAudioAt;
      if (quietFor < this.#speakingTimeoutMs) {
        this.#armSpeaking(sender, this.#speakingTimeoutMs - quietFor);
        return;
      }
      sender.speaking = false;
      this.emit('speaking.end', { userId: sender.userId, ssrc: sender.ssrc });
    }, ms);
  }

  #armSilence(subscription: Subscription, ms: number): void {
    const limit = subscription.endAfterSilenceMs ?? Infinity;
    subscription.timer = this.#clock.setTimeout(() => {
      subscription.timer = null;
      const quietFor = this.#clock.now() - subscription.lastAudioAt;
      if (quietFor < limit) this.#armSilence(subscription, limit - quietFor);
      else this.#endSubscription(subscription);
    }, ms);
  }

  #endSubscription(subscription: Subscription): void {
    this.#release(subscription);
    subscription.stream.finish();
  }

  /** A stream ended or was destroyed by its reader: forget its subscription. */
  #closed(stream: UserAudioStream): void {
    const subscription = this.#subscriptions.get(stream.userId);
    if (subscription?.stream === stream) this.#release(subscription);
  }

  #release(subscription: Subscription): void {
    if (this.#subscriptions.get(subscription.stream.userId) === subscription) {
      this.#subscriptions.delete(subscription.stream.userId);
    }
    if (subscription.timer !== null) this.#clock.clearTimeout(subscription.timer);
    subscription.timer = null;
  }
}
