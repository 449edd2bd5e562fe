import { InvalidArgumentError } from '../../errors.js';
import { MissingOpusEncoderError } from './errors.js';
import { PCM_FRAME_BYTES } from './pcm-frames.js';

/** The encoder packages tried, in the default order: native first, then WebAssembly. */
export type OpusEncoderPackage = '@discordjs/opus' | 'opusscript';

/** An Opus encoder for Discord's format: 48 kHz stereo, 20 ms frames (docs/protocol/voice.md §3.5). */
export interface OpusEncoder {
  /** The package doing the work. */
  readonly package: OpusEncoderPackage;
  /**
   * One Opus packet for one frame of PCM: exactly 3,840 bytes, s16le, 48 kHz, stereo interleaved
   * (960 samples per channel). The packet is a fresh Buffer.
   *
   * @throws InvalidArgumentError for another length, or after {@link close}.
   */
  encode(pcm: Buffer): Buffer;
  /** Frees the encoder (opusscript holds WebAssembly memory until then). Idempotent. */
  close(): void;
}

/** Options of {@link loadOpusEncoder}. */
export interface LoadOpusEncoderOptions {
  /** Packages to try, in order. Default `['@discordjs/opus', 'opusscript']`. */
  readonly packages?: readonly OpusEncoderPackage[];
  /** Target bitrate in bits/s (e.g. 64000, Discord's default channel bitrate). Default: libopus's. */
  readonly bitrate?: number;
  /** How a package is loaded. Default: dynamic `import()`. Tests inject failures here. @internal */
  readonly importModule?: (specifier: string) => Promise<unknown>;
}

const SAMPLE_RATE = 48_000;
const CHANNELS = 2;
const FRAME_SAMPLES = 960;
/** `OPUS_SET_BITRATE_REQUEST` from libopus's opus_defines.h. */
const OPUS_SET_BITRATE = 4002;
/** `OPUS_APPLICATION_AUDIO`. */
const APPLICATION_AUDIO = 2049;

interface DiscordjsOpusEncoder {
  encode(pcm: Buffer): Buffer;
  setBitrate(bitrate: number): void;
}
type DiscordjsOpusModule = { OpusEncoder: new (rate: number, channels: number) => DiscordjsOpusEncoder };

interface OpusScriptInstance {
  encode(pcm: Buffer, frameSize: number): Buffer;
  encoderCTL(ctl: number, value: number): void;
  delete(): void;
}
type OpusScriptConstructor = new (rate: number, channels: number, application: number) => OpusScriptInstance;

/**
 * An Opus encoder from the first optional peer package that loads (docs/protocol/voice.md §6.2):
 * `@discordjs/opus` (native, fastest; its install may need a compiler), then `opusscript`
 * (WebAssembly, installs anywhere). Neither is a dependency of statecord: they are loaded on demand,
 * only when PCM is played, so bots that send Opus or Ogg/Opus never need one.
 *
 * @throws MissingOpusEncoderError (rejection) when none loads; it says how to install one, and its
 *   `cause` holds each package's failure.
 * @example
 * ```ts
 * import { loadOpusEncoder } from 'statecord';
 *
 * const encoder = await loadOpusEncoder({ bitrate: 64_000 }); // @discordjs/opus, else opusscript
 * ```
 */
export async function loadOpusEncoder(options: LoadOpusEncoderOptions = {}): Promise<OpusEncoder> {
  const packages = options.packages ?? ['@discordjs/opus', 'opusscript'];
  const importModule = options.importModule ?? ((specifier: string) => import(specifier));
  const failures: unknown[] = [];
  for (const name of packages) {
    try {
      const loaded = (await importModule(name)) as Record<string, unknown>;
      const encoder = name === '@discordjs/opus' ? discordjsOpus(loaded) : opusScript(loaded);
      if (options.bitrate !== undefined) encoder.setBitrate(options.bitrate);
      return encoder;
    } catch (error) {
      // Not installed, or installed but broken (e.g. a native build for another Node): try the next.
      failures.push(error);
    }
  }
  throw new MissingOpusEncoderError(packages, failures);
}

type LoadedEncoder = OpusEncoder & { setBitrate(bitrate: number): void };

function discordjsOpus(loaded: Record<string, unknown>): LoadedEncoder {
  const module = (loaded['OpusEncoder'] === undefined ? loaded['default'] : loaded) as DiscordjsOpusModule;
  const encoder = new module.OpusEncoder(SAMPLE_RATE, CHANNELS);
  let closed = false;
  return {
    package: '@discordjs/opus',
    encode: (pcm) => {
      checkFrame(pcm, closed);
      return encoder.encode(pcm);
    },
    setBitrate: (bitrate) => encoder.setBitrate(bitrate),
    // The native encoder is freed by the garbage collector.
    close: () => {
      closed = true;
    },
  };
}

function opusScript(loaded: Record<string, unknown>): LoadedEncoder {
  const OpusScript = (loaded['default'] ?? loaded) as OpusScriptConstructor;
  const encoder = new OpusScript(SAMPLE_RATE, CHANNELS, APPLICATION_AUDIO);
  let closed = false;
  return {
    package: 'opusscript',
    encode: (pcm) => {
      checkFrame(pcm, closed);
      // opusscript copies its output out of the WebAssembly heap: the Buffer is ours.
      return encoder.encode(pcm, FRAME_SAMPLES);
    },
    setBitrate: (bitrate) => encoder.encoderCTL(OPUS_SET_BITRATE, bitrate),
    close: () => {
      if (closed) return;
      closed = true;
      encoder.delete();
    },
  };
}

function checkFrame(pcm: Buffer, closed: boolean): void {
  if (closed) throw new InvalidArgumentError('encode() was called on a closed Opus encoder');
  if (pcm.length !== PCM_FRAME_BYTES) {
    throw new InvalidArgumentError(
      `a PCM frame is ${PCM_FRAME_BYTES} bytes (20 ms of 48 kHz stereo s16le), got ${pcm.length}`,
    );
  }
}
