import { describe, expect, it } from 'vitest';
import {
  GatewayCloseCodes,
  GatewayDispatchEvents,
  GatewayIntentBits,
  GatewayOpcodes,
} from 'discord-api-types/v10';
import type {
  GatewayGuildMembersChunkDispatchData,
  GatewayRateLimitedDispatchData,
} from 'discord-api-types/v10';
import type { FakeGuild, FakeGuildMember } from '../../src/testing/index.js';
import { useFakeGateway } from './harness.js';
import type { RawClient } from './raw-client.js';

const { start, identified } = useFakeGateway();

const I = GatewayIntentBits;
const GUILD_ID = '81384788765712384';

function member(index: number, username = `user${index}`): FakeGuildMember {
  return {
    user: { id: String(1_000_000 + index), username, discriminator: '0', global_name: null, avatar: null },
    roles: [],
    joined_at: '2020-01-01T00:00:00.000Z',
    deaf: false,
    mute: false,
    flags: 0,
  };
}

function guildWithMembers(count: number): FakeGuild {
  return { id: GUILD_ID, members: Array.from({ length: count }, (_, i) => member(i)) };
}

function chunks(client: RawClient): GatewayGuildMembersChunkDispatchData[] {
  return client
    .dispatches(GatewayDispatchEvents.GuildMembersChunk)
    .map((f) => f.d as GatewayGuildMembersChunkDispatchData);
}

/** Waits until the client saw every frame up to a heartbeat ACK sent now (a barrier, not a sleep). */
async function settled(client: RawClient): Promise<void> {
  const acks = client.frames.filter((frame) => frame.op === GatewayOpcodes.HeartbeatAck).length;
  client.heartbeat(null);
  await client.waitForCount((frame) => frame.op === GatewayOpcodes.HeartbeatAck, acks + 1, 'the barrier ack');
}

const MEMBERS_INTENTS = { intents: I.Guilds | I.GuildMembers };

describe('Request Guild Members (op 8)', () => {
  it('answers a full list in chunks of at most 1000 with chunk_index, chunk_count and the nonce', async () => {
    const gateway = await start({ guilds: [guildWithMembers(2500)], privilegedIntents: I.GuildMembers });
    const { client } = await identified(gateway, MEMBERS_INTENTS);
    client.send({
      op: GatewayOpcodes.RequestGuildMembers,
      d: { guild_id: GUILD_ID, query: '', limit: 0, nonce: 'n1' },
    });
    await client.waitForCount((f) => f.t === GatewayDispatchEvents.GuildMembersChunk, 3, 'chunks');
    expect(chunks(client).map((c) => [c.chunk_index, c.chunk_count, c.members.length, c.nonce])).toEqual([
      [0, 3, 1000, 'n1'],
      [1, 3, 1000, 'n1'],
      [2, 3, 500, 'n1'],
    ]);
  });

  it('returns requested user_ids and lists unknown ones in not_found', async () => {
    const gateway = await start({ guilds: [guildWithMembers(3)] });
    const { client } = await identified(gateway);
    client.send({
      op: GatewayOpcodes.RequestGuildMembers,
      d: { guild_id: GUILD_ID, user_ids: ['1000001', '42'] },
    });
    await client.waitForDispatch(GatewayDispatchEvents.GuildMembersChunk);
    const [chunk] = chunks(client);
    expect(chunk?.members.map((m) => m.user?.id)).toEqual(['1000001']);
    expect(chunk?.not_found).toEqual(['42']);
    expect(chunk).not.toHaveProperty('nonce');
  });

  it('matches a query as a case-insensitive username prefix, at most limit members', async () => {
    const guild = { id: GUILD_ID, members: [member(1, 'Alice'), member(2, 'alfred'), member(3, 'bob')] };
    const gateway = await start({ guilds: [guild] });
    const { client } = await identified(gateway);
    client.send({
      op: GatewayOpcodes.RequestGuildMembers,
      d: { guild_id: GUILD_ID, query: 'al', limit: 10 },
    });
    await client.waitForDispatch(GatewayDispatchEvents.GuildMembersChunk);
    expect(chunks(client)[0]?.members.map((m) => m.user?.username)).toEqual(['Alice', 'alfred']);
  });

  it('answers nothing to a member-list request without GUILD_MEMBERS', async () => {
    const gateway = await start({ guilds: [guildWithMembers(3)] });
    const { client } = await identified(gateway, { intents: I.Guilds });
    client.send({ op: GatewayOpcodes.RequestGuildMembers, d: { guild_id: GUILD_ID, query: '', limit: 0 } });
    await settled(client);
    expect(chunks(client)).toEqual([]);
  });

  it('drops a nonce longer than 32 bytes silently', async () => {
    const gateway = await start({ guilds: [guildWithMembers(1)] });
    const { client } = await identified(gateway);
    const nonce = 'x'.repeat(33);
    client.send({
      op: GatewayOpcodes.RequestGuildMembers,
      d: { guild_id: GUILD_ID, user_ids: '1000000', nonce },
    });
    await client.waitForDispatch(GatewayDispatchEvents.GuildMembersChunk);
    expect(chunks(client)[0]).not.toHaveProperty('nonce');
  });

  it('answers a repeated full-list request within 30 s with RATE_LIMITED', async () => {
    const gateway = await start({ guilds: [guildWithMembers(2)], privilegedIntents: I.GuildMembers });
    const { client } = await identified(gateway, MEMBERS_INTENTS);
    const request = { guild_id: GUILD_ID, query: '', limit: 0, nonce: 'again' };
    client.send({ op: GatewayOpcodes.RequestGuildMembers, d: request });
    client.send({ op: GatewayOpcodes.RequestGuildMembers, d: request });
    const limited = await client.waitForDispatch(GatewayDispatchEvents.RateLimited);
    const data = limited.d as GatewayRateLimitedDispatchData;
    expect(data).toMatchObject({
      opcode: GatewayOpcodes.RequestGuildMembers,
      meta: { guild_id: GUILD_ID, nonce: 'again' },
    });
    expect(data.retry_after).toBeGreaterThan(29);
    expect(data.retry_after).toBeLessThanOrEqual(30);
    expect(chunks(client)).toHaveLength(1);
  });

  it('closes with 4001 for a request with both query and user_ids', async () => {
    const gateway = await start({ guilds: [guildWithMembers(1)] });
    const { client } = await identified(gateway);
    client.send({
      op: GatewayOpcodes.RequestGuildMembers,
      d: { guild_id: GUILD_ID, query: '', limit: 0, user_ids: [] },
    });
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.UnknownOpcode);
  });

  it('includes presences when asked and GUILD_PRESENCES is granted', async () => {
    const guild: FakeGuild = {
      ...guildWithMembers(1),
      presences: [{ user: { id: '1000000' }, status: 'online', activities: [], client_status: {} }],
    };
    const gateway = await start({ guilds: [guild], privilegedIntents: I.GuildPresences });
    const { client } = await identified(gateway, { intents: I.Guilds | I.GuildPresences });
    client.send({
      op: GatewayOpcodes.RequestGuildMembers,
      d: { guild_id: GUILD_ID, user_ids: ['1000000'], presences: true },
    });
    await client.waitForDispatch(GatewayDispatchEvents.GuildMembersChunk);
    expect(chunks(client)[0]?.presences).toEqual([expect.objectContaining({ user: { id: '1000000' } })]);
  });
});

