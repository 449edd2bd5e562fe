import { afterEach, describe, expect, it } from 'vitest';
import { GatewayIntentBits } from 'discord-api-types/v10';
import { Shard } from '../../src/shard/index.js';
import { BucketIdentifyGate } from '../../src/shard/index.js';
import { FakeGateway, FakeVoiceServer } from '../../src/testing/index.js';
import { framesOf } from './voice-rig.js';

const GUILD_ID = '81384788765712384';
const CHANNEL_ID = '81384788765712390';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a shard joins a stage channel of the FakeGateway', () => {
  it('joins, plays Opus frames that the voice server decrypts in order, and leaves', async () => {
    const voice = await FakeVoiceServer.start({ defaultChannelKind: 'stage' });
    cleanups.push(() => voice.close());
    const gateway = await FakeGateway.start({
      guilds: [{ id: GUILD_ID, channels: [{ id: CHANNEL_ID, type: 13, name: 'stage' }] }],
      voice: { servers: voice },
    });
    cleanups.push(() => gateway.close());
    const shard = new Shard({
      ...gateway.clientOptions,
      intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildVoiceStates,
      identifyGate: new BucketIdentifyGate({ intervalMs: 0 }),
    });
    cleanups.push(() => shard.stop());
    await shard.start();
    const connection = await shard.voice.join(GUILD_ID, CHANNEL_ID);
    expect(connection.state).toBe('ready');
    const frames = Array.from({ length: 10 }, (_, i) => Uint8Array.from([0xfc, i, i, i]));
    await connection.play(framesOf(frames)).finished;
    if (!voice.frames.some((frame) => frame.opus[1] === 9))
      await voice.waitFor('audio', (frame) => frame.opus[1] === 9, { timeoutMs: 5_000 });
    const got = voice.frames.map((frame) => [...frame.opus]).filter((bytes) => bytes[0] === 0xfc);
    expect(got).toEqual(frames.map((frame) => [...frame]));
    await connection.leave();
    expect(connection.state).toBe('destroyed');
  });
});
