import { describe, expect, it } from 'vitest';
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import { ShardGateway } from '../../src/shard/index.js';
import type { Shard } from '../../src/shard/index.js';
import type { FakeGateway } from '../../src/testing/index.js';
import { GUILD_ID, nextDispatch, nextEvent, shardDefaults, useShardRigs, waitForGateway } from './harness.js';

const { startGateway, createShard } = useShardRigs();

/** A started shard on a fresh gateway, listening to nothing; every warning it reports is kept. */
async function readyShard(): Promise<{ gateway: FakeGateway; shard: Shard; warnings: unknown[] }> {
  const { gateway } = await startGateway();
  const shard = createShard(shardDefaults(gateway));
  const warnings: unknown[] = [];
  shard.on('warning', ({ error }) => warnings.push(error));
  await shard.start();
  return { gateway, shard, warnings };
}

const message = (id: string) => ({
  id,
  guild_id: GUILD_ID,
  channel_id: '81384788765712385',
  content: id,
  author: { id: '80351110224678912', username: 'someone' },
});

/** Dispatches a MESSAGE_CREATE and waits until the shard delivered it: everything sent before was read. */
async function sendCreate(gateway: FakeGateway, shard: Shard, id: string): Promise<void> {
  const delivered = nextDispatch(shard.gateway, GatewayDispatchEvents.MessageCreate, (d) => d.id === id);
  gateway.dispatch(GatewayDispatchEvents.MessageCreate, message(id), { shardId: shard.id });
  await delivered;
}

/** A MESSAGE_UPDATE whose `d` is not JSON: a parse would fail it, a skip never sees it. */
const BROKEN_UPDATE = '{"t":"MESSAGE_UPDATE","s":null,"op":0,"d":{"content":"}\\"{", "unterminated": [';

describe('selective decoding: a dispatch nobody listens to is not parsed', () => {
  it('drops a dispatch of a type without listeners unparsed (its broken d is never seen)', async () => {
    const { gateway, shard, warnings } = await readyShard();
    shard.gateway.on(GatewayDispatchEvents.MessageCreate, () => undefined);
    gateway.connections[0]!.sendRaw(BROKEN_UPDATE);
    await sendCreate(gateway, shard, 'after-broken');
    expect(warnings).toEqual([]);
    expect(gateway.stats.connections).toBe(1);
  });

  it('still parses a dispatch someone listens to, so the same broken frame is a decode error', async () => {
    const { gateway, shard } = await readyShard();
    shard.gateway.on(GatewayDispatchEvents.MessageUpdate, () => undefined);
    const warned = nextEvent(shard, 'warning');
    gateway.connections[0]!.sendRaw(BROKEN_UPDATE);
    expect((await warned).error).toMatchObject({ code: 'STATECORD_ERR_DECODE' });
  });

  it('counts the s of skipped dispatches: the resume asks for nothing twice', async () => {
    const { gateway, shard } = await readyShard();
    for (let index = 0; index < 3; index++) {
      gateway.dispatch(GatewayDispatchEvents.MessageUpdate, message(`update-${index}`), { shardId: 0 });
    }
    await sendCreate(gateway, shard, 'last');
    const last = gateway.sessions[0]!.seq;
    expect(shard.session?.sequence).toBe(last);

    const resumed = waitForGateway(gateway, 'resume');
    const reconnected = nextEvent(shard, 'reconnected');
    gateway.connections[0]!.terminate();
    expect(await resumed).toMatchObject({ seq: last, outcome: 'resumed', replayed: 0 });
    expect(await reconnected).toEqual({ sessionId: shard.session!.sessionId, isNewSession: false });
  });

  it('delivers a type to a listener added after start from the next dispatch on, and stops when it is removed', async () => {
    const { gateway, shard } = await readyShard();
    const send = (id: string) =>
      gateway.dispatch(GatewayDispatchEvents.MessageUpdate, message(id), { shardId: shard.id });
    send('before');
    await sendCreate(gateway, shard, 'mark-1');

    const got: string[] = [];
    const off = shard.gateway.on(GatewayDispatchEvents.MessageUpdate, (data) => {
      got.push(data.id);
    });
    send('while-listening');
    await sendCreate(gateway, shard, 'mark-2');
    off();
    send('after');
    await sendCreate(gateway, shard, 'mark-3');
    expect(got).toEqual(['while-listening']);
  });
});

describe('what makes a dispatch type wanted (ShardGateway.wants)', () => {
  const TYPE = GatewayDispatchEvents.MessageCreate;
  /** A `ShardGateway` as a shard builds it, without a shard. */
  const newGateway = () =>
    new ShardGateway({
      send: () => Promise.resolve(),
      onListenerError: () => undefined,
      intents: 0,
      chunkTimeoutMs: 1_000,
    });

  it('a listener for the type, while it is registered', () => {
    const gateway = newGateway();
    expect(gateway.wants(TYPE)).toBe(false);
    const off = gateway.on(TYPE, () => undefined);
    expect(gateway.wants(TYPE)).toBe(true);
    expect(gateway.wants(GatewayDispatchEvents.TypingStart)).toBe(false);
    off();
    expect(gateway.wants(TYPE)).toBe(false);
  });

  it('a listener for every dispatch turns selection off', () => {
    const gateway = newGateway();
    expect(gateway.wantsAll()).toBe(false);
    gateway.on('dispatch', () => undefined);
    expect(gateway.wants(GatewayDispatchEvents.TypingStart)).toBe(true);
    expect(gateway.wantsAll()).toBe(true);
  });

  it("the manager's relay, only while it wants dispatches", () => {
    const gateway = newGateway();
    let managerListens = false;
    gateway.relayTo({ wants: () => managerListens, deliver: () => undefined });
    expect(gateway.wants(TYPE)).toBe(false);
    managerListens = true;
    expect(gateway.wants(TYPE)).toBe(true);
    expect(gateway.wantsAll()).toBe(true);
  });

  it('a pending member request, for its chunks', async () => {
    const gateway = newGateway();
    const CHUNK = GatewayDispatchEvents.GuildMembersChunk;
    expect(gateway.wants(CHUNK)).toBe(false);
    const request = gateway.requestGuildMembers({ guild_id: GUILD_ID, user_ids: ['80351110224678912'] });
    expect(gateway.wants(CHUNK)).toBe(true);
    gateway.failPending(new Error('stopped'));
    await expect(request).rejects.toThrow('stopped');
    expect(gateway.wants(CHUNK)).toBe(false);
  });
});
