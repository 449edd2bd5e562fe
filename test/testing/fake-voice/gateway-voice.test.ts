import { describe, expect, it } from 'vitest';
import { GatewayDispatchEvents, GatewayIntentBits as I, GatewayOpcodes } from 'discord-api-types/v10';
import type { APIVoiceState, GatewayVoiceServerUpdateDispatchData } from 'discord-api-types/v10';
import type { FakeGateway, FakeVoiceServer } from '../../../src/testing/index.js';
import { useFakeGateway } from '../harness.js';
import type { RawClient } from '../raw-client.js';
import { RawVoiceClient, type VoiceCredentials } from './raw-voice-client.js';
import { GUILD_ID, useFakeVoice } from './voice-harness.js';

const STAGE = '81384788765712390';
const VOICE = '81384788765712391';
const OTHER_STAGE = '81384788765712392';
const GUILDS = [
  {
    id: GUILD_ID,
    channels: [
      { id: STAGE, type: 13 },
      { id: VOICE, type: 2 },
      { id: OTHER_STAGE, type: 13 },
    ],
  },
];
const INTENTS = I.Guilds | I.GuildVoiceStates;

type VoiceStateData = APIVoiceState;
type VoiceServerData = GatewayVoiceServerUpdateDispatchData;

/** The gateway side of voice (docs/protocol/voice.md §1): op 4 → the two dispatches → a voice Identify that works. */
describe('FakeGateway with a FakeVoiceServer', () => {
  const fake = useFakeGateway();
  const voice = useFakeVoice();

  const setup = async (options: { order?: 'state-first' | 'server-first'; servers?: number } = {}) => {
    const servers: FakeVoiceServer[] = [];
    for (let i = 0; i < (options.servers ?? 1); i++) servers.push(await voice.start());
    const gateway = await fake.start({
      guilds: GUILDS,
      voice: { servers: servers[0]!, ...(options.order ? { dispatchOrder: options.order } : {}) },
    });
    const { client, ready } = await fake.identified(gateway, { intents: INTENTS });
    return { gateway, servers, server: servers[0]!, shard: client, botId: ready.user.id };
  };

  const join = (shard: RawClient, channelId: string | null, selfDeaf = false): void =>
    shard.send({
      op: GatewayOpcodes.VoiceStateUpdate,
      d: { guild_id: GUILD_ID, channel_id: channelId, self_mute: false, self_deaf: selfDeaf },
    });

  /** The n-th VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE (1-based), once both arrived. */
  const dispatches = async (shard: RawClient, n = 1) => {
    const states = await shard.waitForCount(
      (f) => f.t === GatewayDispatchEvents.VoiceStateUpdate,
      n,
      'states',
    );
    const servers = await shard.waitForCount(
      (f) => f.t === GatewayDispatchEvents.VoiceServerUpdate,
      n,
      'servers',
    );
    return { state: states[n - 1]!.d as VoiceStateData, server: servers[n - 1]!.d as VoiceServerData };
  };

  const credentials = (botId: string, state: VoiceStateData, server: VoiceServerData): VoiceCredentials => ({
    guildId: server.guild_id,
    userId: botId,
    sessionId: state.session_id,
    token: server.token,
  });

  const voiceConnect = async (server: FakeVoiceServer, creds: VoiceCredentials, dave = 0) => {
    const client = await RawVoiceClient.connect(server.url);
    client.identify(creds, { max_dave_protocol_version: dave });
    return client;
  };

  it.each(['state-first', 'server-first'] as const)(
    'answers op 4 with both dispatches (%s) and the voice server accepts their Identify',
    async (order) => {
      const { gateway, server, shard, botId } = await setup({ order });
      join(shard, STAGE);
      const { state, server: update } = await dispatches(shard);
      const kinds = shard
        .dispatches()
        .map((f) => f.t)
        .filter((t) => t?.startsWith('VOICE_'));
      expect(kinds).toEqual(
        order === 'state-first'
          ? ['VOICE_STATE_UPDATE', 'VOICE_SERVER_UPDATE']
          : ['VOICE_SERVER_UPDATE', 'VOICE_STATE_UPDATE'],
      );
      expect(state).toMatchObject({
        guild_id: GUILD_ID,
        channel_id: STAGE,
        user_id: botId,
        self_deaf: false,
      });
      expect(state.session_id).toMatch(/^[0-9a-f]{32}$/);
      expect(state.session_id).toBe(gateway.sessions[0]!.id); // a bot's voice state carries its gateway session id
      expect(update).toEqual({
        token: server.grants[0]!.token,
        guild_id: GUILD_ID,
        endpoint: server.endpoint,
      });
      const client = await voiceConnect(server, credentials(botId, state, update));
      await client.waitForOp(2);
      client.socket.terminate();
      expect(gateway.voice.states).toMatchObject([{ channelId: STAGE, endpoint: server.endpoint }]);
    },
  );

  it('closes the voice session with 4014 when the bot leaves (op 4 channel_id null)', async () => {
    const { gateway, server, shard, botId } = await setup();
    join(shard, STAGE);
    const { state, server: update } = await dispatches(shard);
    const client = await voiceConnect(server, credentials(botId, state, update));
    await client.waitForOp(2);
    join(shard, null);
    await shard.waitForCount((f) => f.t === GatewayDispatchEvents.VoiceStateUpdate, 2, 'states');
    expect((await client.waitForClose()).code).toBe(4014);
    expect(gateway.voice.states).toEqual([]);
  });

  it('answers op 4 for the same channel with VOICE_STATE_UPDATE only (mute/deaf change)', async () => {
    const { gateway, server, shard } = await setup();
    join(shard, STAGE);
    await dispatches(shard);
    join(shard, STAGE, true);
    const states = await shard.waitForCount(
      (f) => f.t === GatewayDispatchEvents.VoiceStateUpdate,
      2,
      'states',
    );
    expect(states[1]!.d).toMatchObject({ channel_id: STAGE, self_deaf: true });
    expect(shard.dispatches(GatewayDispatchEvents.VoiceServerUpdate)).toHaveLength(1);
    expect(gateway.voice.states[0]!.selfDeaf).toBe(true);
    expect(server.grants[0]!.selfDeaf).toBe(true);
  });

  it('moves channels with a new token on the same endpoint; the old session closes (4014) and its token is stale', async () => {
    const { server, shard, botId } = await setup();
    join(shard, STAGE);
    const first = await dispatches(shard);
    const client = await voiceConnect(server, credentials(botId, first.state, first.server));
    await client.waitForOp(2);
    join(shard, OTHER_STAGE);
    const second = await dispatches(shard, 2);
    expect(second.state).toMatchObject({ channel_id: OTHER_STAGE, session_id: first.state.session_id });
    expect(second.server.endpoint).toBe(first.server.endpoint);
    expect(second.server.token).not.toBe(first.server.token);
    expect((await client.waitForClose()).code).toBe(4014);
    const stale = await voiceConnect(server, credentials(botId, first.state, first.server));
    expect((await stale.waitForClose()).code).toBe(4006);
    const fresh = await voiceConnect(server, credentials(botId, second.state, second.server));
    await fresh.waitForOp(2);
    fresh.socket.terminate();
  });

  it('moves the endpoint to another server: VOICE_SERVER_UPDATE only, the old socket closes with 4022', async () => {
    const { gateway, servers, shard, botId } = await setup({ servers: 2 });
    const [from, to] = servers as [FakeVoiceServer, FakeVoiceServer];
    join(shard, STAGE);
    const first = await dispatches(shard);
    const client = await voiceConnect(from, credentials(botId, first.state, first.server));
    await client.waitForOp(2);
    gateway.voice.move(GUILD_ID, { to });
    const update = await shard.waitForCount(
      (f) => f.t === GatewayDispatchEvents.VoiceServerUpdate,
      2,
      'servers',
    );
    expect(update[1]!.d).toMatchObject({ endpoint: to.endpoint });
    expect((await client.waitForClose()).code).toBe(4022);
    const moved = await voiceConnect(to, credentials(botId, first.state, update[1]!.d as VoiceServerData));
    await moved.waitForOp(2);
    moved.socket.terminate();
  });

  it('lets the voice server ask its gateway for a move (same server, new token) and a forced disconnect', async () => {
    const { server, shard, botId } = await setup();
    join(shard, STAGE);
    const first = await dispatches(shard);
    const client = await voiceConnect(server, credentials(botId, first.state, first.server));
    await client.waitForOp(2);
    server.sessions[0]!.moveEndpoint();
    const updates = await shard.waitForCount(
      (f) => f.t === GatewayDispatchEvents.VoiceServerUpdate,
      2,
      'servers',
    );
    expect((await client.waitForClose()).code).toBe(4014);
    const next = await voiceConnect(
      server,
      credentials(botId, first.state, updates[1]!.d as VoiceServerData),
    );
    await next.waitForOp(2);
    expect(server.forceDisconnect({ guildId: GUILD_ID })).toBe(1);
    const states = await shard.waitForCount(
      (f) => f.t === GatewayDispatchEvents.VoiceStateUpdate,
      2,
      'states',
    );
    expect(states[1]!.d).toMatchObject({ channel_id: null, user_id: botId });
    expect((await next.waitForClose()).code).toBe(4014);
  });

  it('sends a null endpoint: the socket stays open for the client to leave, and its session cannot resume', async () => {
    const { gateway, server, shard, botId } = await setup();
    join(shard, STAGE);
    const first = await dispatches(shard);
    const creds = credentials(botId, first.state, first.server);
    const client = await voiceConnect(server, creds);
    await client.waitForOp(2);
    gateway.voice.sendNullEndpoint(GUILD_ID);
    const update = await shard.waitForCount(
      (f) => f.t === GatewayDispatchEvents.VoiceServerUpdate,
      2,
      'servers',
    );
    expect(update[1]!.d).toMatchObject({ guild_id: GUILD_ID, endpoint: null });
    client.heartbeat();
    await client.waitForOp(6);
    expect(client.closeInfo).toBeNull();
    await client.terminate();
    const resume = await RawVoiceClient.connect(server.url);
    resume.resume(creds, 1);
    expect((await resume.waitForClose()).code).toBe(4006);
  });

  it('changes region: a null endpoint, then the new server; the old socket closes with 4022', async () => {
    const { gateway, servers, shard, botId } = await setup({ servers: 2 });
    const [from, to] = servers as [FakeVoiceServer, FakeVoiceServer];
    join(shard, STAGE);
    const first = await dispatches(shard);
    const client = await voiceConnect(from, credentials(botId, first.state, first.server));
    await client.waitForOp(2);
    gateway.voice.changeRegion(GUILD_ID, { to });
    const updates = await shard.waitForCount(
      (f) => f.t === GatewayDispatchEvents.VoiceServerUpdate,
      3,
      'servers',
    );
    expect(updates.slice(1).map((f) => (f.d as VoiceServerData).endpoint)).toEqual([null, to.endpoint]);
    expect((await client.waitForClose()).code).toBe(4022);
  });

  it('closes voice sessions with 4014 when the shard re-identifies (its gateway session is dropped)', async () => {
    const { gateway, server, shard, botId } = await setup();
    join(shard, STAGE);
    const first = await dispatches(shard);
    const client = await voiceConnect(server, credentials(botId, first.state, first.server));
    await client.waitForOp(2);
    await shard.terminate();
    await fake.identified(gateway, { intents: INTENTS });
    expect(await client.waitForClose()).toEqual({ code: 4014, reason: 'Disconnected.' });
    expect(gateway.voice.states).toEqual([]);
  });

  it('closes voice sessions with 4014 when the gateway session ends (client close 1000)', async () => {
    const { server, shard, botId } = await setup();
    join(shard, STAGE);
    const first = await dispatches(shard);
    const client = await voiceConnect(server, credentials(botId, first.state, first.server));
    await client.waitForOp(2);
    shard.socket.close(1000);
    expect((await client.waitForClose()).code).toBe(4014);
  });

  it('makes a GUILD_VOICE channel (type 2) require DAVE (4017) and a stage channel (type 13) not', async () => {
    const { server, shard, botId } = await setup();
    join(shard, VOICE);
    const first = await dispatches(shard);
    expect(server.grants[0]!.channelKind).toBe('voice');
    const noDave = await voiceConnect(server, credentials(botId, first.state, first.server));
    expect((await noDave.waitForClose()).code).toBe(4017);
    const withDave = await voiceConnect(server, credentials(botId, first.state, first.server), 1);
    await withDave.waitForOp(2);
    withDave.socket.terminate();
  });

  it('routes guilds to attached servers and answers other guilds with voiceEndpoint', async () => {
    const server = await voice.start();
    const gateway: FakeGateway = await fake.start({ guilds: GUILDS, voiceEndpoint: '127.0.0.1:9' });
    const detach = gateway.attachVoice(server, { guildIds: ['81384788765712000'] });
    const { client: shard } = await fake.identified(gateway, { intents: INTENTS });
    join(shard, STAGE);
    expect((await dispatches(shard)).server.endpoint).toBe('127.0.0.1:9');
    detach();
    gateway.attachVoice(server);
    join(shard, VOICE);
    expect((await dispatches(shard, 2)).server.endpoint).toBe(server.endpoint);
  });

  it('sends VOICE_SERVER_UPDATE but not VOICE_STATE_UPDATE to a shard without GUILD_VOICE_STATES', async () => {
    const server = await voice.start();
    const gateway = await fake.start({ guilds: GUILDS, voice: { servers: [server] } });
    const { client: shard } = await fake.identified(gateway, { intents: I.Guilds });
    join(shard, STAGE);
    await shard.waitForDispatch(GatewayDispatchEvents.VoiceServerUpdate);
    expect(shard.dispatches(GatewayDispatchEvents.VoiceStateUpdate)).toEqual([]);
  });
});