describe('other commands', () => {
  it('answers op 31 with one SOUNDBOARD_SOUNDS per guild', async () => {
    const other = '175928847299117063';
    const gateway = await start({ guilds: [{ id: GUILD_ID }, { id: other }] });
    const { client } = await identified(gateway);
    client.send({ op: GatewayOpcodes.RequestSoundboardSounds, d: { guild_ids: [GUILD_ID, other] } });
    const sounds = await client.waitForCount(
      (f) => f.t === GatewayDispatchEvents.SoundboardSounds,
      2,
      'sounds',
    );
    expect(sounds.map((f) => f.d)).toEqual([
      { guild_id: GUILD_ID, soundboard_sounds: [] },
      { guild_id: other, soundboard_sounds: [] },
    ]);
  });

  it('answers op 4 joining a channel with VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE', async () => {
    const gateway = await start({ guilds: [{ id: GUILD_ID }], voiceEndpoint: '127.0.0.1:1234' });
    const { client, ready } = await identified(gateway, { intents: I.Guilds | I.GuildVoiceStates });
    client.send({
      op: GatewayOpcodes.VoiceStateUpdate,
      d: { guild_id: GUILD_ID, channel_id: '5', self_mute: false, self_deaf: true },
    });
    const server = await client.waitForDispatch(GatewayDispatchEvents.VoiceServerUpdate);
    expect(client.dispatches(GatewayDispatchEvents.VoiceStateUpdate)[0]?.d).toMatchObject({
      guild_id: GUILD_ID,
      channel_id: '5',
      user_id: ready.user.id,
      self_deaf: true,
    });
    expect(server.d).toMatchObject({ guild_id: GUILD_ID, endpoint: '127.0.0.1:1234' });
  });

  it('closes with 4001 for op 4 without self_mute', async () => {
    const gateway = await start({ guilds: [{ id: GUILD_ID }] });
    const { client } = await identified(gateway);
    client.send({
      op: GatewayOpcodes.VoiceStateUpdate,
      d: { guild_id: GUILD_ID, channel_id: null, self_deaf: false },
    });
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.UnknownOpcode);
  });

  it('accepts a well-formed presence update and records it', async () => {
    const gateway = await start();
    const { client } = await identified(gateway);
    const presence = { since: null, activities: [{ name: 'tests', type: 0 }], status: 'idle', afk: false };
    client.send({ op: GatewayOpcodes.PresenceUpdate, d: presence });
    await settled(client);
    expect(gateway.received.find((f) => f.op === GatewayOpcodes.PresenceUpdate)?.d).toEqual(presence);
    expect(client.closeInfo).toBeNull();
  });

  it('answers op 43 with CHANNEL_INFO for voice channels', async () => {
    const guild = {
      id: GUILD_ID,
      channels: [
        { id: '7', type: 2, status: 'jamming' },
        { id: '8', type: 0 },
      ],
    };
    const gateway = await start({ guilds: [guild] });
    const { client } = await identified(gateway);
    client.send({ op: GatewayOpcodes.RequestChannelInfo, d: { guild_id: GUILD_ID, fields: ['status'] } });
    const info = await client.waitForDispatch(GatewayDispatchEvents.ChannelInfo);
    expect(info.d).toEqual({ guild_id: GUILD_ID, channels: [{ id: '7', status: 'jamming' }] });
  });
});
