import { describe, expect, it } from 'vitest';
import {
  GatewayDispatchEvents,
  GatewayIntentBits,
  GatewayOpcodes,
  PresenceUpdateStatus,
} from 'discord-api-types/v10';
import type { GatewayPresenceUpdateData } from 'discord-api-types/v10';
import { GatewayRateLimitedError, PayloadTooLargeError, ShardStoppedError } from '../../src/errors.js';
import type { DispatchRecord, FakeGuild, FakeGuildMember } from '../../src/testing/index.js';
import {
  GUILD_ID,
  INTENTS,
  INVALID_SESSION_TIMEOUT_MS,
  NO_JITTER,
  nextDispatch,
  nextEvent,
  useShardRigs,
  waitForGateway,
} from './harness.js';
import type { Rig } from './harness.js';

const { rig, readyRig } = useShardRigs();

const I = GatewayIntentBits;
const OTHER_GUILD_ID = '81384788765712390';
const PRESENCE: GatewayPresenceUpdateData = {
  since: null,
  activities: [{ name: 'tests', type: 0 }],
  status: PresenceUpdateStatus.DoNotDisturb,
  afk: false,
};

function member(index: number): FakeGuildMember {
  return {
    user: { id: String(2_000_000 + index), username: `user${index}`, discriminator: '0', avatar: null },
    roles: [],
    joined_at: '2020-01-01T00:00:00.000Z',
    deaf: false,
    mute: false,
    flags: 0,
  };
}

function guildWithMembers(id: string, count: number, firstIndex = 0): FakeGuild {
  return { id, members: Array.from({ length: count }, (_, i) => member(firstIndex + i)) };
}

const opFrames = (r: Rig, op: GatewayOpcodes) => r.gateway.received.filter((frame) => frame.op === op);

/** Waits until the gateway received a later command: every frame sent before it has arrived (a barrier). */
async function barrier(r: Rig): Promise<void> {
  const arrived = waitForGateway(
    r.gateway,
    'frame',
    (frame) => frame.op === GatewayOpcodes.RequestSoundboardSounds,
  );
  await r.shard.gateway.requestSoundboardSounds([]);
  await arrived;
}

describe('commands on the wire', () => {
  it('updateStatus sends op 3 with the presence', async () => {
    const r = await readyRig();
    const frame = waitForGateway(r.gateway, 'frame', (f) => f.op === GatewayOpcodes.PresenceUpdate);
    await r.shard.gateway.updateStatus(PRESENCE);

    expect((await frame).d).toEqual(PRESENCE);
  });

  it('updateVoiceState sends op 4, and the answers arrive as dispatches', async () => {
    const r = await readyRig({ shard: { intents: INTENTS | I.GuildVoiceStates } });
    const state = { guild_id: GUILD_ID, channel_id: '81384788765712399', self_mute: true, self_deaf: false };
    const frame = waitForGateway(r.gateway, 'frame', (f) => f.op === GatewayOpcodes.VoiceStateUpdate);
    const server = nextDispatch(r.shard.gateway, GatewayDispatchEvents.VoiceServerUpdate);
    await r.shard.gateway.updateVoiceState(state);

    expect((await frame).d).toEqual(state);
    expect(await server).toMatchObject({ guild_id: GUILD_ID });
  });

  it('requestSoundboardSounds sends op 31, answered by SOUNDBOARD_SOUNDS', async () => {
    const r = await readyRig();
    const frame = waitForGateway(r.gateway, 'frame', (f) => f.op === GatewayOpcodes.RequestSoundboardSounds);
    const sounds = nextDispatch(r.shard.gateway, GatewayDispatchEvents.SoundboardSounds);
    await r.shard.gateway.requestSoundboardSounds([GUILD_ID]);

    expect((await frame).d).toEqual({ guild_ids: [GUILD_ID] });
    expect(await sounds).toEqual({ guild_id: GUILD_ID, soundboard_sounds: [] });
  });

  it('a command issued before READY is sent once the session is live', async () => {
    const r = await rig();
    const started = r.shard.start();
    const sent = r.shard.gateway.updateStatus(PRESENCE);
    await started;
    await sent;
    await barrier(r);

    const frames = r.gateway.received.map((frame) => frame.op);
    expect(frames.filter((op) => op === GatewayOpcodes.PresenceUpdate)).toHaveLength(1);
    expect(frames.indexOf(GatewayOpcodes.PresenceUpdate)).toBeGreaterThan(
      frames.indexOf(GatewayOpcodes.Identify),
    );
  });
});

