import { describe, expect, it } from 'vitest';
import { GatewayOpcodes } from 'discord-api-types/v10';
import { InvalidArgumentError, RequestTimeoutError } from '../../src/errors.js';
import { FakeGateway } from '../../src/testing/index.js';
import { RawClient } from './raw-client.js';
import { useFakeGateway } from './harness.js';

const { start, connect } = useFakeGateway();

describe('FakeGateway lifecycle and options', () => {
  it('rejects impossible options with InvalidArgumentError', async () => {
    await expect(FakeGateway.start({ shardCount: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(FakeGateway.start({ guilds: [{ id: 'not-a-snowflake' }] })).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(FakeGateway.start({ privilegedIntents: 1 << 17 })).rejects.toThrow(InvalidArgumentError);
  });

  it('reads back the options with Discord defaults applied', async () => {
    const gateway = await start({}, false);
    expect(gateway.options).toMatchObject({
      shardCount: 1,
      maxConcurrency: 1,
      identifyIntervalMs: 5000,
      heartbeatIntervalMs: 41_250,
      sessionStartLimit: { total: 1000, remaining: 1000, resetAfter: 86_400_000 },
      sessionTtlMs: 180_000,
      replayBufferSize: 5000,
      privilegedIntents: 0,
      commandRateLimit: { limit: 120, windowMs: 60_000 },
      maxPayloadBytes: 4096,
    });
  });

  it('waitFor rejects with RequestTimeoutError after timeoutMs', async () => {
    const gateway = await start();
    await expect(gateway.waitFor('ready', undefined, { timeoutMs: 20 })).rejects.toThrow(RequestTimeoutError);
  });

  it('waitFor resolves with the first event that matches the predicate', async () => {
    const gateway = await start();
    const second = gateway.waitFor('connection', (connection) => connection.id === 2);
    await connect(gateway);
    await connect(gateway);
    expect((await second).id).toBe(2);
  });

  it('waitFor rejects when the gateway closes', async () => {
    const gateway = await start();
    const waiting = gateway.waitFor('ready');
    const closing = gateway.close();
    await expect(waiting).rejects.toThrow(/closed/);
    await closing;
  });

  it('onConnection calls back for new connections until unsubscribed', async () => {
    const gateway = await start();
    const seen: number[] = [];
    const unsubscribe = gateway.onConnection((connection) => seen.push(connection.id));
    await connect(gateway);
    unsubscribe();
    await connect(gateway);
    expect(seen).toEqual([1]);
  });

  it('close() closes open connections with 1001, and is idempotent', async () => {
    const gateway = await FakeGateway.start({ heartbeatIntervalMs: 10_000 });
    const client = await RawClient.connect(gateway.url);
    await client.waitForOp(GatewayOpcodes.Hello);
    await Promise.all([gateway.close(), gateway.close()]);
    expect((await client.waitForClose()).code).toBe(1001);
    expect(gateway.connections).toHaveLength(0);
    await gateway.close();
  });

  it('close() refuses new connections afterwards', async () => {
    const gateway = await FakeGateway.start();
    const url = gateway.url;
    await gateway.close();
    await expect(RawClient.connect(url)).rejects.toThrow();
  });
});
