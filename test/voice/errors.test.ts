import { getActiveResourcesInfo } from 'node:process';
import { describe, expect, it } from 'vitest';
import { VoiceOpcodes } from 'discord-api-types/voice/v8';
import { Shard } from '../../src/shard/index.js';
import type { VoiceConnection } from '../../src/voice/voice-connection.js';
import { GUILD_ID, STAGE_ID, VOICE_TEST_TIMING, framesOf, useVoiceRigs } from './voice-rig.js';

const { rig, onCleanup } = useVoiceRigs();

/** Resources the process holds (sockets, timers), as Node counts them. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** Waits until the process holds no more sockets and timers than `before` (they close asynchronously). */
async function backTo(before: Record<string, number>): Promise<void> {
  const kinds = ['UDPWRAP', 'TCPSocketWrap', 'Timeout'];
  const settled = () => kinds.every((kind) => (resources()[kind] ?? 0) <= (before[kind] ?? 0));
  for (let tries = 0; tries < 200 && !settled(); tries++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  expect(Object.fromEntries(kinds.map((kind) => [kind, resources()[kind] ?? 0]))).toEqual(
    Object.fromEntries(kinds.map((kind) => [kind, Math.min(resources()[kind] ?? 0, before[kind] ?? 0)])),
  );
}

describe('voice mistakes get a typed error with a code', () => {
  it('a guild of another shard → UnknownGuildError, and nothing is sent', async () => {
    const { gateway } = await rig();
    const shard = new Shard({
      ...gateway.clientOptions,
      intents: 1,
      shardId: 1,
      shardCount: 2,
      fetchGatewayInfo: false,
    });
    onCleanup(() => shard.stop());
    // (81384788765712384 >> 22) % 2 is 0: shard 0 holds this guild, not shard 1.
    expect(() => shard.voice.open(GUILD_ID, STAGE_ID)).toThrow(
      expect.objectContaining({ code: 'STATECORD_ERR_UNKNOWN_GUILD', guildId: GUILD_ID }) as Error,
    );
    expect(shard.voice.connections.size).toBe(0);
  });

  it('a guild no shard of a manager runs → UnknownGuildError from manager.voice', async () => {
    const { gateway } = await rig();
    const { ShardManager } = await import('../../src/index.js');
    const manager = new ShardManager({ ...gateway.clientOptions, intents: 1, fetchGatewayInfo: false });
    manager.createShards([1], 2);
    await expect(manager.voice.join(GUILD_ID, STAGE_ID)).rejects.toMatchObject({
      code: 'STATECORD_ERR_UNKNOWN_GUILD',
    });
  });

  it('joining a guild twice → VoiceAlreadyJoinedError; the first connection is untouched', async () => {
    const { shard } = await rig();
    const first = await shard.voice.join(GUILD_ID, STAGE_ID, { timing: VOICE_TEST_TIMING });
    await expect(shard.voice.join(GUILD_ID, STAGE_ID)).rejects.toMatchObject({
      code: 'STATECORD_ERR_VOICE_ALREADY_JOINED',
    });
    expect(first.state).toBe('ready');
    expect(shard.voice.get(GUILD_ID)).toBe(first);
  });

  it('leave() during signalling → the join rejects with VoiceLeftError, and no socket or timer is left', async () => {
    const { shard, voice } = await rig({ gateway: { answerVoiceStateUpdates: false } });
    const before = resources();
    const joining = shard.voice.join(GUILD_ID, STAGE_ID, { timing: VOICE_TEST_TIMING });
    const connection = shard.voice.get(GUILD_ID)!;
    expect(connection.state).toBe('signalling');
    await connection.leave();
    await expect(joining).rejects.toMatchObject({ code: 'STATECORD_ERR_VOICE_LEFT' });
    expect(connection.state).toBe('destroyed');
    expect(shard.voice.connections.size).toBe(0);
    expect(voice.stats.connections).toBe(0);
    await backTo(before);
  });

  it('leave() of a ready connection closes its WebSocket and UDP socket and sends op 4 without a channel', async () => {
    const { shard, voice, gateway } = await rig();
    const before = resources();
    const connection: VoiceConnection = await shard.voice.join(GUILD_ID, STAGE_ID, {
      timing: VOICE_TEST_TIMING,
    });
    const leave = gateway.waitFor(
      'frame',
      (frame) => Number(frame.op) === 4 && (frame.d as { channel_id?: unknown }).channel_id === null,
      { timeoutMs: 3_000 },
    );
    await connection.leave();
    expect((await leave).d).toMatchObject({ guild_id: GUILD_ID, channel_id: null });
    await voice.waitFor('close', () => true, { timeoutMs: 3_000 }).catch(() => undefined);
    expect(voice.connections.filter((candidate) => candidate.open)).toEqual([]);
    await backTo(before);
  });

  it('a bad Ogg file → the playback fails with OggDemuxError, the connection stays ready', async () => {
    const { shard } = await rig();
    const connection = await shard.voice.join(GUILD_ID, STAGE_ID, { timing: VOICE_TEST_TIMING });
    const playback = connection.play(framesOf([Buffer.from('this is not an ogg file at all')]), {
      type: 'ogg/opus',
      name: 'song.ogg',
    });
    const failure = await playback.finished.then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'STATECORD_ERR_AUDIO_SOURCE' });
    expect((failure as Error).cause).toMatchObject({ code: 'STATECORD_ERR_OGG' });
    expect((failure as Error).message).toContain('song.ogg');
    expect(connection.state).toBe('ready');
  });

  it('PCM without an Opus encoder package → the playback fails with MissingOpusEncoderError', async () => {
    const { shard, voice } = await rig();
    const connection = await shard.voice.join(GUILD_ID, STAGE_ID, { timing: VOICE_TEST_TIMING });
    const playback = connection.play(framesOf([Buffer.alloc(3_840)]), {
      type: 'pcm',
      pcm: {
        packages: ['@discordjs/opus'],
        importModule: () => Promise.reject(new Error('Cannot find module')),
      },
    });
    const failure = await playback.finished.then(
      () => null,
      (error: unknown) => error,
    );
    const missing = (failure as Error).cause ?? failure;
    expect(missing).toMatchObject({ code: 'STATECORD_ERR_OPUS_ENCODER_MISSING' });
    expect((missing as Error).message).toMatch(/npm install/);
    expect(voice.received.filter((frame) => Number(frame.op) === Number(VoiceOpcodes.Speaking))).toEqual([]);
  });
});
