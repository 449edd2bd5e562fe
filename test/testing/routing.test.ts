import { describe, expect, it } from 'vitest';
import { GatewayDispatchEvents, GatewayIntentBits, GatewayOpcodes } from 'discord-api-types/v10';
import { shardIdForGuild } from '../../src/testing/index.js';
import { useFakeGateway } from './harness.js';
import type { RawClient } from './raw-client.js';

const { start, identified } = useFakeGateway();

/** Expected shards for 3 shards, worked out by hand: (id >> 22) % 3. */
const ROUTES = [
  { id: '1234567890123456789', shiftedBy22: 294_343_922_167n, shard: 1 },
  { id: '175928847299117063', shiftedBy22: 41_944_705_796n, shard: 2 },
  { id: '81384788765712384', shiftedBy22: 19_403_645_698n, shard: 1 },
] as const;

const I = GatewayIntentBits;
const BOT = '1190000000000000001';

/** Waits until the client saw every frame up to a heartbeat ACK sent now (a barrier, not a sleep). */
async function settled(client: RawClient): Promise<void> {
  const acks = client.frames.filter((frame) => frame.op === GatewayOpcodes.HeartbeatAck).length;
  client.heartbeat(null);
  await client.waitForCount((frame) => frame.op === GatewayOpcodes.HeartbeatAck, acks + 1, 'the barrier ack');
}

describe('routing by guild id', () => {
  it('computes (guild_id >> 22) % shard_count with BigInt, where Number math gets it wrong', () => {
    for (const route of ROUTES) {
      expect(BigInt(route.id) >> 22n).toBe(route.shiftedBy22);
      expect(shardIdForGuild(route.id, 3)).toBe(route.shard);
    }
    // 32-bit `>>` on a Number truncates: the naive formula routes the first guild elsewhere.
    expect((Number(ROUTES[0].id) >> 22) % 3).not.toBe(ROUTES[0].shard);
  });

  it('gives each shard the GUILD_CREATEs of its guilds only', async () => {
    const gateway = await start({ guilds: ROUTES.map((route) => ({ id: route.id })) });
    const shards = await Promise.all([0, 1, 2].map((shard) => identified(gateway, { shard: [shard, 3] })));
    expect(shards.map(({ ready }) => ready.guilds.map((guild) => guild.id))).toEqual([
      [],
      [ROUTES[0].id, ROUTES[2].id],
      [ROUTES[1].id],
    ]);
  });

  it('routes a dispatch with guild_id to that guild shard', async () => {
    const gateway = await start();
    const shards = await Promise.all([0, 1, 2].map((shard) => identified(gateway, { shard: [shard, 3] })));
    const records = gateway.dispatch(GatewayDispatchEvents.ChannelCreate, {
      guild_id: ROUTES[1].id,
      id: '5',
    });
    expect(records).toEqual([expect.objectContaining({ shardId: 2, s: 2, delivered: true })]);
    await shards[2]?.client.waitForDispatch(GatewayDispatchEvents.ChannelCreate);
  });

  it('sends events without guild_id to shard 0 only', async () => {
    const gateway = await start();
    await Promise.all([0, 1].map((shard) => identified(gateway, { shard: [shard, 2] })));
    const records = gateway.dispatch(GatewayDispatchEvents.EntitlementCreate, { id: '9', sku_id: '1' });
    expect(records.map((record) => record.shardId)).toEqual([0]);
  });

  it('delivers to the shard given in options whatever guild_id says', async () => {
    const gateway = await start();
    await Promise.all([0, 1].map((shard) => identified(gateway, { shard: [shard, 2] })));
    const records = gateway.dispatch(GatewayDispatchEvents.EntitlementCreate, { id: '9' }, { shardId: 1 });
    expect(records.map((record) => record.shardId)).toEqual([1]);
  });

  it('routes per session shard count, so sessions with different counts can run side by side', async () => {
    const gateway = await start();
    await identified(gateway, { shard: [1, 3] });
    await identified(gateway, { shard: [0, 1] });
    const records = gateway.dispatch(GatewayDispatchEvents.ChannelCreate, {
      guild_id: ROUTES[0].id,
      id: '5',
    });
    expect(records.map((record) => [record.shardId, record.s])).toEqual([
      [1, 2],
      [0, 2],
    ]);
  });
});