describe('requestGuildMembers', () => {
  const gateway = {
    privilegedIntents: I.GuildMembers,
    guilds: [guildWithMembers(GUILD_ID, 2_500), guildWithMembers(OTHER_GUILD_ID, 1_200, 10_000)],
  };
  const shard = { intents: I.Guilds | I.GuildMembers };

  it('resolves with every member of all chunks (2500 members, 3 chunks)', async () => {
    const r = await readyRig({ gateway, shard });
    const result = await r.shard.gateway.requestGuildMembers({ guild_id: GUILD_ID, query: '', limit: 0 });

    expect(result.guildId).toBe(GUILD_ID);
    expect(result.chunkCount).toBe(3);
    expect(result.members).toHaveLength(2_500);
    expect(new Set(result.members.map((m) => m.user.id)).size).toBe(2_500);
    expect(result.notFound).toEqual([]);
  });

  it('matches chunks to concurrent requests by nonce', async () => {
    const r = await readyRig({ gateway, shard });
    const [first, second] = await Promise.all([
      r.shard.gateway.requestGuildMembers({ guild_id: GUILD_ID, query: '', limit: 0 }),
      r.shard.gateway.requestGuildMembers({ guild_id: OTHER_GUILD_ID, query: '', limit: 0 }),
    ]);

    expect([first.guildId, first.members.length, first.chunkCount]).toEqual([GUILD_ID, 2_500, 3]);
    expect([second.guildId, second.members.length, second.chunkCount]).toEqual([OTHER_GUILD_ID, 1_200, 2]);
    const nonces = opFrames(r, GatewayOpcodes.RequestGuildMembers).map(
      (f) => (f.d as { nonce: string }).nonce,
    );
    expect(new Set(nonces).size).toBe(2);
    for (const nonce of nonces) expect(Buffer.byteLength(nonce)).toBeLessThanOrEqual(32);
  });

  it('reports unknown user ids as notFound', async () => {
    const r = await readyRig({ gateway, shard });
    const result = await r.shard.gateway.requestGuildMembers({
      guild_id: GUILD_ID,
      user_ids: [String(2_000_000 + 7), '999999999999999999'],
    });

    expect(result.members.map((m) => m.user.id)).toEqual([String(2_000_007)]);
    expect(result.notFound).toEqual(['999999999999999999']);
  });

  it('rejects with GatewayRateLimitedError when the gateway answers RATE_LIMITED', async () => {
    const r = await readyRig({ gateway, shard });
    await r.shard.gateway.requestGuildMembers({ guild_id: GUILD_ID, query: '', limit: 0 });
    const again = r.shard.gateway.requestGuildMembers({ guild_id: GUILD_ID, query: '', limit: 0 });

    await expect(again).rejects.toBeInstanceOf(GatewayRateLimitedError);
    await expect(again).rejects.toMatchObject({ code: 'STATECORD_ERR_RATE_LIMITED', opcode: 8 });
  });
});

describe('commands across a reconnect', () => {
  it('a command issued while disconnected is sent once, after the resume', async () => {
    const r = await readyRig();
    const old = r.connection;
    r.hello.hold();
    const closed = waitForGateway(r.gateway, 'close', (close) => close.connectionId === old.id);
    const next = waitForGateway(r.gateway, 'connection');
    old.terminate();
    const [, connection] = await Promise.all([closed, next]);

    const sent = r.shard.gateway.updateStatus(PRESENCE);
    const reconnected = nextEvent(r.shard, 'reconnected');
    r.hello.release();
    await reconnected;
    await sent;
    await barrier(r);

    const presences = opFrames(r, GatewayOpcodes.PresenceUpdate);
    expect(presences).toHaveLength(1);
    expect(presences[0]?.connectionId).toBe(connection.id);
    const ops = r.gateway.received.filter((f) => f.connectionId === connection.id).map((f) => f.op);
    expect(ops.indexOf(GatewayOpcodes.PresenceUpdate)).toBeGreaterThan(ops.indexOf(GatewayOpcodes.Resume));
  });

  it('a command waiting while the session is re-established after op 9 false is sent once, on the new session', async () => {
    const r = await readyRig({ shard: { random: NO_JITTER } });
    const reconnected = nextEvent(r.shard, 'reconnected', undefined, INVALID_SESSION_TIMEOUT_MS);
    r.connection.invalidateSession(false);
    await nextEvent(r.shard, 'sessionLost');
    const sent = r.shard.gateway.updateStatus(PRESENCE);
    await reconnected;
    await sent;
    await barrier(r);

    const frames = r.gateway.received.map((frame) => frame.op);
    expect(frames.filter((op) => op === GatewayOpcodes.PresenceUpdate)).toHaveLength(1);
    expect(frames.indexOf(GatewayOpcodes.PresenceUpdate)).toBeGreaterThan(
      frames.lastIndexOf(GatewayOpcodes.Identify),
    );
  });
});

