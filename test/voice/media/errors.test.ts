import { describe, expect, it } from 'vitest';
import { StatecordError } from '../../../src/errors.js';
import {
  AudioSinkError,
  AudioSourceError,
  MissingOpusEncoderError,
  OggDemuxError,
} from '../../../src/voice/media/index.js';

describe('media errors', () => {
  it.each([
    ['OggDemuxError', new OggDemuxError('bad page CRC', 4096, 'a.opus'), 'STATECORD_ERR_OGG'],
    [
      'MissingOpusEncoderError',
      new MissingOpusEncoderError(['opusscript'], [new Error('x')]),
      'STATECORD_ERR_OPUS_ENCODER_MISSING',
    ],
    ['AudioSourceError', new AudioSourceError(new Error('x')), 'STATECORD_ERR_AUDIO_SOURCE'],
    ['AudioSinkError', new AudioSinkError(new Error('x')), 'STATECORD_ERR_AUDIO_SINK'],
  ] as const)('%s is a StatecordError with its own name and code', (name, error, code) => {
    expect(error).toBeInstanceOf(StatecordError);
    expect(error.code).toBe(code);
    expect(error.name).toBe(name);
  });

  it('OggDemuxError names the input and the byte offset', () => {
    const error = new OggDemuxError('bad page CRC', 4096, '/music/a.opus');
    expect(error.message).toBe('/music/a.opus is not playable: bad page CRC (at byte 4096)');
    expect([error.source, error.offset, error.reason]).toEqual(['/music/a.opus', 4096, 'bad page CRC']);
  });

  it('AudioSourceError keeps what the source threw as its cause', () => {
    const cause = new Error('ffmpeg exited with 1');
    const error = new AudioSourceError(cause);
    expect(error.cause).toBe(cause);
    expect(error.message).toContain('ffmpeg exited with 1');
  });
});
