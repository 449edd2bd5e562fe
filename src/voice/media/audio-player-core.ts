import { AudioPacer } from './audio-pacer.js';
import { AudioTrack } from './audio-track.js';
import { demuxOggOpus } from './demux-ogg-opus.js';
import { encodePcm, type EncodePcmOptions } from './encode-pcm.js';
import { AudioSinkError, type AudioSourceError } from './errors.js';
import type { FrameScheduler } from './frame-scheduler.js';
import { checkPacketSource, type PacketSource } from './packet-source.js';
import { SILENCE_FRAME, SILENCE_FRAMES_ON_STOP } from './silence-frame.js';

/**
 * Where a player's frames go: the connection, which packetizes, encrypts and sends them
 * (docs/protocol/voice.md §3.2–3.5) and sends op 5 Speaking (§2.2).
 */
export interface AudioSink {
  /** Sends one 20 ms Opus frame now. The frame must not be modified or kept (silence is shared). */
  sendOpus(frame: Uint8Array): void;
  /** Sends op 5 Speaking: a non-zero flag before the first frame (§2.3 step 5), 0 after the last. */
  setSpeaking(on: boolean): void;
}

/** What a source holds: Opus packets (default), an Ogg/Opus byte stream, or raw PCM to encode. */
export type PacketSourceType = 'opus' | 'ogg/opus' | 'pcm';

/** Options of `AudioPlayerCore.play`. */
export interface PlayOptions {
  /** Default `opus`: one Opus packet per chunk. */
  readonly type?: PacketSourceType;
  /** `ogg/opus`: the input's name in error messages (e.g. a file path). */
  readonly name?: string;
  /** `pcm`: the encoder, or how to load one (docs/protocol/voice.md §6.2). */
  readonly pcm?: EncodePcmOptions;
}

/** Options of an {@link AudioPlayerCore}. */
export interface AudioPlayerCoreOptions {
  /** Default: the process-wide shared scheduler (one timer for every player). */
  readonly scheduler?: FrameScheduler;
  /** Most frames owed after an event-loop stall that are still sent, one per timer turn (default 5). */
  readonly maxBurst?: number;
  /** Packets read ahead of the tick (default 10, 200 ms of audio). */
  readonly bufferFrames?: number;
}

/** What a player is doing: nothing, or its current track's state. */
export type AudioPlayerState = 'idle' | 'playing' | 'paused' | 'ending';

/**
 * Plays Opus sources into a sink, one frame per 20 ms tick of an `AudioPacer` (docs/protocol/voice.md
 * §3.5). A plain class, not a machine: this is the per-frame hot path. The rules it keeps:
 * - Speaking on before the first frame (§2.3 step 5): `setSpeaking(true)` right before the first frame
 *   after a start or resume.
 * - Five silence frames `F8 FF FE`, one per tick, when audio stops: at the end of the source, on
 *   `stop()` and on `pause()`; then `setSpeaking(false)` (§3.5). Nothing goes out while paused.
 * - A source slower than real time: the tick sends nothing (an underrun, counted on the track) and the
 *   next ticks send one frame each, no burst to catch up. The pacer starts only once the first frame is
 *   ready, so a slow start is not an underrun.
 * - `play()` while a track plays replaces it at once (reason `replaced`): audio continues, so no
 *   silence between them.
 */
export class AudioPlayerCore {
  readonly #sink: AudioSink;
  readonly #pacer: AudioPacer;
  readonly #bufferFrames: number;
  #track: AudioTrack | null = null;
  #speaking = false;
  /** Silence frames still to send before `#afterSilence`. */
  #silenceLeft = 0;
  #afterSilence: 'pause' | 'end' = 'end';
  /** Why the track in `ending` ends: its source finished (or failed), or `stop()`. */
  #endReason: 'finished' | 'stopped' = 'finished';