describe('member chunks across a resume', () => {
  it('a request whose chunks are cut off by a dropped connection resolves from the replay', async () => {
    const r = await readyRig({
      gateway: { privilegedIntents: I.GuildMembers, guilds: [guildWithMembers(GUILD_ID, 2_500)] },
      shard: { intents: I.Guilds | I.GuildMembers },
    });
    // The connection drops right after the first chunk went out: the other two are buffered.
    const dropAfterFirstChunk = (record: DispatchRecord): void => {
      if (record.t !== 'GUILD_MEMBERS_CHUNK') return;
      r.gateway.off('dispatch', dropAfterFirstChunk);
      r.connection.terminate();
    };
    r.gateway.on('dispatch', dropAfterFirstChunk);
    const reconnected = nextEvent(r.shard, 'reconnected');
    const result = await r.shard.gateway.requestGuildMembers({ guild_id: GUILD_ID, query: '', limit: 0 });
    await reconnected;

    expect([result.chunkCount, result.members.length]).toEqual([3, 2_500]);
    expect(new Set(result.members.map((m) => m.user.id)).size).toBe(2_500);
    r.expectDeliveredExactlyOnce();
  });
});

describe('command limits and stop', () => {
  it('a command over 4096 bytes rejects with PayloadTooLargeError and nothing is sent', async () => {
    const r = await readyRig();
    const huge = { ...PRESENCE, activities: [{ name: 'x'.repeat(5_000), type: 0 }] };

    const error: unknown = await r.shard.gateway.updateStatus(huge).catch((rejection: unknown) => rejection);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ code: 'STATECORD_ERR_PAYLOAD_TOO_LARGE', limit: 4096 });
    await barrier(r);

    expect(opFrames(r, GatewayOpcodes.PresenceUpdate)).toEqual([]);
    expect(r.gateway.closes).toEqual([]);
    expect(r.shard.state).toBe('ready');
  });

  it('commands waiting for a connection reject with ShardStoppedError on stop()', async () => {
    const r = await readyRig();
    r.hello.hold();
    const next = waitForGateway(r.gateway, 'connection');
    r.connection.terminate();
    await next;

    const status = r.shard.gateway.updateStatus(PRESENCE);
    const members = r.shard.gateway.requestGuildMembers({ guild_id: GUILD_ID, user_ids: ['1'] });
    const rejected = Promise.all([
      expect(status).rejects.toBeInstanceOf(ShardStoppedError),
      expect(members).rejects.toBeInstanceOf(ShardStoppedError),
    ]);
    await r.shard.stop();
    await rejected;
    expect(opFrames(r, GatewayOpcodes.PresenceUpdate)).toEqual([]);
    expect(opFrames(r, GatewayOpcodes.RequestGuildMembers)).toEqual([]);
  });

  it('a member request still waiting for its chunks rejects with ShardStoppedError on stop()', async () => {
    const r = await readyRig();
    // The gateway does not answer op 8 for a guild this shard does not hold.
    const frame = waitForGateway(r.gateway, 'frame', (f) => f.op === GatewayOpcodes.RequestGuildMembers);
    const members = r.shard.gateway.requestGuildMembers({ guild_id: '999999999999999999', user_ids: ['1'] });
    await frame;
    const rejected = expect(members).rejects.toBeInstanceOf(ShardStoppedError);
    await r.shard.stop();
    await rejected;
  });
});
