import { describe, expect, it } from 'vitest';
import {
  GatewayCloseCodes,
  GatewayDispatchEvents,
  GatewayIntentBits,
  GatewayOpcodes,
} from 'discord-api-types/v10';
import { DEFAULT_FAKE_USER } from '../../src/testing/index.js';
import { useFakeGateway } from './harness.js';

const { start, connect, identified } = useFakeGateway();

/** Guild ids whose shard for 2 shards is known: (id >> 22) % 2. */
const GUILD_ON_SHARD_0 = '81384788765712384'; // (id >> 22) = 19403645698 → even
const GUILD_ON_SHARD_1 = '41771983427461696'; // (id >> 22) = 9959216935 → odd

async function identifyExpectingClose(
  gateway: Awaited<ReturnType<typeof start>>,
  token: string,
  overrides: Record<string, unknown>,
): Promise<number> {
  const client = await connect(gateway);
  await client.waitForOp(GatewayOpcodes.Hello);
  client.identify(token, overrides);
  return (await client.waitForClose()).code;
}

describe('Identify → READY', () => {
  it('sends READY as the first dispatch with s = 1', async () => {
    const gateway = await start();
    const { readyFrame } = await identified(gateway);
    expect(readyFrame.s).toBe(1);
    expect(readyFrame.t).toBe('READY');
  });

  it('READY carries v, the bot user, session_id, resume_gateway_url and application', async () => {
    const gateway = await start();
    const { ready } = await identified(gateway);
    expect(ready.v).toBe(10);
    expect(ready.user).toEqual(DEFAULT_FAKE_USER);
    expect(ready.session_id).toMatch(/^[0-9a-f]{32}$/);
    expect(ready.resume_gateway_url).toBe(gateway.url);
    expect(ready.application).toEqual({ id: DEFAULT_FAKE_USER.id, flags: 0, flags_new: '0' });
  });

  it('READY lists the routed guilds as unavailable', async () => {
    const gateway = await start({ guilds: [{ id: GUILD_ON_SHARD_0 }, { id: GUILD_ON_SHARD_1 }] });
    const { ready } = await identified(gateway, { shard: [1, 2] });
    expect(ready.guilds).toEqual([{ id: GUILD_ON_SHARD_1, unavailable: true }]);
  });

  it('echoes the shard array only when Identify sent one', async () => {
    const gateway = await start();
    const withShard = await identified(gateway, { shard: [0, 1] });
    expect(withShard.ready.shard).toEqual([0, 1]);
    const withoutShard = await identified(gateway);
    expect(withoutShard.ready).not.toHaveProperty('shard');
  });

  it('follows READY with one GUILD_CREATE per routed guild, each s one higher', async () => {
    const guilds = [{ id: GUILD_ON_SHARD_0, name: 'a' }, { id: '175928847299117063' }];
    const gateway = await start({ guilds });
    const { client } = await identified(gateway);
    const creates = await client.waitForCount(
      (f) => f.t === GatewayDispatchEvents.GuildCreate,
      2,
      'GUILD_CREATE',
    );
    expect(creates.map((frame) => frame.s)).toEqual([2, 3]);
    expect(creates[0]?.d).toMatchObject({ id: GUILD_ON_SHARD_0, name: 'a', unavailable: false });
  });

  it('does not send GUILD_CREATE without the GUILDS intent', async () => {
    const gateway = await start({ guilds: [{ id: GUILD_ON_SHARD_0 }] });
    const { client } = await identified(gateway, { intents: GatewayIntentBits.GuildMessages });
    client.heartbeat(1);
    await client.waitForOp(GatewayOpcodes.HeartbeatAck);
    expect(client.dispatches(GatewayDispatchEvents.GuildCreate)).toHaveLength(0);
  });

  it('emits identify and ready events and counts the identify', async () => {
    const gateway = await start();
    const identify = gateway.waitFor('identify');
    const ready = gateway.waitFor('ready');
    const { ready: data } = await identified(gateway, { shard: [0, 1] });
    expect(await identify).toMatchObject({ outcome: 'ready', shardId: 0, sessionId: data.session_id });
    expect(await ready).toMatchObject({ sessionId: data.session_id, shardId: 0, shardCount: 1 });
    expect(gateway.stats.identifies).toBe(1);
    expect(gateway.sessions).toEqual([
      expect.objectContaining({ id: data.session_id, shardId: 0, seq: 1, connected: true }),
    ]);
  });

  it('holds READY until releaseHandshake() when started with holdHandshake', async () => {
    const gateway = await start({ holdHandshake: true });
    const connected = gateway.waitFor('connection');
    const client = await connect(gateway);
    const connection = await connected;
    await client.waitForOp(GatewayOpcodes.Hello);
    const accepted = gateway.waitFor('identify');
    client.identify(gateway.options.token);
    await accepted;
    expect(client.dispatches()).toHaveLength(0);
    connection.releaseHandshake();
    await client.waitForDispatch(GatewayDispatchEvents.Ready);
  });
});

