import { TypedEmitter } from '../util/typed-emitter.js';
import type {
  AudioPlayerCore,
  AudioTrack,
  AudioTrackEvents,
  AudioTrackState,
  PacketSource,
} from './media/index.js';

/**
 * What `connection.play()` takes: Opus packets (an `AsyncIterable<Uint8Array>` or a `Readable`), an
 * Ogg/Opus byte stream (`{ type: 'ogg/opus' }`, or `oggOpusFile(path)` as Opus packets), or PCM
 * (`{ type: 'pcm' }`, s16le 48 kHz stereo, through an Opus encoder).
 */
export type AudioSource = PacketSource;

/** Options of `connection.play()`: the source `type` (`opus` by default), a `name` for errors, PCM encoding. */
export type { PlayOptions } from './media/index.js';

/**
 * A playing source, returned by `connection.play()`: `finished` settles when it ends (rejects with a
 * typed error when its source fails); `pause()`, `resume()` and `stop()` control it while it is the
 * connection's current source; events `start`, `end` and `error`.
 */
export class AudioPlayback extends TypedEmitter<AudioTrackEvents> {
  /** Resolves when the source finished, was stopped or replaced; rejects when it failed (marked handled). */
  readonly finished: Promise<void>;
  readonly #track: AudioTrack;
  readonly #player: AudioPlayerCore;

  /** @internal */
  constructor(track: AudioTrack, player: AudioPlayerCore) {
    super();
    this.#track = track;
    this.#player = player;
    this.finished = track.finished;
    track.on('start', () => this.emit('start', undefined));
    track.on('end', (event) => this.emit('end', event));
    track.on('error', (error) => this.emit('error', error));
  }

  /** `playing`, `paused`, `ending` (the five silence frames), `ended` or `failed`. */
  get state(): AudioTrackState {
    return this.#track.state;
  }

  /** Opus frames sent (silence frames not counted). */
  get framesSent(): number {
    return this.#track.framesSent;
  }

  /** Ticks on which the source had no frame ready. */
  get underruns(): number {
    return this.#track.underruns;
  }

  /** Pauses (five silence frames, then Speaking off). Returns false when not playing. */
  pause(): boolean {
    return this.#current() && this.#player.pause();
  }

  /** Resumes a paused playback. Returns false when not paused. */
  resume(): boolean {
    return this.#current() && this.#player.resume();
  }

  /** Stops (five silence frames if it was sounding, then `end` with reason `stopped`). */
  stop(): void {
    if (this.#current()) this.#player.stop();
  }

  #current(): boolean {
    return this.#player.track === this.#track;
  }
}