  constructor(sink: AudioSink, options: AudioPlayerCoreOptions = {}) {
    this.#sink = sink;
    this.#bufferFrames = options.bufferFrames ?? 10;
    this.#pacer = new AudioPacer(() => this.#tick(), {
      ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
      ...(options.maxBurst === undefined ? {} : { maxBurst: options.maxBurst }),
    });
  }

  /** The track being played (or paused, or ending), if any. */
  get track(): AudioTrack | null {
    return this.#track;
  }

  /** `idle`, or the current track's state. */
  get state(): AudioPlayerState {
    const state = this.#track?.state;
    return state === 'playing' || state === 'paused' || state === 'ending' ? state : 'idle';
  }

  /**
   * Plays `source` (replacing the current track). `type` says what it holds; Ogg/Opus is demuxed and
   * PCM encoded on the way (docs/protocol/voice.md §6.1).
   *
   * @throws InvalidArgumentError when `source` is neither an async iterable nor a Readable.
   * @example
   * const track = player.play(oggOpusFile('./song.opus'));
   * await track.finished;
   */
  play(source: PacketSource, options: PlayOptions = {}): AudioTrack {
    checkPacketSource(source);
    const previous = this.#track;
    const track = new AudioTrack(toPackets(source, options), this.#bufferFrames, () =>
      this.#onReadable(track),
    );
    this.#track = track;
    this.#silenceLeft = 0;
    previous?.finish('replaced');
    // Ticks run again once the new track's first frame is ready (#onReadable).
    this.#pacer.stop();
    return track;
  }

  /** Pauses: five silence frames, Speaking off, then nothing. Returns false when nothing was playing. */
  pause(): boolean {
    const track = this.#track;
    if (track?.state !== 'playing') return false;
    track.setState('paused');
    this.#stopAudio('pause');
    return true;
  }

  /**
   * The connection cannot carry audio for now (it reconnects or resumes): a playing track pauses at
   * once, without silence frames (none could arrive), and Speaking counts as off, as the connection's
   * state says: after a resume, Speaking goes out again before the first frame (docs/protocol/voice.md
   * §2.4). A pause or stop in progress completes at once. Returns true when a playing track paused.
   */
  interrupt(): boolean {
    this.#speaking = false;
    const track = this.#track;
    if (track === null) return false;
    if (track.state === 'playing') {
      track.setState('paused');
      this.#silenceLeft = 0;
      this.#pacer.stop();
      return true;
    }
    if (this.#silenceLeft > 0) {
      this.#silenceLeft = 0;
      this.#afterStop();
    }
    return false;
  }

  /** Resumes a paused track (Speaking goes on again with its next frame). Returns false when not paused. */
  resume(): boolean {
    const track = this.#track;
    if (track?.state !== 'paused') return false;
    track.setState('playing');
    this.#silenceLeft = 0;
    if (track.readable) this.#pacer.start();
    return true;
  }

  /** Stops the current track: five silence frames if it was sounding, Speaking off, `end` (reason `stopped`). */
  stop(): void {
    const track = this.#track;
    if (track === null) return;
    if (track.state === 'ending') return;
    if (this.#silenceLeft === 0 && !this.#speaking) {
      this.#finish(track, 'stopped');
      return;
    }
    track.setState('ending');
    this.#endReason = 'stopped';
    this.#stopAudio('end');
  }

  #onReadable(track: AudioTrack): void {
    if (track === this.#track && track.state === 'playing') this.#pacer.start();
  }

  /** Begins the five silence frames (or, when nothing sounded, goes straight to what follows). */
  #stopAudio(after: 'pause' | 'end'): void {
    this.#afterSilence = after;
    if (!this.#speaking) {
      this.#afterStop();
      return;
    }
    if (this.#silenceLeft === 0) this.#silenceLeft = SILENCE_FRAMES_ON_STOP;
    this.#pacer.start();
  }

  #tick(): void {
    const track = this.#track;
    if (track === null) {
      this.#pacer.stop();
      return;
    }
    if (this.#silenceLeft === 0) {
      if (track.state !== 'playing') {
        this.#pacer.stop();
        return;
      }
      const frame = track.take();
      if (frame === 'underrun') return;
      if (frame !== 'drained') {
        if (!this.#speaking && !this.#setSpeaking(track, true)) return;
        this.#send(track, frame, false);
        return;
      }
      // The source is done: this tick sends the first silence frame (or ends at once if silent).
      track.setState('ending');
      this.#endReason = 'finished';
      this.#stopAudio('end');
      if (this.#silenceLeft === 0) return;
    }
    this.#silenceLeft--;
    if (!this.#send(track, SILENCE_FRAME, true)) return;
    if (this.#silenceLeft === 0) this.#afterStop();
  }

  /** After the silence frames: Speaking off, then pause or end. */
  #afterStop(): void {
    const track = this.#track;
    this.#pacer.stop();
    if (track === null) return;
    if (this.#speaking && !this.#setSpeaking(track, false)) return;
    if (this.#afterSilence === 'pause' && track.state === 'paused') return;
    const error = track.sourceError;
    if (error !== null && this.#endReason === 'finished') this.#fail(track, error);
    else this.#finish(track, this.#endReason);
  }

  #send(track: AudioTrack, frame: Uint8Array, silence: boolean): boolean {
    try {
      this.#sink.sendOpus(frame);
    } catch (error) {
      this.#sinkFailed(track, error);
      return false;
    }
    track.countSent(silence);
    return true;
  }

  #setSpeaking(track: AudioTrack, on: boolean): boolean {
    try {
      this.#sink.setSpeaking(on);
      this.#speaking = on;
      return true;
    } catch (error) {
      this.#sinkFailed(track, error);
      return false;
    }
  }

  #sinkFailed(track: AudioTrack, error: unknown): void {
    this.#silenceLeft = 0;
    if (this.#speaking) {
      this.#speaking = false;
      try {
        this.#sink.setSpeaking(false);
      } catch {
        // The sink is broken; the failure below already reports it.
      }
    }
    this.#fail(track, new AudioSinkError(error));
  }

  #fail(track: AudioTrack, error: AudioSinkError | AudioSourceError): void {
    this.#pacer.stop();
    if (this.#track === track) this.#track = null;
    track.finish('failed', error);
  }

  #finish(track: AudioTrack, reason: 'finished' | 'stopped'): void {
    this.#pacer.stop();
    this.#silenceLeft = 0;
    if (this.#track === track) this.#track = null;
    track.finish(reason);
  }
}

function toPackets(source: PacketSource, options: PlayOptions): PacketSource {
  switch (options.type) {
    case 'ogg/opus':
      return demuxOggOpus(source, options.name === undefined ? {} : { name: options.name });
    case 'pcm':
      return encodePcm(source, options.pcm);
    default:
      return source;
  }
}
