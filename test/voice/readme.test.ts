import { describe, expect, it } from 'vitest';
import { GatewayIntentBits } from 'discord-api-types/v10';
import { Shard, oggOpusFile } from '../../src/index.js';
import { FakeGateway, FakeVoiceServer } from '../../src/testing/index.js';
import {
  GUILD_ID,
  VOICE_CHANNEL_ID,
  encodeTone,
  markedFrames,
  useVoiceRigs,
  writeOggOpus,
} from './voice-rig.js';

const { onCleanup, rig } = useVoiceRigs();

describe("the README's voice section, as written, against the fakes", () => {
  it('joins a normal channel end-to-end encrypted, plays a file, shows the privacy code, receives a user, leaves', async () => {
    const song = await writeOggOpus(encodeTone(25));
    onCleanup(song.remove);
    const guildId = GUILD_ID;
    const channelId = VOICE_CHANNEL_ID;
    const voice = await FakeVoiceServer.start({ defaultChannelKind: 'voice' }); // E2EE required, as on Discord
    onCleanup(() => voice.close());
    const gateway = await FakeGateway.start({
      guilds: [{ id: guildId, channels: [{ id: channelId, type: 2, name: 'voice' }] }],
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
    const playback = connection.play(oggOpusFile(song.path)); // held until the E2EE group exists
    await playback.finished;
    const privacyCode = connection.privacyCode; // 30 digits: compare them with what the others' apps show
    const stream = connection.receiver.subscribe(userId, { endAfterSilenceMs: 1_000 });
    void voice.peer.speak(markedFrames(3));
    const received: number[] = [];
    for await (const opus of stream) received.push((opus as Uint8Array).length);
    await connection.leave();
    // --- end of README ---

    expect(playback.framesSent).toBe(25);
    expect(privacyCode).toMatch(/^\d{5}( \d{5}){5}$|^\d{30}$/);
    expect(privacyCode).toBe(voice.peer.privacyCode(channelId));
    expect(voice.peer.decrypted.filter((frame) => frame.e2ee)).toHaveLength(25);
    expect(received).toEqual([4, 4, 4]);
    expect(connection.state).toBe('destroyed');
  });

  it('a join to a non-stage channel without DAVE ends disconnected with 4017 (E2EERequired), not retried', async () => {
    const { shard, voice } = await rig();
    await expect(
      shard.voice.join(GUILD_ID, VOICE_CHANNEL_ID, { daveEncryption: false }),
    ).rejects.toMatchObject({
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
