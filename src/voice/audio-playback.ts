import type { AudioTrack, PacketSource, PlayOptions as MediaPlayOptions } from './media/index.js';

/**
 * What `connection.play()` takes: Opus packets (an `AsyncIterable<Uint8Array>` or a `Readable`), an
 * Ogg/Opus byte stream (`{ type: 'ogg/opus' }`, or `oggOpusFile(path)`), or PCM (`{ type: 'pcm' }`,
 * s16le 48 kHz stereo, through an Opus encoder).
 */
export type AudioSource = PacketSource;

/** Options of `connection.play()`. */
export type PlayOptions = MediaPlayOptions;

/** A playing source: `finished` (a promise), `state`, counters and events. */
export type AudioPlayback = AudioTrack;
