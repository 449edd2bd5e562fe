import { GatewayDispatchEvents, GatewayIntentBits, GatewayOpcodes } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, SessionStoreCorruptError, ShardManager } from '../../src/index.js';
import type { ShardSession } from '../../src/index.js';
import { DEFAULT_SESSION_TTL_MS, RedisSessionStore } from '../../src/redis/index.js';
import { FakeGateway } from '../../src/testing/index.js';
import { TestClient, connectClient, uniquePrefix } from './helpers.js';
import type { TestRedis } from './helpers.js';
import { RedisServer, redisTestsEnabled } from './redis-server.js';

const enabled = redisTestsEnabled();

const session = (sessionId: string, sequence: number | null): ShardSession => ({
  sessionId,
  sequence,
  resumeUrl: 'wss://resume.example',
  shardCount: 4,
});

describe.skipIf(!enabled)('RedisSessionStore against a real redis-server', () => {
  let server: RedisServer;
  let redis: TestRedis;

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = await connectClient(server.url);
  }, 30_000);
  afterAll(async () => {
    redis?.destroy();
    await server?.dispose();
  });

  /** A store as one process would have it, on its own counted connection. */
  function store(keyPrefix: string, ttlMs?: number): { store: RedisSessionStore; client: TestClient } {
    const client = new TestClient(redis);
    return {
      store: new RedisSessionStore({ redis: client, keyPrefix, ...(ttlMs === undefined ? {} : { ttlMs }) }),
      client,
    };
  }

  it('returns what was saved, and null for a shard with nothing saved', async () => {
    const { store: s } = store(uniquePrefix());
    await s.set(1, session('a', 42));
    await s.set(2, { sessionId: 'b', sequence: null, resumeUrl: null });
    expect(await s.get(1)).toEqual(session('a', 42));
    expect(await s.get(2)).toEqual({ sessionId: 'b', sequence: null, resumeUrl: null });
    expect(await s.get(3)).toBeNull();
    await s.delete(1);
    expect(await s.get(1)).toBeNull();
  });

  it("never moves a session's sequence backwards", async () => {
    const { store: s } = store(uniquePrefix());
    await s.set(0, session('a', 50));
    await s.set(0, session('a', 40));
    expect((await s.get(0))?.sequence).toBe(50);
    await s.set(0, session('a', null));
    expect((await s.get(0))?.sequence).toBe(50);
    await s.set(0, session('a', 51));
    expect((await s.get(0))?.sequence).toBe(51);
  });

  it('does not let an older session overwrite a newer one (a process that lost the shard flushing late)', async () => {
    const prefix = uniquePrefix();
    const [old, taker] = [store(prefix).store, store(prefix).store];
    await old.set(0, session('old', 10));
    await taker.set(0, session('new', 1)); // the shard identified again elsewhere, later
    await old.set(0, session('old', 99)); // the old process's debounced flush comes last
    expect(await taker.get(0)).toEqual(session('new', 1));
  });

  it('writes every change of one flush in one round trip', async () => {
    const { store: s, client } = store(uniquePrefix());
    await s.delete(0); // loads the script into Redis: EVALSHA, then EVAL after NOSCRIPT, two calls
    const before = client.calls;
    await Promise.all(Array.from({ length: 50 }, (_, shard) => s.set(shard, session(`s${shard}`, shard))));
    expect(client.calls - before).toBe(1);
    // A manager's save interval sets the moved sequences in one tick: again one call.
    const next = client.calls;
    await Promise.all(
      Array.from({ length: 50 }, (_, shard) => s.set(shard, session(`s${shard}`, shard + 1))),
    );
    expect(client.calls - next).toBe(1);
  });

  it('reads every get of one tick in one round trip; a corrupt entry rejects only its own get', async () => {
    const { store: s, client } = store(uniquePrefix());
    await Promise.all(Array.from({ length: 50 }, (_, shard) => s.set(shard, session(`s${shard}`, shard))));
    await redis.set(s.keyOf(7), 'not a hash');
    await s.get(0); // loads the script into Redis: EVALSHA, then EVAL after NOSCRIPT, two calls
    const before = client.calls;
    const reads = await Promise.allSettled(Array.from({ length: 60 }, (_, shard) => s.get(shard)));
    expect(client.calls - before).toBe(1);
    reads.forEach((read, shard) => {
      if (shard === 7) {
        expect(read.status).toBe('rejected');
        expect((read as PromiseRejectedResult).reason).toBeInstanceOf(SessionStoreCorruptError);
      } else if (shard < 50)
        expect(read).toEqual({ status: 'fulfilled', value: session(`s${shard}`, shard) });
      else expect(read).toEqual({ status: 'fulfilled', value: null });
    });
  });

  it("records the saving connection's compression beside the session, for inspect() only", async () => {
    const { store: s } = store(uniquePrefix());
    await s.set(0, session('a', 1), { compress: 'zstd-stream' });
    expect(await s.get(0)).toEqual(session('a', 1));
    const record = await s.inspect(0);
    expect(record).toMatchObject({ session: session('a', 1), compress: 'zstd-stream' });
    expect(record?.updatedAt).toBeGreaterThan(1_600_000_000_000);
    // The same session saved again by a connection with another compression: the record follows it.
    await s.set(0, session('a', 2), { compress: 'none' });
    expect((await s.inspect(0))?.compress).toBe('none');
    // A caller that does not say: not recorded.
    await s.set(0, session('a', 3));
    expect((await s.inspect(0))?.compress).toBeNull();
    expect(await s.inspect(1)).toBeNull();
  });

  it('loads an entry written before `compress` existed', async () => {
    const { store: s } = store(uniquePrefix());
    const written = 1_700_000_000_000;
    await redis.hSet(s.keyOf(0), {
      sessionId: 'old',
      sequence: '9',
      resumeUrl: 'wss://resume.example',
      shardCount: '4',
      since: String(written),
      updatedAt: String(written),
    });
    expect(await s.get(0)).toEqual(session('old', 9));
    expect(await s.inspect(0)).toMatchObject({ compress: null, updatedAt: written });
    // And it is updated in place (the same session), gaining the field.
    await s.set(0, session('old', 10), { compress: 'zlib-stream' });
    expect(await s.inspect(0)).toMatchObject({ session: session('old', 10), compress: 'zlib-stream' });
  });

  it(`sets a TTL (default ${DEFAULT_SESSION_TTL_MS} ms, a little shorter than Discord keeps a dropped session)`, async () => {
    const prefix = uniquePrefix();
    const { store: s } = store(prefix);
    await s.set(0, session('a', 1));
    const ttl = await redis.pTTL(s.keyOf(0));
    expect(ttl).toBeGreaterThan(DEFAULT_SESSION_TTL_MS - 5_000);
    expect(ttl).toBeLessThanOrEqual(DEFAULT_SESSION_TTL_MS);
    expect(s.refreshMs).toBeLessThan(DEFAULT_SESSION_TTL_MS);
  });

  it('rejects a corrupt entry with SessionStoreCorruptError and leaves it as it is', async () => {
    const { store: s } = store(uniquePrefix());
    await redis.set(s.keyOf(0), 'not a hash');
    await redis.hSet(s.keyOf(1), { sessionId: 'a', sequence: 'many', since: '1' });
    await expect(s.get(0)).rejects.toBeInstanceOf(SessionStoreCorruptError);
    await expect(s.get(1)).rejects.toMatchObject({ code: 'STATECORD_ERR_SESSION_STORE_CORRUPT' });
    await expect(s.set(0, session('b', 1))).rejects.toBeInstanceOf(SessionStoreCorruptError);
    expect(await redis.get(s.keyOf(0))).toBe('not a hash');
    await s.delete(0);
    expect(await s.get(0)).toBeNull();
  });

  it('refuses a malformed session and a bad client or key prefix with InvalidArgumentError', async () => {
    const { store: s } = store(uniquePrefix());
    await expect(s.set(0, { sessionId: '', sequence: 1, resumeUrl: null })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(() => new RedisSessionStore({ redis: {} as never })).toThrow(InvalidArgumentError);
    expect(() => new RedisSessionStore({ redis, keyPrefix: 'a{b' })).toThrow(InvalidArgumentError);
  });

  it('lets a restarted ShardManager RESUME its sessions (RESUME on the wire)', async () => {
    const gateway = await FakeGateway.start({
      shardCount: 2,
      maxConcurrency: 2,
      identifyIntervalMs: 50,
      heartbeatIntervalMs: 5_000,
    });
    const prefix = uniquePrefix();
    const managerWith = (sessionStore: RedisSessionStore) =>
      new ShardManager({
        token: gateway.options.token,
        intents: GatewayIntentBits.Guilds | GatewayIntentBits.DirectMessageTyping,
        restUrl: gateway.restUrl,
        gatewayUrl: gateway.url,
        sessionStore,
        sessionSaveIntervalMs: 50,
      });
    try {
      const first = managerWith(store(prefix).store);
      first.createShards(2);
      await Promise.all(first.startShards());
      gateway.dispatch(
        GatewayDispatchEvents.TypingStart,
        { channel_id: '1', user_id: '2', timestamp: 1 },
        { shardId: 0 },
      );
      await first.stopShards({ resumable: true });
      const identifies = gateway.received.filter((frame) => frame.op === GatewayOpcodes.Identify).length;

      const second = managerWith(store(prefix).store);
      second.createShards(2);
      await Promise.all(second.startShards());
      await second.stopShards();
      const resumes = gateway.received.filter((frame) => frame.op === GatewayOpcodes.Resume);
      expect(resumes).toHaveLength(2);
      expect(gateway.received.filter((frame) => frame.op === GatewayOpcodes.Identify)).toHaveLength(
        identifies,
      );
      // A non-resumable stop deleted the sessions.
      expect(await store(prefix).store.get(0)).toBeNull();
    } finally {
      await gateway.close();
    }
  }, 30_000);

  it('resumes a session saved under another transport compression (compression is per connection)', async () => {
    const gateway = await FakeGateway.start({
      shardCount: 1,
      identifyIntervalMs: 50,
      heartbeatIntervalMs: 5_000,
    });
    const prefix = uniquePrefix();
    const managerWith = (compress: 'none' | 'zlib-stream') =>
      new ShardManager({
        token: gateway.options.token,
        intents: GatewayIntentBits.Guilds,
        restUrl: gateway.restUrl,
        gatewayUrl: gateway.url,
        sessionStore: store(prefix).store,
        compress,
      });
    try {
      const first = managerWith('none');
      first.createShards(1);
      await Promise.all(first.startShards());
      await first.stopShards({ resumable: true });
      expect((await store(prefix).store.inspect(0))?.compress).toBe('none');

      const second = managerWith('zlib-stream');
      second.createShards(1);
      await Promise.all(second.startShards());
      await second.stopShards({ resumable: true });
      expect(gateway.received.filter((frame) => frame.op === GatewayOpcodes.Identify)).toHaveLength(1);
      expect(gateway.received.filter((frame) => frame.op === GatewayOpcodes.Resume)).toHaveLength(1);
      expect((await store(prefix).store.inspect(0))?.compress).toBe('zlib-stream');
    } finally {
      await gateway.close();
    }
  }, 30_000);

  it("loads all of a starting ShardManager's sessions in one round trip", async () => {
    const gateway = await FakeGateway.start({ shardCount: 4, maxConcurrency: 4, identifyIntervalMs: 50 });
    // Script calls without arguments are reads (a write passes at least its TTL). Each script call
    // starts with one EVALSHA (an EVAL follows only after NOSCRIPT): counting those counts round trips.
    let reads = 0;
    const counting = {
      eval: (script: string, options: { keys: string[]; arguments: string[] }) => redis.eval(script, options),
      evalSha: (sha1: string, options: { keys: string[]; arguments: string[] }) => {
        if (options.arguments.length === 0) reads += 1;
        return redis.evalSha(sha1, options);
      },
    };
    const manager = new ShardManager({
      token: gateway.options.token,
      intents: GatewayIntentBits.Guilds,
      restUrl: gateway.restUrl,
      gatewayUrl: gateway.url,
      sessionStore: new RedisSessionStore({ redis: counting, keyPrefix: uniquePrefix() }),
    });
    try {
      manager.createShards(4);
      await Promise.all(manager.startShards());
      expect(reads).toBe(1);
    } finally {
      await manager.stopShards();
      await gateway.close();
    }
  }, 30_000);
});
