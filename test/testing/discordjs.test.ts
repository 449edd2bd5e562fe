import { afterEach, describe, expect, it } from 'vitest';
import { REST } from '@discordjs/rest';
import { CompressionMethod, WebSocketManager, WebSocketShardEvents } from '@discordjs/ws';
import type { SessionInfo } from '@discordjs/ws';
import { GatewayDispatchEvents, GatewayIntentBits } from 'discord-api-types/v10';
import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import { FakeGateway, type FakeGatewayConnection } from '../../src/testing/index.js';

/**
 * An independent client we did not write, @discordjs/ws, against the fake gateway: if it connects,
 * receives READY and dispatches, and resumes with nothing lost or doubled, the fake behaves like
 * Discord to a real library (DESIGN.md "The fake servers are a product").
 */

const GUILD_ID = '81384788765712384';
const DM = { channel_id: '1', author: { id: '2', username: 'u', discriminator: '0' } };

interface Harness {
  gateway: FakeGateway;
  manager: WebSocketManager;
  dispatches: GatewayDispatchPayload[];
  /** Resolves with the gateway side of the manager's first socket. */
  connection: Promise<FakeGatewayConnection>;
}

let current: Harness | null = null;

afterEach(async () => {
  if (current === null) return;
  // The manager first (it closes with 1000 and stops reconnecting), then the gateway.
  await current.manager.destroy();
  await current.gateway.close();
  current = null;
});

async function connectDiscordJs(compression: CompressionMethod | null = null): Promise<Harness> {
  const gateway = await FakeGateway.start({
    heartbeatIntervalMs: 200,
    heartbeatGraceMs: 200,
    guilds: [{ id: GUILD_ID, name: 'fake guild' }],
  });
  // @discordjs/rest builds `${api}/v${version}${route}`: `api` is the unversioned base.
  const rest = new REST({ api: gateway.restBaseUrl, version: '10' }).setToken(gateway.options.token);
  // A session store per test: the default one is process-global and would leak sessions across tests.
  const sessions = new Map<number, SessionInfo>();
  const manager = new WebSocketManager({
    token: gateway.options.token,
    intents: GatewayIntentBits.Guilds | GatewayIntentBits.DirectMessages,
    rest,
    compression,
    retrieveSessionInfo: (shardId) => sessions.get(shardId) ?? null,
    updateSessionInfo: (shardId, info) => {
      if (info === null) sessions.delete(shardId);
      else sessions.set(shardId, info);
    },
  });
  const dispatches: GatewayDispatchPayload[] = [];
  manager.on(WebSocketShardEvents.Dispatch, (payload) => {
    dispatches.push(payload);
  });
  const connection = gateway.waitFor('connection');
  current = { gateway, manager, dispatches, connection };
  await manager.connect();
  return current;
}

function messages(dispatches: readonly GatewayDispatchPayload[]): { s: number; id: string }[] {
  return dispatches
    .filter((payload) => payload.t === GatewayDispatchEvents.MessageCreate)
    .map((payload) => ({ s: payload.s, id: (payload.d as { id: string }).id }));
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('@discordjs/ws against the fake gateway', () => {
  it('connects through /gateway/bot, receives READY and the GUILD_CREATE', async () => {
    const { gateway, dispatches } = await connectDiscordJs();
    expect(gateway.stats.identifies).toBe(1);
    await until(() => dispatches.some((p) => p.t === GatewayDispatchEvents.GuildCreate), 'GUILD_CREATE');
    expect(dispatches.map((p) => [p.t, p.s])).toEqual([
      ['READY', 1],
      ['GUILD_CREATE', 2],
    ]);
  });

  it('receives live dispatches in order', async () => {
    const { gateway, dispatches } = await connectDiscordJs();
    for (const id of ['a', 'b', 'c']) gateway.dispatch(GatewayDispatchEvents.MessageCreate, { ...DM, id });
    await until(() => messages(dispatches).length === 3, 'three messages');
    expect(messages(dispatches).map((m) => m.id)).toEqual(['a', 'b', 'c']);
  });

  it('resumes after a TCP drop and gets the dispatches sent while away, in order, exactly once', async () => {
    const { gateway, dispatches, connection } = await connectDiscordJs();
    gateway.dispatch(GatewayDispatchEvents.MessageCreate, { ...DM, id: 'before' });
    await until(() => messages(dispatches).length === 1, 'the live message');
    const resumed = gateway.waitFor('resumed', undefined, { timeoutMs: 10_000 });
    (await connection).terminate();
    for (const id of ['away-1', 'away-2', 'away-3']) {
      expect(gateway.dispatch(GatewayDispatchEvents.MessageCreate, { ...DM, id })).toEqual([
        expect.objectContaining({ delivered: false }),
      ]);
    }
    expect(await resumed).toMatchObject({ replayed: 3 });
    gateway.dispatch(GatewayDispatchEvents.MessageCreate, { ...DM, id: 'after' });
    await until(() => messages(dispatches).length === 5, 'five messages');
    expect(messages(dispatches)).toEqual([
      { s: 3, id: 'before' },
      { s: 4, id: 'away-1' },
      { s: 5, id: 'away-2' },
      { s: 6, id: 'away-3' },
      { s: 8, id: 'after' },
    ]);
    expect(gateway.stats).toMatchObject({ identifies: 1, resumes: 1 });
  });

  it('detects a zombie connection (no ACKs), closes with a non-1000 code and resumes', async () => {
    const { gateway, connection } = await connectDiscordJs();
    const closed = gateway.waitFor('close', undefined, { timeoutMs: 5000 });
    const resumed = gateway.waitFor('resumed', undefined, { timeoutMs: 10_000 });
    (await connection).stopHeartbeatAcks();
    const close = await closed;
    expect(close.initiator).toBe('client');
    expect(close.code).not.toBe(1000);
    expect(close.sessionResumable).toBe(true);
    await resumed;
  });

  it('speaks zlib-stream with node:zlib inflate', async () => {
    const { gateway, dispatches } = await connectDiscordJs(CompressionMethod.ZlibNative);
    const [connection] = gateway.connections;
    expect(connection?.query.compression).toBe('zlib-stream');
    gateway.dispatch(GatewayDispatchEvents.MessageCreate, { ...DM, id: 'zipped' });
    await until(() => messages(dispatches).length === 1, 'the compressed message');
  });
});
