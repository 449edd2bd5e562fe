import { setTimeout as delay } from 'node:timers/promises';
import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import { GatewayHttp, type Sleep } from '../../src/http/index.js';
import {
  HttpAbortedError,
  HttpError,
  HttpMalformedResponseError,
  HttpNetworkError,
  HttpRateLimitedError,
  HttpServerError,
  HttpUnauthorizedError,
  InvalidArgumentError,
} from '../../src/errors.js';
import { BOT_BODY, recordingSleep, useLocalServers } from './local-server.js';

const TOKEN = 'MTA5OTk5OTk5OTk5OTk5OTk5OQ.retry-tests.not-a-real-token';
const { listen, scripted, closedPortUrl } = useLocalServers();

describe('GatewayHttp: requests', () => {
  it('sends Authorization, User-Agent and Accept on /gateway/bot and no Authorization on /gateway', async () => {
    const server = await listen((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.url === '/api/v10/gateway' ? { url: BOT_BODY.url } : BOT_BODY));
    });
    const http = new GatewayHttp({
      token: TOKEN,
      restUrl: `${server.restUrl}/`,
      userAgent: 'DiscordBot (x, 1)',
    });
    await http.getGateway();
    await http.getBot();
    const [gateway, bot] = server.requests;
    expect(gateway).toMatchObject({ method: 'GET', path: '/api/v10/gateway' });
    expect(gateway?.headers.authorization).toBeUndefined();
    expect(bot).toMatchObject({ method: 'GET', path: '/api/v10/gateway/bot' });
    expect(bot?.headers).toMatchObject({
      authorization: `Bot ${TOKEN}`,
      'user-agent': 'DiscordBot (x, 1)',
      accept: 'application/json',
    });
  });

  it('uses the given undici dispatcher', async () => {
    const server = await scripted([{ status: 200, body: BOT_BODY }]);
    const agent = new Agent();
    let dispatched = 0;
    const counting = agent.compose((dispatch) => (options, handler) => {
      dispatched += 1;
      return dispatch(options, handler);
    });
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl, dispatcher: counting });
    await expect(http.getBotRequiredShards()).resolves.toBe(9);
    expect(dispatched).toBe(1);
    await agent.close();
  });

  it('keeps only the documented fields', async () => {
    const server = await scripted([{ status: 200, body: { ...BOT_BODY, extra: 1 } }]);
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl });
    expect(await http.getBot()).toEqual(BOT_BODY);
  });

  it('rejects invalid options with InvalidArgumentError', () => {
    expect(() => new GatewayHttp({ token: '' })).toThrow(InvalidArgumentError);
    expect(() => new GatewayHttp({ token: TOKEN, restUrl: 'not a url' })).toThrow(InvalidArgumentError);
    expect(() => new GatewayHttp({ token: TOKEN, restUrl: 'ftp://x/api' })).toThrow(InvalidArgumentError);
    expect(() => new GatewayHttp({ token: TOKEN, maxRetries: -1 })).toThrow(InvalidArgumentError);
  });
});

