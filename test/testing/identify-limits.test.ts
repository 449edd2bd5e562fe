import { describe, expect, it } from 'vitest';
import { GatewayCloseCodes, GatewayDispatchEvents, GatewayOpcodes } from 'discord-api-types/v10';
import type { RESTGetAPIGatewayBotResult } from 'discord-api-types/v10';
import type { FakeGateway } from '../../src/testing/index.js';
import { useFakeGateway } from './harness.js';

const { start, connect, identified } = useFakeGateway();

async function gatewayBot(gateway: FakeGateway): Promise<RESTGetAPIGatewayBotResult> {
  const response = await fetch(`${gateway.restUrl}/gateway/bot`, {
    headers: { authorization: `Bot ${gateway.options.token}` },
  });
  return (await response.json()) as RESTGetAPIGatewayBotResult;
}

/** Resolves at a moment computed from the gateway's own record (not a guessed sleep). */
function until(timestamp: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, timestamp - Date.now()) + 1));
}

describe('identify buckets (max_concurrency)', () => {
  it('answers op 9 false to an Identify whose bucket was used within identifyIntervalMs, and counts it', async () => {
    const gateway = await start({ identifyIntervalMs: 10_000 });
    await identified(gateway, { shard: [0, 2] });
    const client = await connect(gateway);
    await client.waitForOp(GatewayOpcodes.Hello);
    const attempt = gateway.waitFor('identify');
    client.identify(gateway.options.token, { shard: [1, 2] });
    const invalid = await client.waitForOp(GatewayOpcodes.InvalidSession);
    expect(invalid.d).toBe(false);
    expect(await attempt).toMatchObject({
      outcome: 'invalid-session',
      reason: 'identify-rate-limit',
      shardId: 1,
    });
    expect(gateway.stats.identifyRateViolations).toBe(1);
    expect(gateway.stats.identifies).toBe(1);
  });

  it('keeps the socket open after the bucket refusal, so a later Identify on it succeeds', async () => {
    const gateway = await start({ identifyIntervalMs: 100 });
    await identified(gateway, { shard: [0, 2] });
    const client = await connect(gateway);
    await client.waitForOp(GatewayOpcodes.Hello);
    client.identify(gateway.options.token, { shard: [1, 2] });
    await client.waitForOp(GatewayOpcodes.InvalidSession);
    await until((gateway.identifyLog[0]?.at ?? 0) + 100);
    client.identify(gateway.options.token, { shard: [1, 2] });
    await client.waitForDispatch(GatewayDispatchEvents.Ready);
    expect(client.closeInfo).toBeNull();
  });

  it('lets shards of different buckets identify at once', async () => {
    const gateway = await start({ maxConcurrency: 2, identifyIntervalMs: 10_000 });
    await identified(gateway, { shard: [0, 4] });
    await identified(gateway, { shard: [1, 4] });
    expect(gateway.identifyLog.map((entry) => [entry.shardId, entry.bucket])).toEqual([
      [0, 0],
      [1, 1],
    ]);
  });

  it('uses shard_id % max_concurrency as the bucket', async () => {
    const gateway = await start({ maxConcurrency: 2, identifyIntervalMs: 10_000 });
    await identified(gateway, { shard: [1, 4] });
    const client = await connect(gateway);
    await client.waitForOp(GatewayOpcodes.Hello);
    client.identify(gateway.options.token, { shard: [3, 4] });
    await client.waitForOp(GatewayOpcodes.InvalidSession);
  });

  it('does not count a Resume against the bucket', async () => {
    const gateway = await start({ identifyIntervalMs: 10_000 });
    const { client, ready } = await identified(gateway);
    await client.close(4000);
    const next = await connect(gateway);
    next.resume(gateway.options.token, ready.session_id, 1);
    await next.waitForDispatch(GatewayDispatchEvents.Resumed);
  });
});

describe('session_start_limit', () => {
  it('decrements remaining per accepted Identify, as /gateway/bot shows', async () => {
    const gateway = await start({ sessionStartLimit: { total: 10, remaining: 10 } });
    expect((await gatewayBot(gateway)).session_start_limit.remaining).toBe(10);
    await identified(gateway);
    await identified(gateway);
    expect((await gatewayBot(gateway)).session_start_limit).toMatchObject({ total: 10, remaining: 8 });
  });

  it('does not spend a session start on a Resume', async () => {
    const gateway = await start({ sessionStartLimit: { total: 5 } });
    const { client, ready } = await identified(gateway);
    await client.close(4000);
    const next = await connect(gateway);
    next.resume(gateway.options.token, ready.session_id, 1);
    await next.waitForDispatch(GatewayDispatchEvents.Resumed);
    expect((await gatewayBot(gateway)).session_start_limit.remaining).toBe(4);
  });

  it('answers op 9 false when no session starts remain, and counts it', async () => {
    const gateway = await start({ sessionStartLimit: { total: 1, remaining: 0 } });
    const client = await connect(gateway);
    await client.waitForOp(GatewayOpcodes.Hello);
    client.identify(gateway.options.token);
    expect((await client.waitForOp(GatewayOpcodes.InvalidSession)).d).toBe(false);
    expect(gateway.stats.sessionStartLimitExceeded).toBe(1);
    expect(gateway.stats.identifies).toBe(0);
  });

  it('with sessionStartLimitAction "terminate" closes every session with 4004 and rejects the token', async () => {
    const gateway = await start({ sessionStartLimit: { total: 1 }, sessionStartLimitAction: 'terminate' });
    const { client: live } = await identified(gateway);
    const client = await connect(gateway);
    await client.waitForOp(GatewayOpcodes.Hello);
    client.identify(gateway.options.token);
    expect((await client.waitForClose()).code).toBe(GatewayCloseCodes.AuthenticationFailed);
    expect((await live.waitForClose()).code).toBe(GatewayCloseCodes.AuthenticationFailed);
    const response = await fetch(`${gateway.restUrl}/gateway/bot`, {
      headers: { authorization: `Bot ${gateway.options.token}` },
    });
    expect(response.status).toBe(401);
  });

  it('refills remaining to total after reset_after', async () => {
    // Long enough that the identify (slow on a loaded machine) ends well inside the window.
    const gateway = await start({ sessionStartLimit: { total: 2, resetAfter: 2000 } });
    await identified(gateway);
    const before = (await gatewayBot(gateway)).session_start_limit;
    expect(before.remaining).toBe(1);
    await until(Date.now() + before.reset_after);
    const after = (await gatewayBot(gateway)).session_start_limit;
    expect(after.remaining).toBe(2);
    expect(after.reset_after).toBeLessThanOrEqual(2000);
  });
});
