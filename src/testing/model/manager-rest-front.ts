import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the front answers `GET /gateway/bot`: hold it, pass it to the fake gateway, or fail it. */
export type RestFrontAnswer =
  | 'hold'
  | 'pass'
  | {
      /** The HTTP status to fail with (with Discord's error body). */
      readonly status: 401 | 404 | 500;
    };

interface Held {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

/**
 * A loopback HTTP server in front of a `FakeGateway`'s REST API that decides when and how
 * `GET /gateway/bot` is answered: held (a slow Discord), passed through to the fake, or failed with a
 * status (Discord's error body). The fake itself always answers at once and only fails a wrong token.
 * Every other request is passed through.
 */
export class RestFront {
  readonly #server: Server;
  readonly #target: URL;
  readonly #held: Held[] = [];
  readonly #listeners = new Set<() => void>();
  #answer: RestFrontAnswer = 'pass';
  #requests = 0;
  #passed = 0;

  private constructor(target: string) {
    this.#target = new URL(target);
    this.#server = createServer((req, res) => this.#onRequest(req, res));
  }

  /** Starts a front for the REST API at `target` (a `FakeGateway`'s `restUrl`). */
  static async start(target: string): Promise<RestFront> {
    const front = new RestFront(target);
    await new Promise<void>((resolve, reject) => {
      front.#server.once('error', reject);
      front.#server.listen(0, '127.0.0.1', () => resolve());
    });
    return front;
  }

  /** The REST URL to give a client instead of the fake's (same path, this front's port). */
  get restUrl(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}${this.#target.pathname}`;
  }

  /** `GET /gateway/bot` requests received so far. */
  get requests(): number {
    return this.#requests;
  }

  /** `GET /gateway/bot` requests answered by the fake gateway (passed through) so far. */
  get passed(): number {
    return this.#passed;
  }

  /** Requests held now (a request whose client went away is dropped). */
  get held(): number {
    return this.#held.filter(({ res }) => !res.destroyed).length;
  }

  /** How the next (and every held) `GET /gateway/bot` is answered. */
  answerWith(answer: RestFrontAnswer): void {
    this.#answer = answer;
    if (answer === 'hold') return;
    for (const held of this.#held.splice(0)) this.#respond(held, answer);
  }

  /** Resolves once `count` `GET /gateway/bot` requests have arrived. */
  whenRequested(count: number): Promise<void> {
    if (this.#requests >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const listener = () => {
        if (this.#requests < count) return;
        this.#listeners.delete(listener);
        resolve();
      };
      this.#listeners.add(listener);
    });
  }

  /** Destroys held requests and closes the front's HTTP server. */
  async close(): Promise<void> {
    for (const { res } of this.#held.splice(0)) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    res.on('error', () => undefined);
    if (!(req.url ?? '').split('?')[0]!.endsWith('/gateway/bot')) {
      this.#pass({ req, res });
      return;
    }
    this.#requests += 1;
    for (const listener of [...this.#listeners]) listener();
    if (this.#answer === 'hold') this.#held.push({ req, res });
    else this.#respond({ req, res }, this.#answer);
  }

  #respond(held: Held, answer: Exclude<RestFrontAnswer, 'hold'>): void {
    if (held.res.destroyed) return;
    if (answer === 'pass') {
      this.#passed += 1;
      this.#pass(held);
      return;
    }
    const text = { 401: 'Unauthorized', 404: 'Not Found', 500: 'Internal Server Error' }[answer.status];
    const body = JSON.stringify({ message: `${answer.status}: ${text}`, code: 0 });
    held.res.writeHead(answer.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    held.res.end(body);
  }

  /** Forwards a request to the fake gateway and its answer back. */
  #pass({ req, res }: Held): void {
    const upstream = request(
      {
        host: this.#target.hostname,
        port: this.#target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: this.#target.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }
}
