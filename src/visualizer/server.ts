import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { checkAccess } from './access.js';
import type { FeedMessage, FeedRequest } from './feed-types.js';
import { renderPage } from './page.js';

const STATUS_TEXT = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' } as const;

/** Bytes a page may lag behind before its feed is cut (it reconnects and gets a fresh `hello`). */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** Options of {@link FeedServer}. */
export interface FeedServerOptions {
  readonly host: string;
  readonly port: number;
  /** Required on every request when set; null only on loopback. */
  readonly accessKey: string | null;
  /** The first message of every feed connection. */
  readonly hello: () => FeedMessage;
  /** The answer to a page's request, sent to that page only. */
  readonly answer: (request: FeedRequest) => FeedMessage | null;
}

/** A page's frame as a {@link FeedRequest}, or null: only `{ type: 'history', shard: <integer> }` is understood. */
export function parseFeedRequest(data: unknown): FeedRequest | null {
  if (!Buffer.isBuffer(data)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { type, shard } = parsed as Record<string, unknown>;
  if (type !== 'history' || typeof shard !== 'number' || !Number.isSafeInteger(shard) || shard < 0)
    return null;
  return { type, shard };
}

/** The visualizer's HTTP server: `GET /` (the page) and `GET /feed` (WebSocket), both behind {@link checkAccess}. */
export class FeedServer {
  readonly #options: FeedServerOptions;
  readonly #server: Server;
  readonly #wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1024 });
  #port = 0;

  constructor(options: FeedServerOptions) {
    this.#options = options;
    this.#server = createServer((req, res) => this.#onRequest(req, res));
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#onUpgrade(req, socket, head),
    );
    this.#server.on('clientError', (_error, socket) => socket.destroy());
    this.#wss.on('error', () => {});
  }

  get port(): number {
    return this.#port;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.off('error', reject);
        this.#server.on('error', () => {});
        this.#port = (this.#server.address() as AddressInfo).port;
        resolve(this.#port);
      });
    });
  }

  /** Sends a message to every connected page. */
  broadcast(message: FeedMessage): void {
    if (this.#wss.clients.size === 0) return;
    const text = JSON.stringify(message);
    for (const client of this.#wss.clients) this.#send(client, text);
  }

  async close(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #send(client: WebSocket, text: string): void {
    if (client.readyState !== WebSocket.OPEN) return;
    if (client.bufferedAmount > MAX_BUFFERED_BYTES) {
      client.terminate();
      return;
    }
    client.send(text, (error) => {
      if (error !== undefined && error !== null) client.terminate();
    });
  }

  #url(req: IncomingMessage): URL {
    return new URL(req.url ?? '/', 'http://visualizer.invalid');
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = this.#url(req);
    const access = checkAccess(req, url, this.#options.accessKey);
    const headers = {
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    };
    if (!access.ok) {
      res.writeHead(access.status, {
        ...headers,
        'Content-Type': 'text/plain; charset=utf-8',
        ...(access.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="statecord visualizer"' } : {}),
      });
      res.end(`${STATUS_TEXT[access.status]}\n`);
      return;
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && url.pathname === '/') {
      const nonce = randomBytes(16).toString('base64');
      res.writeHead(200, {
        ...headers,
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy':
          `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; ` +
          `img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
        'X-Frame-Options': 'DENY',
      });
      res.end(req.method === 'HEAD' ? undefined : renderPage(nonce));
      return;
    }
    res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`${STATUS_TEXT[404]}\n`);
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {});
    const url = this.#url(req);
    const access = checkAccess(req, url, this.#options.accessKey);
    const status = !access.ok ? access.status : url.pathname === '/feed' ? null : 404;
    if (status !== null) {
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      );
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (client) => {
      client.on('error', () => {});
      // A page may ask for one shard's history; anything else it sends is ignored.
      client.on('message', (data) => {
        const request = parseFeedRequest(data);
        const answer = request === null ? null : this.#options.answer(request);
        if (answer !== null) this.#send(client, JSON.stringify(answer));
      });
      this.#send(client, JSON.stringify(this.#options.hello()));
    });
  }
}