describe('Identify checks', () => {
  it('closes with 4004 for a wrong token', async () => {
    const gateway = await start();
    expect(await identifyExpectingClose(gateway, 'wrong-token', {})).toBe(
      GatewayCloseCodes.AuthenticationFailed,
    );
  });

  it('accepts the token with a leading "Bot " as Discord does', async () => {
    const gateway = await start();
    const client = await connect(gateway);
    await client.waitForOp(GatewayOpcodes.Hello);
    client.identify(`Bot ${gateway.options.token}`);
    const ready = await client.waitForDispatch(GatewayDispatchEvents.Ready);
    expect(ready.t).toBe('READY');
  });

  it('closes with 4004 for a wrong token behind a "Bot " prefix', async () => {
    const gateway = await start();
    expect(await identifyExpectingClose(gateway, 'Bot wrong-token', {})).toBe(
      GatewayCloseCodes.AuthenticationFailed,
    );
  });

  it('closes with 4013 for intent bits outside the defined set', async () => {
    const gateway = await start();
    const code = await identifyExpectingClose(gateway, gateway.options.token, { intents: 1 << 17 });
    expect(code).toBe(GatewayCloseCodes.InvalidIntents);
  });

  it('closes with 4013 when intents are missing (required since v8)', async () => {
    const gateway = await start();
    const code = await identifyExpectingClose(gateway, gateway.options.token, { intents: undefined });
    expect(code).toBe(GatewayCloseCodes.InvalidIntents);
  });

  it('closes with 4014 for a privileged intent the application is not allowed', async () => {
    const gateway = await start();
    const code = await identifyExpectingClose(gateway, gateway.options.token, {
      intents: GatewayIntentBits.Guilds | GatewayIntentBits.MessageContent,
    });
    expect(code).toBe(GatewayCloseCodes.DisallowedIntents);
  });

  it('accepts privileged intents the application is allowed', async () => {
    const gateway = await start({ privilegedIntents: GatewayIntentBits.GuildMembers });
    await identified(gateway, { intents: GatewayIntentBits.GuildMembers });
  });

  it.each([
    ['an id equal to the count', [1, 1]],
    ['a negative id', [-1, 2]],
    ['a zero count', [0, 0]],
    ['a non-array', 'x'],
  ])('closes with 4010 for %s', async (_name, shard) => {
    const gateway = await start();
    expect(await identifyExpectingClose(gateway, gateway.options.token, { shard })).toBe(
      GatewayCloseCodes.InvalidShard,
    );
  });

  it('closes with 4010 when the shard count is not a multiple of the large-bot factor', async () => {
    const gateway = await start({ largeBotShardFactor: 16 });
    const code = await identifyExpectingClose(gateway, gateway.options.token, { shard: [0, 8] });
    expect(code).toBe(GatewayCloseCodes.InvalidShard);
    await identified(gateway, { shard: [0, 32] });
  });

  it('closes with 4011 when the shard would hold more than 2500 guilds', async () => {
    const guilds = Array.from({ length: 2501 }, (_, i) => ({ id: String((BigInt(i) + 1n) << 22n) }));
    const gateway = await start({ guilds });
    const code = await identifyExpectingClose(gateway, gateway.options.token, { shard: [0, 1] });
    expect(code).toBe(GatewayCloseCodes.ShardingRequired);
    // The same guilds over two shards fit.
    await identified(gateway, { shard: [0, 2] });
  });

  it('closes with 4001 for an Identify without properties', async () => {
    const gateway = await start();
    const code = await identifyExpectingClose(gateway, gateway.options.token, { properties: undefined });
    expect(code).toBe(GatewayCloseCodes.UnknownOpcode);
  });

  it('checks the token before the intents', async () => {
    const gateway = await start();
    expect(await identifyExpectingClose(gateway, 'wrong', { intents: 1 << 17 })).toBe(
      GatewayCloseCodes.AuthenticationFailed,
    );
  });

  it('checks the intents bitfield before privileged intents', async () => {
    const gateway = await start();
    const intents = (1 << 17) | GatewayIntentBits.MessageContent;
    expect(await identifyExpectingClose(gateway, gateway.options.token, { intents })).toBe(
      GatewayCloseCodes.InvalidIntents,
    );
  });

  it('checks privileged intents before the shard', async () => {
    const gateway = await start();
    const overrides = { intents: GatewayIntentBits.GuildPresences, shard: [5, 1] };
    expect(await identifyExpectingClose(gateway, gateway.options.token, overrides)).toBe(
      GatewayCloseCodes.DisallowedIntents,
    );
  });

  it('reports a rejected Identify as closed with its code', async () => {
    const gateway = await start();
    const attempt = gateway.waitFor('identify');
    const closed = gateway.waitFor('close');
    await identifyExpectingClose(gateway, 'wrong', {});
    expect(await closed).toMatchObject({ initiator: 'server', code: GatewayCloseCodes.AuthenticationFailed });
    expect(await attempt).toMatchObject({
      outcome: 'closed',
      closeCode: GatewayCloseCodes.AuthenticationFailed,
    });
    expect(gateway.stats.closesByCode.server).toEqual({ [GatewayCloseCodes.AuthenticationFailed]: 1 });
  });
});
