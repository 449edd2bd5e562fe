import { describe, expect, it } from 'vitest';
import { GatewayDispatchEvents, GatewayOpcodes, PresenceUpdateStatus } from 'discord-api-types/v10';
import type { GatewayIdentifyData, GatewayPresenceUpdateData } from 'discord-api-types/v10';
import type { GatewayCompression } from '../../src/gateway/gateway-url.js';
import { INTENTS, TOKEN, nextEvent, useShardRigs, waitForGateway } from './harness.js';

const { rig } = useShardRigs();

describe.for<GatewayCompression>(['none', 'zlib-stream'])('Shard.start() with compress=%s', (compress) => {
  it('resolves on READY with the shard ready and the session of READY', async () => {
    const r = await rig({ shard: { compress, shardId: 1, shardCount: 2 } });
    await r.shard.start();

    expect(r.shard.state).toBe('ready');
    const [session] = r.gateway.sessions;
    expect(r.shard.session).toEqual({
      sessionId: session?.id,
      sequence: 1,
      resumeUrl: r.gateway.url,
      shardCount: 2,
    });
    expect(r.received.map((payload) => [payload.t, payload.s])).toEqual([[GatewayDispatchEvents.Ready, 1]]);
  });

  it('emits connected with resumed: false and the session id', async () => {
    const r = await rig({ shard: { compress } });
    await r.shard.start();

    expect(r.eventsOf('connected')).toEqual([{ sessionId: r.sessionId, resumed: false }]);
    expect(r.eventsOf('reconnected')).toEqual([]);
    expect(r.eventsOf('warning')).toEqual([]);
  });

  it('passes connecting → identifying → ready', async () => {
    const r = await rig({ shard: { compress } });
    await r.shard.start();

    expect(r.eventsOf('stateChange')).toEqual([
      { from: 'idle', to: 'connecting' },
      { from: 'connecting', to: 'identifying' },
      { from: 'identifying', to: 'ready' },
    ]);
  });

  it('sends IDENTIFY with the token, intents, [shardId, shardCount] and properties', async () => {
    const r = await rig({ shard: { compress, shardId: 1, shardCount: 2 } });
    await r.shard.start();

    const identifies = r.gateway.received.filter((frame) => frame.op === GatewayOpcodes.Identify);
    expect(identifies).toHaveLength(1);
    const d = identifies[0]?.d as GatewayIdentifyData;
    expect(d.token).toBe(TOKEN);
    expect(d.intents).toBe(INTENTS);
    expect(d.shard).toEqual([1, 2]);
    expect(d.properties).toEqual({ os: process.platform, browser: 'statecord', device: 'statecord' });
    expect(r.gateway.stats.identifies).toBe(1);
    expect(r.gateway.connections[0]?.query).toMatchObject({
      version: '10',
      encoding: 'json',
      compression: compress,
    });
  });

  it('delivers the dispatches that follow READY, in order', async () => {
    const r = await rig({ shard: { compress } });
    await r.shard.start();
    await r.sendAndReceive(5);

    r.expectDeliveredExactlyOnce();
  });
});

describe('Shard.start()', () => {
  it('receives the GUILD_CREATE of each guild of its shard after READY', async () => {
    const r = await rig();
    const guildCreate = new Promise<string>((resolve) =>
      r.shard.gateway.once(GatewayDispatchEvents.GuildCreate, (guild) => resolve(guild.id)),
    );
    await r.shard.start();

    expect(await guildCreate).toBe(r.gateway.options.guilds[0]?.id);
    expect(r.received.map((payload) => payload.t)).toEqual([
      GatewayDispatchEvents.Ready,
      GatewayDispatchEvents.GuildCreate,
    ]);
  });

  it('passes the presence and large_threshold options into IDENTIFY', async () => {
    const presence: GatewayPresenceUpdateData = {
      since: null,
      activities: [],
      status: PresenceUpdateStatus.Idle,
      afk: false,
    };
    const r = await rig({ shard: { presence, largeThreshold: 100 } });
    await r.shard.start();

    const identify = r.gateway.received.find((frame) => frame.op === GatewayOpcodes.Identify);
    expect(identify?.d).toMatchObject({ presence, large_threshold: 100 });
  });

  it('resolves a second start() at once while ready, without a new connection', async () => {
    const r = await rig();
    await r.shard.start();
    await r.shard.start();

    expect(r.gateway.stats.connections).toBe(1);
  });

  it('op 7 before HELLO: the shard reconnects and identifies on the next connection', async () => {
    const r = await rig({ gateway: { sendReconnectBeforeHello: 1 } });
    // Hello is held so that op 7 really is the first frame of the first connection.
    r.hello.hold();
    const closed = waitForGateway(r.gateway, 'close');
    const started = r.shard.start();
    expect(await closed).toMatchObject({ connectionId: 1, initiator: 'client', code: 4000 });
    r.hello.release();
    await started;

    expect(r.gateway.stats).toMatchObject({ connections: 2, identifies: 1 });
    expect(r.eventsOf('connected')).toEqual([{ sessionId: r.sessionId, resumed: false }]);
  });

  it('a throwing dispatch listener becomes a warning; later dispatches are still delivered', async () => {
    const r = await rig();
    await r.shard.start();
    const boom = new Error('bot bug');
    r.shard.gateway.once(GatewayDispatchEvents.MessageCreate, () => {
      throw boom;
    });
    const warning = nextEvent(r.shard, 'warning');
    await r.sendAndReceive(3);

    expect(await warning).toMatchObject({
      error: { code: 'STATECORD_ERR_LISTENER', event: 'MESSAGE_CREATE', cause: boom },
      context: expect.stringContaining('MESSAGE_CREATE') as string,
    });
    r.expectDeliveredExactlyOnce();
    expect(r.shard.state).toBe('ready');
  });
});
