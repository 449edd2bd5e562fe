import { describe, expect, it } from 'vitest';
import type { RESTGetAPIGatewayBotResult, RESTGetAPIGatewayResult } from 'discord-api-types/v10';
import { DEFAULT_FAKE_TOKEN } from '../../src/testing/index.js';
import { useFakeGateway } from './harness.js';

const { start } = useFakeGateway();

describe('REST: GET /gateway and GET /gateway/bot', () => {
  it('serves GET /gateway without auth', async () => {
    const gateway = await start();
    const response = await fetch(`${gateway.restUrl}/gateway`);
    expect(response.status).toBe(200);
    expect((await response.json()) as RESTGetAPIGatewayResult).toEqual({ url: gateway.url });
  });

  it('serves GET /gateway/bot with Authorization: Bot <token>', async () => {
    const gateway = await start({ shardCount: 4, maxConcurrency: 2, sessionStartLimit: { total: 2000 } });
    const response = await fetch(`${gateway.restUrl}/gateway/bot`, {
      headers: { authorization: `Bot ${DEFAULT_FAKE_TOKEN}` },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as RESTGetAPIGatewayBotResult;
    expect(body).toMatchObject({
      url: gateway.url,
      shards: 4,
      session_start_limit: { total: 2000, remaining: 2000, max_concurrency: 2 },
    });
    expect(body.session_start_limit.reset_after).toBeGreaterThan(86_000_000);
  });

  it('answers 401 with Discord error JSON without a token', async () => {
    const gateway = await start();
    const response = await fetch(`${gateway.restUrl}/gateway/bot`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: '401: Unauthorized', code: 0 });
  });

  it('answers 401 for a wrong token or a missing Bot prefix', async () => {
    const gateway = await start();
    for (const authorization of ['Bot wrong', DEFAULT_FAKE_TOKEN]) {
      const response = await fetch(`${gateway.restUrl}/gateway/bot`, { headers: { authorization } });
      expect(response.status).toBe(401);
    }
  });

  it('answers 404 JSON for unknown routes', async () => {
    const gateway = await start();
    const response = await fetch(`${gateway.restUrl}/users/@me`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: '404: Not Found', code: 0 });
  });

  it('answers 405 for a method other than GET', async () => {
    const gateway = await start();
    expect((await fetch(`${gateway.restUrl}/gateway`, { method: 'POST' })).status).toBe(405);
  });

  it('serves the unversioned /api path too', async () => {
    const gateway = await start();
    expect((await fetch(`${gateway.restBaseUrl}/gateway`)).status).toBe(200);
  });
});