describe('GatewayHttp: 429', () => {
  it('waits retry_after (JSON, seconds) and retries', async () => {
    const server = await scripted([
      { status: 429, body: { message: 'You are being rate limited.', retry_after: 1.5, global: false } },
      { status: 200, body: BOT_BODY },
    ]);
    const { waits, sleep } = recordingSleep();
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl, sleep });
    await expect(http.getBot()).resolves.toEqual(BOT_BODY);
    expect(waits).toEqual([1500]);
    expect(server.requests).toHaveLength(2);
  });

  it('falls back to the Retry-After header (seconds)', async () => {
    const server = await scripted([
      { status: 429, body: 'rate limited', headers: { 'retry-after': '3' } },
      { status: 200, body: { url: 'wss://gateway.discord.gg' } },
    ]);
    const { waits, sleep } = recordingSleep();
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl, sleep });
    await expect(http.getGateway()).resolves.toEqual({ url: 'wss://gateway.discord.gg' });
    expect(waits).toEqual([3000]);
  });

  it('after maxRetries retries: HttpRateLimitedError with retryAfterMs', async () => {
    const server = await scripted([
      {
        status: 429,
        body: { message: 'You are being rate limited.', retry_after: 0.25, global: true },
        headers: { 'x-ratelimit-scope': 'global' },
      },
    ]);
    const { waits, sleep } = recordingSleep();
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl, sleep, maxRetries: 2 });
    const error = await http.getBot().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRateLimitedError);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({
      code: 'STATECORD_ERR_HTTP_RATE_LIMITED',
      status: 429,
      retryAfterMs: 250,
      global: true,
      scope: 'global',
      attempts: 3,
    });
    expect(waits).toEqual([250, 250]);
    expect(server.requests).toHaveLength(3);
  });

  it('does not wait out a retry_after above maxRetryAfterMs', async () => {
    const server = await scripted([{ status: 429, body: { retry_after: 3600 } }]);
    const { waits, sleep } = recordingSleep();
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl, sleep, maxRetryAfterMs: 10_000 });
    await expect(http.getBot()).rejects.toMatchObject({ retryAfterMs: 3_600_000, attempts: 1 });
    expect(waits).toEqual([]);
  });
});

describe('GatewayHttp: 5xx and other statuses', () => {
  it('retries a 500 with a short backoff, then succeeds', async () => {
    const server = await scripted([
      { status: 500, body: { message: '500: Internal Server Error', code: 0 } },
      { status: 200, body: BOT_BODY },
    ]);
    const { waits, sleep } = recordingSleep();
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl, sleep });
    await expect(http.getBot()).resolves.toEqual(BOT_BODY);
    expect(waits).toEqual([250]);
  });

  it('502 on every attempt: HttpServerError after maxRetries, backoff doubling', async () => {
    const server = await scripted([{ status: 502, body: '<html>Bad Gateway</html>' }]);
    const { waits, sleep } = recordingSleep();
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl, sleep, retryBackoffMs: 100 });
    const error = await http.getBot().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpServerError);
    expect(error).toMatchObject({ code: 'STATECORD_ERR_HTTP_SERVER_ERROR', status: 502, attempts: 4 });
    expect(waits).toEqual([100, 200, 400]);
    expect(server.requests).toHaveLength(4);
  });

  it('maxRetries 0 fails on the first 503', async () => {
    const server = await scripted([{ status: 503 }]);
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl, maxRetries: 0 });
    await expect(http.getGateway()).rejects.toMatchObject({ status: 503, attempts: 1 });
  });

  it('403 is HttpUnauthorizedError; 404 is HttpError with Discord code and message', async () => {
    const forbidden = await scripted([{ status: 403, body: { message: '403: Forbidden', code: 0 } }]);
    await expect(
      new GatewayHttp({ token: TOKEN, restUrl: forbidden.restUrl }).getBot(),
    ).rejects.toBeInstanceOf(HttpUnauthorizedError);
    const missing = await scripted([{ status: 404, body: { message: '404: Not Found', code: 0 } }]);
    const error = await new GatewayHttp({ token: TOKEN, restUrl: missing.restUrl })
      .getBot()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).not.toBeInstanceOf(HttpUnauthorizedError);
    expect(error).toMatchObject({
      code: 'STATECORD_ERR_HTTP',
      status: 404,
      discordCode: 0,
      discordMessage: '404: Not Found',
      attempts: 1,
    });
    expect(missing.requests).toHaveLength(1);
  });
});

