import { TypedEmitter } from '../../util/typed-emitter.js';
import { AudioSourceError, type AudioSinkError } from './errors.js';
import type { PacketSource } from './packet-source.js';
import { TrackBuffer } from './track-buffer.js';

/**
 * Where a track is: `playing` (frames go out each tick, or the source is late), `paused` (nothing goes
 * out but the five silence frames of the pause), `ending` (the five silence frames after the end),
 * then `ended`, or `failed` when its source or the sink failed.
 */
export type AudioTrackState = 'playing' | 'paused' | 'ending' | 'ended' | 'failed';

/** Why a track ended. */
export type AudioTrackEndReason = 'finished' | 'stopped' | 'replaced' | 'failed';

/** Events of an `AudioTrack`, emitted after the tick that caused them (never inside a send). */
export interface AudioTrackEvents {
  /** The first frame went out. */
  start: undefined;
  /** The track ended (always the last event). */
  end: {
    /** Why it ended. */
    readonly reason: AudioTrackEndReason;
  };
  /** The source or the sink failed; `end` (reason `failed`) follows. */
  error: AudioSourceError | AudioSinkError;
}

/**
 * One source played by an `AudioPlayerCore`: returned by `play()`. It reads ahead up to
 * `bufferFrames` packets; the player takes one per tick.
 */
export class AudioTrack extends TypedEmitter<AudioTrackEvents> {
  /**
   * Settles when the track ends: resolves when it finished, was stopped or replaced; rejects with an
   * {@link AudioSourceError} or `AudioSinkError` when it failed. Not awaiting it is safe: the rejection
   * is marked handled (listen to `error` or await this to see it).
   */
  readonly finished: Promise<void>;
  #state: AudioTrackState = 'playing';
  #framesSent = 0;
  #silenceFramesSent = 0;
  #underruns = 0;
  #started = false;
  readonly #buffer: TrackBuffer;
  #sourceError: AudioSourceError | null = null;
  #resolve!: () => void;
  #reject!: (error: unknown) => void;

  /** @internal Made by `AudioPlayerCore.play`. */
  constructor(source: PacketSource, bufferFrames: number, onReadable: () => void) {
    super();
    this.finished = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.finished.catch(() => undefined);
    this.#buffer = new TrackBuffer(source, bufferFrames, onReadable);
  }

  get state(): AudioTrackState {
    return this.#state;
  }

  /** Audio frames sent (not counting silence). */
  get framesSent(): number {
    return this.#framesSent;
  }

  /** Silence frames sent for pauses and the end. */
  get silenceFramesSent(): number {
    return this.#silenceFramesSent;
  }

  /** Ticks that found no frame ready while the source was still going (nothing was sent then). */
  get underruns(): number {
    return this.#underruns;
  }

  /** @internal Whether a frame is ready or the source is done (so a tick has something to do). */
  get readable(): boolean {
    return this.#buffer.length > 0 || this.#buffer.drained;
  }

  /** @internal The next frame, or `'underrun'` when none is ready yet, or `'drained'` after the last. */
  take(): Uint8Array | 'underrun' | 'drained' {
    const frame = this.#buffer.shift();
    if (frame !== undefined) return frame;
    if (this.#buffer.drained) return 'drained';
    this.#underruns++;
    return 'underrun';
  }

  /** @internal The failure of the source once drained, if it failed. */
  get sourceError(): AudioSourceError | null {
    if (this.#sourceError === null && this.#buffer.failed) {
      this.#sourceError = new AudioSourceError(this.#buffer.error);
    }
    return this.#sourceError;
  }

  /** @internal */
  setState(state: 'playing' | 'paused' | 'ending'): void {
    this.#state = state;
  }

  /** @internal A frame went out. */
  countSent(silence: boolean): void {
    if (silence) {
      this.#silenceFramesSent++;
      return;
    }
    this.#framesSent++;
    if (!this.#started) {
      this.#started = true;
      queueMicrotask(() => this.emit('start', undefined));
    }
  }

  /** @internal Ends the track for good and stops reading its source. */
  finish(reason: AudioTrackEndReason, error: AudioSourceError | AudioSinkError | null = null): void {
    if (this.#state === 'ended' || this.#state === 'failed') return;
    this.#state = error === null ? 'ended' : 'failed';
    this.#buffer.close();
    queueMicrotask(() => {
      if (error !== null) this.emit('error', error);
      this.emit('end', { reason });
    });
    if (error === null) this.#resolve();
    else this.#reject(error);
  }
}
