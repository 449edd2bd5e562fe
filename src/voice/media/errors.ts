import { StatecordError } from '../../errors.js';

/**
 * Codes of the media-path errors (part of `StatecordErrorCode`).
 *
 * | code | class | when |
 * | --- | --- | --- |
 * | `STATECORD_ERR_OGG` | {@link OggDemuxError} | an Ogg/Opus input is not Ogg, is corrupt or truncated, or is not a single mono/stereo Opus stream |
 * | `STATECORD_ERR_OPUS_ENCODER_MISSING` | {@link MissingOpusEncoderError} | PCM was to be played but neither `@discordjs/opus` nor `opusscript` could be loaded |
 * | `STATECORD_ERR_AUDIO_SOURCE` | {@link AudioSourceError} | the source of a playback threw or emitted `error` (also an Ogg or encoder failure inside it) |
 * | `STATECORD_ERR_AUDIO_SINK` | {@link AudioSinkError} | the sink of a player (the connection's send path) threw |
 */
export type MediaErrorCode =
  | 'STATECORD_ERR_OGG'
  | 'STATECORD_ERR_OPUS_ENCODER_MISSING'
  | 'STATECORD_ERR_AUDIO_SOURCE'
  | 'STATECORD_ERR_AUDIO_SINK';

/**
 * An Ogg/Opus input could not be demuxed: not an Ogg stream, a page with a bad CRC or an unknown
 * version, a page sequence gap, a truncated page or packet at the end, no `OpusHead`, an unsupported
 * channel layout, or several logical streams interleaved (docs/protocol/voice.md §6.1). The message
 * names the input (a file path when there is one) and the byte offset of the fault.
 */
export class OggDemuxError extends StatecordError {
  /** The input's name (e.g. the file path), or null when none was given. */
  readonly source: string | null;
  /** Byte offset in the input where the faulty page (or the end of input) is. */
  readonly offset: number;
  /** What is wrong, without the position (e.g. `bad CRC`). */
  readonly reason: string;

  constructor(reason: string, offset: number, source: string | null = null) {
    super(
      'STATECORD_ERR_OGG',
      `${source ?? 'Ogg/Opus input'} is not playable: ${reason} (at byte ${offset})`,
    );
    this.source = source;
    this.offset = offset;
    this.reason = reason;
  }
}

/**
 * PCM was to be encoded, but no Opus encoder package could be loaded (docs/protocol/voice.md §6.2).
 * `cause` is an `AggregateError` of each package's load failure.
 */
export class MissingOpusEncoderError extends StatecordError {
  /** The packages tried, in order. */
  readonly tried: readonly string[];

  constructor(tried: readonly string[], failures: readonly unknown[]) {
    super(
      'STATECORD_ERR_OPUS_ENCODER_MISSING',
      `no Opus encoder could be loaded (tried ${tried.join(', ')}); install one: ` +
        '`npm install opusscript` (WebAssembly, no build step) or `npm install @discordjs/opus` (native, faster)',
      { cause: new AggregateError(failures, 'every Opus encoder package failed to load') },
    );
    this.tried = tried;
  }
}

/** The source of a playback failed (threw, rejected or emitted `error`); `cause` is what it threw. */
export class AudioSourceError extends StatecordError {
  constructor(cause: unknown) {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    super('STATECORD_ERR_AUDIO_SOURCE', `the audio source failed${detail}`, { cause });
  }
}

/** The sink of a player (the connection's packet path) threw; `cause` is what it threw. */
export class AudioSinkError extends StatecordError {
  constructor(cause: unknown) {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    super('STATECORD_ERR_AUDIO_SINK', `the audio sink failed${detail}`, { cause });
  }
}
