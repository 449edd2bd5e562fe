import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OggDemuxError, oggOpusFile } from '../../../src/voice/media/index.js';
import { muxOggOpus } from './ogg-muxer.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statecord-ogg-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const packet of source) out.push(packet);
  return out;
}

describe('oggOpusFile', () => {
  it('streams the Opus packets of a file larger than one read', async () => {
    const packets = Array.from({ length: 400 }, (_, i) => Buffer.alloc(200 + (i % 50), i & 0xff));
    const path = join(dir, 'long.opus');
    await writeFile(path, muxOggOpus(packets));
    expect(await collect(oggOpusFile(path))).toEqual(packets);
  });

  it('names the file in the error for a corrupt one', async () => {
    const path = join(dir, 'corrupt.opus');
    const stream = muxOggOpus([Buffer.alloc(100, 1)]);
    stream[60] = (stream[60] ?? 0) ^ 0xff;
    await writeFile(path, stream);
    const error: unknown = await collect(oggOpusFile(path)).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OggDemuxError);
    expect((error as OggDemuxError).source).toBe(path);
    expect((error as Error).message).toContain(path);
  });

  it('reports a missing file from the iteration, not as an unhandled stream error', async () => {
    const path = join(dir, 'missing.opus');
    await expect(collect(oggOpusFile(path))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('opens nothing until it is read', () => {
    // A generator that is never iterated must not open (or fail to open) the file.
    oggOpusFile(join(dir, 'never-read.opus'));
  });
});