describe('GatewayHttp: malformed bodies', () => {
  it('invalid JSON is HttpMalformedResponseError', async () => {
    const server = await scripted([{ status: 200, body: '{"url": "wss://gateway.discord.gg"' }]);
    const error = await new GatewayHttp({ token: TOKEN, restUrl: server.restUrl })
      .getGateway()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpMalformedResponseError);
    expect(error).toMatchObject({
      code: 'STATECORD_ERR_HTTP_MALFORMED_RESPONSE',
      status: 200,
      reason: 'the body is not valid JSON',
    });
  });

  it.each([
    ['url missing', { shards: 1, session_start_limit: BOT_BODY.session_start_limit }, '"url"'],
    ['url not a websocket URL', { ...BOT_BODY, url: 'https://discord.com' }, '"url"'],
    ['shards 0', { ...BOT_BODY, shards: 0 }, '"shards"'],
    ['shards a string', { ...BOT_BODY, shards: '9' }, '"shards"'],
    ['shards 1.5', { ...BOT_BODY, shards: 1.5 }, '"shards"'],
    ['shards above the bound', { ...BOT_BODY, shards: 1_048_577 /* MAX_GATEWAY_SHARDS + 1 */ }, '"shards"'],
    [
      'remaining negative',
      { ...BOT_BODY, session_start_limit: { ...BOT_BODY.session_start_limit, remaining: -1 } },
      'remaining',
    ],
    ['no session_start_limit', { url: BOT_BODY.url, shards: 1 }, '"session_start_limit"'],
    [
      'max_concurrency 0',
      { ...BOT_BODY, session_start_limit: { ...BOT_BODY.session_start_limit, max_concurrency: 0 } },
      'max_concurrency',
    ],
    [
      'reset_after fractional',
      { ...BOT_BODY, session_start_limit: { ...BOT_BODY.session_start_limit, reset_after: 1.5 } },
      'reset_after',
    ],
    ['an array', [BOT_BODY], 'not a JSON object'],
  ])('wrong shape (%s) is HttpMalformedResponseError', async (_name, body, reason) => {
    const server = await scripted([{ status: 200, body }]);
    const error = await new GatewayHttp({ token: TOKEN, restUrl: server.restUrl })
      .getBot()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpMalformedResponseError);
    expect((error as HttpMalformedResponseError).reason).toContain(reason);
  });
});

describe('GatewayHttp: network failures and aborts', () => {
  it('connection refused: HttpNetworkError with the ECONNREFUSED cause, after retries', async () => {
    const { waits, sleep } = recordingSleep();
    const http = new GatewayHttp({ token: TOKEN, restUrl: await closedPortUrl(), sleep, maxRetries: 2 });
    const error = await http.getBot().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpNetworkError);
    expect(error).toMatchObject({ code: 'STATECORD_ERR_HTTP_NETWORK', attempts: 3, path: '/gateway/bot' });
    expect((error as HttpNetworkError).cause).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect' });
    expect(waits).toEqual([250, 500]);
  });

  it('a server that never answers: HttpNetworkError after timeoutMs', async () => {
    const server = await listen(() => {
      /* never answers */
    });
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl, timeoutMs: 50, maxRetries: 0 });
    const error = await http.getGateway().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpNetworkError);
    expect((error as HttpNetworkError).cause).toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
  });

  it('an already aborted signal: HttpAbortedError, no request', async () => {
    const server = await scripted([{ status: 200, body: BOT_BODY }]);
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl });
    await expect(http.getBot({ signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'STATECORD_ERR_HTTP_ABORTED',
    });
    expect(server.requests).toHaveLength(0);
  });

  it('aborting during a 429 wait: HttpAbortedError, no further request', async () => {
    const server = await scripted([{ status: 429, body: { retry_after: 30 } }]);
    const controller = new AbortController();
    let entered: () => void = () => {};
    const waiting = new Promise<void>((resolve) => (entered = resolve));
    const sleep: Sleep = async (ms, signal) => {
      entered();
      await delay(ms, undefined, signal === undefined ? {} : { signal });
    };
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl, sleep });
    const pending = http.getBot({ signal: controller.signal });
    await waiting;
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(HttpAbortedError);
    expect(server.requests).toHaveLength(1);
  });

  it('aborting an in-flight request: HttpAbortedError', async () => {
    let arrived: () => void = () => {};
    const requested = new Promise<void>((resolve) => (arrived = resolve));
    const server = await listen(() => {
      arrived(); // and never answers
    });
    const controller = new AbortController();
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl });
    const pending = http.getGateway({ signal: controller.signal });
    await requested;
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(HttpAbortedError);
    expect(server.requests).toHaveLength(1);
    await server.requests[0]?.closed;
  });
});
