import { describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import {
  encodePcm,
  loadOpusEncoder,
  MissingOpusEncoderError,
  PCM_FRAME_BYTES,
} from '../../../src/voice/media/index.js';

function notFound(specifier: string): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
}

/** A stand-in for `@discordjs/opus`'s module: records what its encoder was asked. */
function fakeDiscordjsOpus() {
  const calls: { created: number[][]; bitrate: number[]; encoded: number } = {
    created: [],
    bitrate: [],
    encoded: 0,
  };
  class OpusEncoder {
    constructor(rate: number, channels: number) {
      calls.created.push([rate, channels]);
    }
    encode(pcm: Buffer): Buffer {
      calls.encoded++;
      return Buffer.from([0xfc, pcm.length & 0xff]);
    }
    setBitrate(bitrate: number): void {
      calls.bitrate.push(bitrate);
    }
  }
  return { calls, module: { default: { OpusEncoder } } };
}

function sine(frames: number): Buffer {
  const pcm = Buffer.alloc(frames * PCM_FRAME_BYTES);
  for (let i = 0; i < frames * 960; i++) {
    const sample = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 48_000));
    pcm.writeInt16LE(sample, 4 * i);
    pcm.writeInt16LE(sample, 4 * i + 2);
  }
  return pcm;
}

describe('loadOpusEncoder', () => {
  it('falls back to opusscript when @discordjs/opus is not installed, and its packets decode', async () => {
    const encoder = await loadOpusEncoder();
    expect(encoder.package).toBe('opusscript');
    const packet = encoder.encode(sine(1));
    encoder.close();
    const { default: OpusScript } = await import('opusscript');
    const decoder = new OpusScript(48_000, 2);
    expect(decoder.decode(packet)).toHaveLength(PCM_FRAME_BYTES);
    decoder.delete();
  });

  it('prefers @discordjs/opus when it loads, as 48 kHz stereo', async () => {
    const fake = fakeDiscordjsOpus();
    const encoder = await loadOpusEncoder({
      importModule: (specifier) =>
        specifier === '@discordjs/opus' ? Promise.resolve(fake.module) : Promise.reject(notFound(specifier)),
    });
    expect(encoder.package).toBe('@discordjs/opus');
    expect(encoder.encode(Buffer.alloc(PCM_FRAME_BYTES))).toEqual(Buffer.from([0xfc, 0]));
    expect(fake.calls.created).toEqual([[48_000, 2]]);
  });

  it('applies the bitrate to the encoder it loads', async () => {
    const fake = fakeDiscordjsOpus();
    await loadOpusEncoder({ bitrate: 96_000, importModule: () => Promise.resolve(fake.module) });
    expect(fake.calls.bitrate).toEqual([96_000]);
    const encoder = await loadOpusEncoder({ packages: ['opusscript'], bitrate: 32_000 });
    expect(encoder.encode(sine(1)).length).toBeGreaterThan(0);
    encoder.close();
  });

  it('tries the next package when one is installed but broken', async () => {
    const importModule = vi.fn((specifier: string) =>
      specifier === '@discordjs/opus'
        ? Promise.resolve({
            default: {
              OpusEncoder: class {
                constructor() {
                  throw new Error('bad ABI');
                }
              },
            },
          })
        : import(specifier),
    );
    const encoder = await loadOpusEncoder({ importModule });
    expect(encoder.package).toBe('opusscript');
    encoder.close();
  });

  it('rejects with MissingOpusEncoderError saying how to install one when none loads', async () => {
    const error: unknown = await loadOpusEncoder({
      importModule: (specifier) => Promise.reject(notFound(specifier)),
    }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(MissingOpusEncoderError);
    const missing = error as MissingOpusEncoderError;
    expect(missing.code).toBe('STATECORD_ERR_OPUS_ENCODER_MISSING');
    expect(missing.tried).toEqual(['@discordjs/opus', 'opusscript']);
    expect(missing.message).toContain('npm install opusscript');
    expect((missing.cause as AggregateError).errors).toHaveLength(2);
  });

  it('refuses a frame that is not 3,840 bytes', async () => {
    const encoder = await loadOpusEncoder({ packages: ['opusscript'] });
    expect(() => encoder.encode(Buffer.alloc(3839))).toThrow(InvalidArgumentError);
    encoder.close();
  });

  it('refuses to encode after close(), which may be called twice', async () => {
    const encoder = await loadOpusEncoder({ packages: ['opusscript'] });
    encoder.close();
    encoder.close();
    expect(() => encoder.encode(Buffer.alloc(PCM_FRAME_BYTES))).toThrow(InvalidArgumentError);
  });
});

describe('encodePcm', () => {
  async function* pcm(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
    for (let offset = 0; offset < bytes.length; offset += size) {
      await Promise.resolve();
      yield bytes.subarray(offset, offset + size);
    }
  }

  it('gives one Opus packet per 20 ms of PCM, the last frame padded', async () => {
    const packets: Uint8Array[] = [];
    for await (const packet of encodePcm(pcm(sine(3).subarray(0, 3 * PCM_FRAME_BYTES - 100), 1000))) {
      packets.push(packet);
    }
    expect(packets).toHaveLength(3);
  });

  it('uses a given encoder and leaves it open', async () => {
    const fake = fakeDiscordjsOpus();
    const encoder = await loadOpusEncoder({ importModule: () => Promise.resolve(fake.module) });
    const close = vi.spyOn(encoder, 'close');
    for await (const _ of encodePcm(pcm(Buffer.alloc(2 * PCM_FRAME_BYTES), 500), { encoder }));
    expect(fake.calls.encoded).toBe(2);
    expect(close).not.toHaveBeenCalled();
  });

  it('fails from the iteration with MissingOpusEncoderError when no encoder is installed', async () => {
    const iteration = encodePcm(pcm(Buffer.alloc(10), 10), {
      importModule: (specifier) => Promise.reject(notFound(specifier)),
    }).next();
    await expect(iteration).rejects.toBeInstanceOf(MissingOpusEncoderError);
  });
});
