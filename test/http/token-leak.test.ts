import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { GatewayHttp } from '../../src/http/index.js';
import { StatecordError } from '../../src/errors.js';
import { FakeGateway } from '../../src/testing/index.js';
import { recordingSleep, useLocalServers } from './local-server.js';

const TOKEN = 'MTA5OTk5OTk5OTk5OTk5OTk5OQ.Gh7Xq2.leak-canary-9f8e7d6c5b4a';
const { listen, closedPortUrl } = useLocalServers();

/** Every string reachable from `value` through own properties (enumerable or not, symbols too). */
function reachableStrings(value: unknown, seen = new Set<unknown>()): string[] {
  if (typeof value === 'string') return [value];
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value))
    return [];
  seen.add(value);
  const strings: string[] = [];
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key === 'string') strings.push(key);
    const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
    if (descriptor && 'value' in descriptor) strings.push(...reachableStrings(descriptor.value, seen));
  }
  return strings;
}

function expectNoToken(error: unknown): void {
  expect(error).toBeInstanceOf(StatecordError);
  expect(JSON.stringify(error)).not.toContain(TOKEN);
  expect(inspect(error, { depth: Infinity, showHidden: true })).not.toContain(TOKEN);
  expect(String(error)).not.toContain(TOKEN);
  for (let link: unknown = error; link instanceof Error; link = link.cause) {
    expect(link.message).not.toContain(TOKEN);
    expect(link.stack ?? '').not.toContain(TOKEN);
  }
  expect(reachableStrings(error).filter((text) => text.includes(TOKEN))).toEqual([]);
}

/** A hostile server that echoes the Authorization header back in Discord's error body and headers. */
async function echoingServer(status: number) {
  return listen((req, res) => {
    const echo = req.headers.authorization ?? '';
    res.writeHead(status, { 'content-type': 'application/json', 'x-echo': echo, 'retry-after': '1' });
    res.end(JSON.stringify({ message: `${status}: rejected ${echo}`, code: 0, retry_after: 0.001, echo }));
  });
}

describe('the token appears in no error', () => {
  it.each([401, 403, 404, 429, 500, 502])('HTTP %i, even when the server echoes it', async (status) => {
    const server = await echoingServer(status);
    const { sleep } = recordingSleep();
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl, sleep, maxRetries: 1 });
    const error = await http.getBot().catch((e: unknown) => e);
    expect(server.requests[0]?.headers.authorization).toBe(`Bot ${TOKEN}`);
    expectNoToken(error);
  });

  it('a malformed body that contains the token', async () => {
    const server = await listen((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"url": "${req.headers.authorization ?? ''}"`);
    });
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl });
    expectNoToken(await http.getBot().catch((e: unknown) => e));
  });

  it('a wrong shape that contains the token', async () => {
    const server = await listen((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ url: req.headers.authorization, shards: 1 }));
    });
    const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl });
    expectNoToken(await http.getBot().catch((e: unknown) => e));
  });

  it('connection refused and timeout (network errors with a cause chain)', async () => {
    const { sleep } = recordingSleep();
    const refused = new GatewayHttp({ token: TOKEN, restUrl: await closedPortUrl(), sleep, maxRetries: 1 });
    expectNoToken(await refused.getBot().catch((e: unknown) => e));
    const silent = await listen(() => {});
    const timeout = new GatewayHttp({ token: TOKEN, restUrl: silent.restUrl, timeoutMs: 20, maxRetries: 0 });
    expectNoToken(await timeout.getBot().catch((e: unknown) => e));
  });

  it('a deadline passing while a body that echoes the token drips (each attempt, then the call)', async () => {
    const server = await listen((req, res) => {
      const echo = req.headers.authorization ?? '';
      res.writeHead(200, { 'content-type': 'application/json', 'x-echo': echo });
      res.write(`{"echo": "${echo}`);
      const timer = setInterval(() => res.write(echo), 50);
      res.on('close', () => clearInterval(timer));
    });
    const { sleep } = recordingSleep();
    const attempt = new GatewayHttp({
      token: TOKEN,
      restUrl: server.restUrl,
      deadlineMs: 150,
      maxRetries: 1,
      sleep,
    });
    const attemptError = await attempt.getBot().catch((e: unknown) => e);
    expect(attemptError).toMatchObject({ code: 'STATECORD_ERR_HTTP_TIMEOUT', deadline: 'attempt' });
    expectNoToken(attemptError);
    const call = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl, totalDeadlineMs: 150 });
    const callError = await call.getBot().catch((e: unknown) => e);
    expect(callError).toMatchObject({ code: 'STATECORD_ERR_HTTP_TIMEOUT', deadline: 'call' });
    expectNoToken(callError);
  });

  it('a body above the cap that echoes the token, announced or streamed', async () => {
    const announced = await listen((req, res) => {
      const echo = req.headers.authorization ?? '';
      res.writeHead(500, { 'content-length': String(2 ** 30), 'x-echo': echo });
      res.write(echo);
    });
    const streamed = await listen((req, res) => {
      const echo = req.headers.authorization ?? '';
      res.writeHead(200, { 'content-type': 'application/json', 'x-echo': echo });
      res.end(`{"message": "${echo.repeat(100)}"}`);
    });
    for (const server of [announced, streamed]) {
      const http = new GatewayHttp({ token: TOKEN, restUrl: server.restUrl, maxBodyBytes: 1024 });
      const error = await http.getBot().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'STATECORD_ERR_HTTP_RESPONSE_TOO_LARGE' });
      expectNoToken(error);
    }
  });

  it('an abort', async () => {
    const http = new GatewayHttp({ token: TOKEN, restUrl: 'http://127.0.0.1:9/api/v10' });
    expectNoToken(await http.getBot({ signal: AbortSignal.abort() }).catch((e: unknown) => e));
  });

  it('against the FakeGateway with a rejected token', async () => {
    const gateway = await FakeGateway.start({ token: 'the-accepted-token' });
    try {
      const http = new GatewayHttp({ token: TOKEN, restUrl: gateway.restUrl });
      expectNoToken(await http.getBot().catch((e: unknown) => e));
    } finally {
      await gateway.close();
    }
  });

  it('nor in the client itself when inspected or serialised', () => {
    const http = new GatewayHttp({ token: TOKEN });
    expect(inspect(http, { depth: Infinity, showHidden: true })).not.toContain(TOKEN);
    expect(JSON.stringify(http)).not.toContain(TOKEN);
  });
});
