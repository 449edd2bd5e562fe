import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { GatewayHttp, type GatewayHttpOptions, type Sleep } from '../../src/http/index.js';
import {
  HttpAbortedError,
  HttpNetworkError,
  HttpRateLimitedError,
  HttpResponseTooLargeError,
  HttpServerError,
  HttpTimeoutError,
  InvalidArgumentError,
} from '../../src/errors.js';
import { BOT_BODY, dripping, endless, recordingSleep, useLocalServers } from './local-server.js';

const TOKEN = 'MTA5OTk5OTk5OTk5OTk5OTk5OQ.bounds-tests.not-a-real-token';
const { listen, scripted, closedPortUrl } = useLocalServers();

/** Every connection the server saw has closed (the client let go of its socket). */
async function allClosed(server: { requests: { closed: Promise<void> }[] }): Promise<void> {
  await Promise.all(server.requests.map((request) => request.closed));
}

describe('GatewayHttp: the deadline of each attempt (deadlineMs)', () => {
  it('a body dripping one byte at a time fails with HttpTimeoutError after deadlineMs, sockets closed', async () => {
    // One byte per 100 ms never trips undici's per-chunk timeout; only an overall deadline ends it.
    const server = await listen(dripping(100));
    const { waits, sleep } = recordingSleep();
    const http = new GatewayHttp({
      token: TOKEN,
      restUrl: server.restUrl,
      deadlineMs: 300,
      maxRetries: 1,
      sleep,
    });
    const error = await http.getBot().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpTimeoutError);
    // A timeout is a network-class failure: code that handles HttpNetworkError keeps working.
    expect(error).toBeInstanceOf(HttpNetworkError);
    expect(error).toMatchObject({
      code: 'STATECORD_ERR_HTTP_TIMEOUT',
      deadline: 'attempt',
      deadlineMs: 300,
      attempts: 2,
      path: '/gateway/bot',
    });
    expect(waits).toEqual([250]);
    expect(server.requests).toHaveLength(2);
    await allClosed(server);
  });
});

describe('GatewayHttp: the deadline of the whole call (totalDeadlineMs)', () => {
  it('cuts a dripping body off at totalDeadlineMs when that comes before deadlineMs', async () => {
    const server = await listen(dripping(100));
    const http = new GatewayHttp({
      token: TOKEN,
      restUrl: server.restUrl,
      deadlineMs: 60_000,
      totalDeadlineMs: 300,
      maxRetries: 3,
    });
    const error = await http.getBot().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpTimeoutError);
    expect(error).toMatchObject({ deadline: 'call', deadlineMs: 300, attempts: 1 });
    expect(server.requests).toHaveLength(1);
    await allClosed(server);
  });

  it('a 503 on every attempt: the retries stop with HttpServerError once a backoff would pass it', async () => {
    // 100 retries with backoff 50 ms doubling would take years; the budget ends it after a few.
    const server = await scripted([{ status: 503 }]);
    const http = new GatewayHttp({
      token: TOKEN,
      restUrl: server.restUrl,
      maxRetries: 100,
      retryBackoffMs: 50,
      totalDeadlineMs: 500,
    });
    const error = await http.getBot().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpServerError);
    const { attempts } = error as HttpServerError;
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThan(10);
    expect(server.requests).toHaveLength(attempts);
  });

  it('connection refused on every attempt: the retries stop with HttpNetworkError once a backoff would pass it', async () => {
    const http = new GatewayHttp({
      token: TOKEN,
      restUrl: await closedPortUrl(),
      maxRetries: 100,
      retryBackoffMs: 50,
      totalDeadlineMs: 500,
    });
    const error = await http.getBot().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpNetworkError);
    expect(error).not.toBeInstanceOf(HttpTimeoutError);
    expect((error as HttpNetworkError).attempts).toBeLessThan(10);
    expect((error as HttpNetworkError).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('a 429 asking to wait past totalDeadlineMs fails at once with HttpRateLimitedError', async () => {
    const server = await scripted([{ status: 429, body: { retry_after: 5 } }]);
    const { waits, sleep } = recordingSleep();
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl, totalDeadlineMs: 1_000, sleep });
    const error = await http.getBot().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRateLimitedError);
    expect(error).toMatchObject({ retryAfterMs: 5_000, attempts: 1 });
    expect(waits).toEqual([]);
  });
});

