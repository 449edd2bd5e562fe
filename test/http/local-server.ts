import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

/** One scripted answer of a {@link LocalServer}. */
export interface ScriptedResponse {
  status: number;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** A `node:http` server on 127.0.0.1 (ephemeral port) that records what it was asked. */
export interface LocalServer {
  /** `http://127.0.0.1:PORT/api/v10`, to pass as `restUrl`. */
  readonly restUrl: string;
  readonly requests: {
    method: string;
    path: string;
    headers: IncomingHttpHeaders;
    /** Settles when the request's connection closes (the client went away or the server closed it). */
    closed: Promise<void>;
  }[];
}

/**
 * Starts local servers for one test file and closes them (and their keep-alive connections) after
 * each test.
 */
export function useLocalServers() {
  const servers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((close) => close()));
  });

  const listen = async (
    handler: (req: IncomingMessage, res: ServerResponse) => void,
  ): Promise<LocalServer> => {
    const requests: LocalServer['requests'] = [];
    const server = createServer((req, res) => {
      const closed = new Promise<void>((resolve) => req.socket.once('close', () => resolve()));
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, closed });
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    servers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    return { restUrl: `http://127.0.0.1:${port}/api/v10`, requests };
  };

  /** A server answering with `script` in order; after the script ends it repeats the last answer. */
  const scripted = (script: ScriptedResponse[]): Promise<LocalServer> => {
    let index = 0;
    return listen((_req, res) => {
      const answer = script[Math.min(index, script.length - 1)];
      index += 1;
      if (answer === undefined) throw new Error('empty script');
      const text =
        answer.body === undefined
          ? ''
          : typeof answer.body === 'string'
            ? answer.body
            : JSON.stringify(answer.body);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(text);
    });
  };

  /** A 127.0.0.1 port nothing listens on (a server was bound to it and closed). */
  const closedPortUrl = async (): Promise<string> => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return `http://127.0.0.1:${port}/api/v10`;
  };

  return { listen, scripted, closedPortUrl };
}

/** A `sleep` that records the waits asked for and returns at once. */
export function recordingSleep() {
  const waits: number[] = [];
  const sleep = (ms: number): Promise<void> => {
    waits.push(ms);
    return Promise.resolve();
  };
  return { waits, sleep };
}

/** A valid `GET /gateway/bot` body. */
export const BOT_BODY = {
  url: 'wss://gateway.discord.gg',
  shards: 9,
  session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
};

/**
 * A handler that answers 200 at once, then drips its body one byte every `everyMs` and never ends it:
 * each chunk comes well within undici's per-chunk `bodyTimeout`, so only an overall deadline ends it.
 * The first byte goes out with the headers.
 */
export function dripping(everyMs: number, byte = ' ') {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{');
    const timer = setInterval(() => res.write(byte), everyMs);
    res.on('close', () => clearInterval(timer));
  };
}

/**
 * A handler that answers `status` and streams an endless body in `chunkBytes` chunks as fast as the
 * client reads it (it waits for `drain`), until the client goes away. `written` counts the bytes it
 * handed to the socket.
 */
export function endless(
  options: { chunkBytes?: number; status?: number; headers?: Record<string, string> } = {},
) {
  const { chunkBytes = 16 * 1024, status = 200, headers = {} } = options;
  const stats = { written: 0 };
  const chunk = Buffer.alloc(chunkBytes, 0x20);
  const handler = (_req: IncomingMessage, res: ServerResponse): void => {
    res.on('error', () => {
      /* the client went away mid-write: expected */
    });
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    const pump = (): void => {
      while (!res.destroyed) {
        stats.written += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
    };
    pump();
  };
  return { handler, stats };
}