describe('intent filtering', () => {
  it('drops a guild message for a session without GUILD_MESSAGES', async () => {
    const gateway = await start();
    await identified(gateway, { intents: I.Guilds });
    expect(gateway.dispatch(GatewayDispatchEvents.MessageCreate, { guild_id: '1', content: 'x' })).toEqual(
      [],
    );
  });

  it('needs DIRECT_MESSAGES, not GUILD_MESSAGES, for a DM', async () => {
    const gateway = await start();
    await identified(gateway, { intents: I.GuildMessages });
    expect(gateway.dispatch(GatewayDispatchEvents.MessageCreate, { channel_id: '1', content: 'x' })).toEqual(
      [],
    );
    await identified(gateway, { intents: I.DirectMessages });
    expect(
      gateway.dispatch(GatewayDispatchEvents.MessageCreate, { channel_id: '1', content: 'x' }),
    ).toHaveLength(1);
  });

  it('always sends events tied to no intent, such as INTERACTION_CREATE', async () => {
    const gateway = await start();
    await identified(gateway, { intents: 0 });
    expect(
      gateway.dispatch(GatewayDispatchEvents.InteractionCreate, { id: '1', guild_id: '2' }),
    ).toHaveLength(1);
  });

  it('sends GUILD_MEMBER_UPDATE about the bot itself without GUILD_MEMBERS', async () => {
    const gateway = await start();
    await identified(gateway, { intents: I.Guilds });
    const about = (id: string) => ({ guild_id: '1', user: { id, username: 'u', discriminator: '0' } });
    expect(gateway.dispatch(GatewayDispatchEvents.GuildMemberUpdate, about('3'))).toEqual([]);
    expect(gateway.dispatch(GatewayDispatchEvents.GuildMemberUpdate, about(BOT))).toHaveLength(1);
  });

  it('drops PRESENCE_UPDATE without GUILD_PRESENCES', async () => {
    const gateway = await start();
    const { client } = await identified(gateway, { intents: I.Guilds });
    gateway.dispatch(GatewayDispatchEvents.PresenceUpdate, { guild_id: '1', status: 'online' });
    await settled(client);
    expect(client.dispatches(GatewayDispatchEvents.PresenceUpdate)).toHaveLength(0);
  });
});

describe('message content intent', () => {
  const message = {
    guild_id: '1',
    channel_id: '2',
    author: { id: '3', username: 'user', discriminator: '0', global_name: null, avatar: null },
    content: 'secret',
    embeds: [{ title: 'e' }],
    attachments: [],
    components: [],
    mentions: [],
  };

  it('blanks content, embeds, attachments and components without MESSAGE_CONTENT', async () => {
    const gateway = await start();
    const { client } = await identified(gateway, { intents: I.GuildMessages });
    gateway.dispatch(GatewayDispatchEvents.MessageCreate, message);
    const frame = await client.waitForDispatch(GatewayDispatchEvents.MessageCreate);
    expect(frame.d).toMatchObject({
      content: '',
      embeds: [],
      attachments: [],
      components: [],
      author: { id: '3' },
    });
  });

  it('keeps content with MESSAGE_CONTENT', async () => {
    const gateway = await start({ privilegedIntents: I.MessageContent });
    const { client } = await identified(gateway, { intents: I.GuildMessages | I.MessageContent });
    gateway.dispatch(GatewayDispatchEvents.MessageCreate, message);
    expect((await client.waitForDispatch(GatewayDispatchEvents.MessageCreate)).d).toMatchObject({
      content: 'secret',
    });
  });

  it('keeps content of messages that mention the bot', async () => {
    const gateway = await start();
    const { client } = await identified(gateway, { intents: I.GuildMessages });
    gateway.dispatch(GatewayDispatchEvents.MessageCreate, {
      ...message,
      mentions: [{ ...message.author, id: BOT }],
    });
    expect((await client.waitForDispatch(GatewayDispatchEvents.MessageCreate)).d).toMatchObject({
      content: 'secret',
    });
  });

  it('keeps content in DMs', async () => {
    const gateway = await start();
    const { client } = await identified(gateway, { intents: I.DirectMessages });
    const { guild_id: _guild, ...dm } = message;
    gateway.dispatch(GatewayDispatchEvents.MessageCreate, dm);
    expect((await client.waitForDispatch(GatewayDispatchEvents.MessageCreate)).d).toMatchObject({
      content: 'secret',
    });
  });
});