describe('GatewayHttp: the body-size cap (maxBodyBytes)', () => {
  it('an endless body fails with HttpResponseTooLargeError just past maxBodyBytes, not retried', async () => {
    const { handler, stats } = endless();
    const server = await listen(handler);
    const { waits, sleep } = recordingSleep();
    const maxBodyBytes = 64 * 1024;
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl, maxBodyBytes, sleep });
    const error = await http.getBot().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpResponseTooLargeError);
    expect(error).toMatchObject({
      code: 'STATECORD_ERR_HTTP_RESPONSE_TOO_LARGE',
      status: 200,
      attempts: 1,
      limitBytes: maxBodyBytes,
      declaredBytes: null,
    });
    // Read stops at the first chunk that passes the cap; a socket read is at most 64 KiB.
    const { receivedBytes } = error as HttpResponseTooLargeError;
    expect(receivedBytes).toBeGreaterThan(maxBodyBytes);
    expect(receivedBytes).toBeLessThanOrEqual(maxBodyBytes + 64 * 1024);
    expect(waits).toEqual([]);
    expect(server.requests).toHaveLength(1);
    await allClosed(server);
    // The server stopped because the socket closed; what it wrote is the cap plus socket buffers.
    expect(stats.written).toBeLessThan(64 * 1024 * 1024);
  });

  it('a content-length above maxBodyBytes fails at once, before any body byte', async () => {
    const server = await listen((_req, res) => {
      // 1.5 GiB announced, nothing sent: waiting for the body would hang until a deadline.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1.5 * 2 ** 30) });
      res.flushHeaders();
    });
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl, deadlineMs: 60_000 });
    const error = await http.getBot().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpResponseTooLargeError);
    expect(error).toMatchObject({
      limitBytes: 1024 * 1024,
      declaredBytes: 1.5 * 2 ** 30,
      receivedBytes: 0,
      attempts: 1,
    });
    expect(server.requests).toHaveLength(1);
    await allClosed(server);
  });

  it('the cap is inclusive: a body of maxBodyBytes passes, one byte more fails', async () => {
    const json = JSON.stringify(BOT_BODY);
    const maxBodyBytes = 1024;
    const exact = await scripted([{ status: 200, body: json.padEnd(maxBodyBytes, ' ') }]);
    const over = await scripted([{ status: 200, body: json.padEnd(maxBodyBytes + 1, ' ') }]);
    const options = { token: TOKEN, maxBodyBytes } satisfies GatewayHttpOptions;
    await expect(new GatewayHttp({ ...options, restUrl: exact.restUrl }).getBot()).resolves.toEqual(BOT_BODY);
    await expect(new GatewayHttp({ ...options, restUrl: over.restUrl }).getBot()).rejects.toMatchObject({
      code: 'STATECORD_ERR_HTTP_RESPONSE_TOO_LARGE',
      receivedBytes: maxBodyBytes + 1,
    });
  });

  it('an error status with an endless body is HttpResponseTooLargeError too, not retried', async () => {
    const server = await listen(endless({ status: 503 }).handler);
    const { waits, sleep } = recordingSleep();
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl, maxBodyBytes: 4096, sleep });
    const error = await http.getBot().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpResponseTooLargeError);
    expect(error).toMatchObject({ status: 503, attempts: 1 });
    expect(waits).toEqual([]);
    await allClosed(server);
  });
});

describe('GatewayHttp: aborts', () => {
  it('aborting while the body drips rejects with HttpAbortedError and closes the socket', async () => {
    const server = await listen(dripping(100));
    const controller = new AbortController();
    // Abort once undici has the response headers and has handed the body over: the body phase.
    const onHeaders = (): void => {
      setImmediate(() => controller.abort(new Error('stopShards')));
    };
    subscribe('undici:request:headers', onHeaders);
    try {
      const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl, deadlineMs: 60_000 });
      const error = await http.getBot({ signal: controller.signal }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HttpAbortedError);
      expect(error).toMatchObject({ code: 'STATECORD_ERR_HTTP_ABORTED', path: '/gateway/bot' });
      expect((error as HttpAbortedError).cause).toMatchObject({ message: 'stopShards' });
    } finally {
      unsubscribe('undici:request:headers', onHeaders);
    }
    expect(server.requests).toHaveLength(1);
    await allClosed(server);
  });

  it('aborting during a backoff wait rejects with HttpAbortedError and sends no further request', async () => {
    const server = await scripted([{ status: 503 }]);
    const controller = new AbortController();
    let entered: () => void = () => {};
    const waiting = new Promise<void>((resolve) => (entered = resolve));
    // A real 30 s timer (inside the default total deadline, beyond the test's timeout): only the
    // abort can end the wait in time.
    const sleep: Sleep = async (ms, signal) => {
      entered();
      await delay(ms, undefined, signal === undefined ? {} : { signal });
    };
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl, retryBackoffMs: 30_000, sleep });
    const pending = http.getBot({ signal: controller.signal }).catch((e: unknown) => e);
    await waiting;
    controller.abort();
    expect(await pending).toBeInstanceOf(HttpAbortedError);
    expect(server.requests).toHaveLength(1);
  });
});

describe('GatewayHttp: options of the bounds', () => {
  it.each([
    ['deadlineMs 0', { deadlineMs: 0 }],
    ['deadlineMs negative', { deadlineMs: -1 }],
    ['deadlineMs fractional', { deadlineMs: 1.5 }],
    ['deadlineMs NaN', { deadlineMs: Number.NaN }],
    ['deadlineMs Infinity', { deadlineMs: Number.POSITIVE_INFINITY }],
    ['deadlineMs above the timer maximum', { deadlineMs: 2 ** 31 }],
    ['totalDeadlineMs 0', { totalDeadlineMs: 0 }],
    ['totalDeadlineMs Infinity', { totalDeadlineMs: Number.POSITIVE_INFINITY }],
    ['totalDeadlineMs above the timer maximum', { totalDeadlineMs: 2 ** 31 }],
    ['maxBodyBytes 0', { maxBodyBytes: 0 }],
    ['maxBodyBytes fractional', { maxBodyBytes: 1024.5 }],
    ['maxBodyBytes unsafe', { maxBodyBytes: 2 ** 53 }],
    ['maxBodyBytes a string', { maxBodyBytes: '1024' as unknown as number }],
  ])('%s is InvalidArgumentError in the constructor', (_name, options) => {
    expect(() => new GatewayHttp({ token: TOKEN, ...options })).toThrow(InvalidArgumentError);
  });
});
