import { describe, expect, it } from 'vitest';
import { GatewayIntentBits } from 'discord-api-types/v10';
import { Shard, oggOpusFile } from '../../src/index.js';
import { FakeGateway, FakeVoiceServer } from '../../src/testing/index.js';
import {
  GUILD_ID,
  STAGE_ID,
  VOICE_CHANNEL_ID,
  encodeTone,
  markedFrames,
  useVoiceRigs,
  writeOggOpus,
} from './voice-rig.js';

const { onCleanup, rig } = useVoiceRigs();

describe("the README's voice section, as written, against the fakes", () => {
  it('joins, plays a file, receives a user, leaves', async () => {
    const song = await writeOggOpus(encodeTone(25));
    onCleanup(song.remove);
    const guildId = GUILD_ID;
    const channelId = STAGE_ID;
    const voice = await FakeVoiceServer.start(); // stage channels by default: no E2EE needed
    onCleanup(() => voice.close());
    const gateway = await FakeGateway.start({
      guilds: [{ id: guildId, channels: [{ id: channelId, type: 13, name: 'stage' }] }],
      voice: { servers: voice },
    });
    onCleanup(() => gateway.close());
    const userId = voice.peer.userId;

    // --- README ---
    const shard = new Shard({
      ...gateway.clientOptions,
      intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildVoiceStates,
    });
    onCleanup(() => shard.stop());
    await shard.start();
    const connection = await shard.voice.join(guildId, channelId);
    const playback = connection.play(oggOpusFile(song.path));
    await playback.finished;
    const stream = connection.receiver.subscribe(userId, { endAfterSilenceMs: 1_000 });
    void voice.peer.speak(markedFrames(3));
    const received: number[] = [];
    for await (const opus of stream) received.push((opus as Uint8Array).length);
    await connection.leave();
    // --- end of README ---

    expect(playback.framesSent).toBe(25);
    expect(received).toEqual([4, 4, 4]);
    expect(connection.state).toBe('destroyed');
  });

  it('a join to a non-stage channel without DAVE ends disconnected with 4017 (E2EERequired), not retried', async () => {
    const { shard, voice } = await rig();
    await expect(shard.voice.join(GUILD_ID, VOICE_CHANNEL_ID)).rejects.toMatchObject({
      code: 'STATECORD_ERR_VOICE_DISCONNECTED',
      reason: 'CloseCode',
      closeCode: 4017,
    });
    const connection = shard.voice.get(GUILD_ID)!;
    expect(connection.disconnection).toEqual({
      reason: 'CloseCode',
      closeCode: 4017,
      failure: 'E2EERequired',
    });
    await expect(voice.waitFor('connection', undefined, { timeoutMs: 400 })).rejects.toThrow(/timed out/);
    expect(voice.stats.connections).toBe(1);
  });
});
