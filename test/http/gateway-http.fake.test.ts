import { afterEach, describe, expect, it } from 'vitest';
import { GatewayHttp } from '../../src/http/index.js';
import { HttpUnauthorizedError } from '../../src/errors.js';
import { FakeGateway, type FakeGatewayOptions } from '../../src/testing/index.js';

const TOKEN = 'MTA5OTk5OTk5OTk5OTk5OTk5OQ.fake-gateway.token-for-http-tests';

const gateways: FakeGateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
});

async function start(options: FakeGatewayOptions = {}): Promise<FakeGateway> {
  const gateway = await FakeGateway.start({ token: TOKEN, ...options });
  gateways.push(gateway);
  return gateway;
}

describe('GatewayHttp against the FakeGateway (docs/protocol/gateway.md §1.1)', () => {
  it('GET /gateway returns { url } without a token check', async () => {
    const gateway = await start();
    const http = new GatewayHttp({ token: 'not-the-token', restUrl: gateway.restUrl });
    await expect(http.getGateway()).resolves.toEqual({ url: gateway.url });
  });

  it('GET /gateway/bot returns url, shards and session_start_limit', async () => {
    const gateway = await start({
      shardCount: 12,
      maxConcurrency: 4,
      sessionStartLimit: { total: 2000, remaining: 1500, resetAfter: 3_600_000 },
    });
    const http = new GatewayHttp({ token: TOKEN, restUrl: gateway.restUrl });
    const bot = await http.getBot();
    expect(bot).toMatchObject({
      url: gateway.url,
      shards: 12,
      session_start_limit: { total: 2000, remaining: 1500, max_concurrency: 4 },
    });
    expect(bot.session_start_limit.reset_after).toBeGreaterThan(3_500_000);
    expect(bot.session_start_limit.reset_after).toBeLessThanOrEqual(3_600_000);
    await expect(http.getBotRequiredShards()).resolves.toBe(12);
  });

  it('a wrong token is HttpUnauthorizedError (401), not retried', async () => {
    const gateway = await start();
    let sleeps = 0;
    const http = new GatewayHttp({
      token: 'wrong-token',
      restUrl: gateway.restUrl,
      sleep: () => {
        sleeps += 1;
        return Promise.resolve();
      },
    });
    const error = await http.getBot().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpUnauthorizedError);
    expect(error).toMatchObject({
      code: 'STATECORD_ERR_HTTP_UNAUTHORIZED',
      status: 401,
      path: '/gateway/bot',
      attempts: 1,
      discordCode: 0,
      discordMessage: '401: Unauthorized',
    });
    expect(sleeps).toBe(0);
  });
});
