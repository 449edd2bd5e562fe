import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'undici';
import {
  HttpAbortedError,
  HttpError,
  HttpMalformedResponseError,
  HttpNetworkError,
  HttpRateLimitedError,
  HttpResponseTooLargeError,
  HttpServerError,
  HttpTimeoutError,
  HttpUnauthorizedError,
  InvalidArgumentError,
  type HttpRequestInfo,
  type HttpResponseInfo,
} from '../errors.js';
import { Deadline } from './deadline.js';
import { readCappedText } from './read-body.js';
import { redact, sanitizeError } from './redact.js';
import { resolveRestOptions, type ResolvedRestOptions } from './resolve-options.js';
import type { RestCallOptions, RestClientOptions } from './rest-options.js';
import { isGlobalRateLimit, rateLimitScope, retryAfterMs } from './retry-after.js';

/** One GET: its path below the API base and whether it sends `Authorization: Bot <token>`. */
export interface RestGet {
  readonly path: string;
  readonly auth: boolean;
}

/** A 2xx answer: its status and parsed JSON body. */
export interface RestJsonResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Which call: method and path. */
type Where = Omit<HttpRequestInfo, 'attempts'>;

/** What one attempt came to: an answer read whole, an answer past the size cap, or a failure below HTTP. */
type Outcome =
  | {
      readonly kind: 'answered';
      readonly status: number;
      readonly headers: IncomingHttpHeaders;
      readonly text: string;
    }
  | {
      readonly kind: 'too-large';
      readonly status: number;
      readonly declaredBytes: number | null;
      readonly receivedBytes: number;
    }
  | { readonly kind: 'failed'; readonly error: unknown; readonly timedOut: boolean };

/**
 * A minimal Discord REST client on undici: JSON GETs with retries on 429 (waiting `retry_after`),
 * 5xx and network failures (exponential backoff), and typed errors for everything else. GETs are
 * idempotent, so retrying them is safe. The token is held in a private field and never copied into
 * an error, a `cause` or a message.
 *
 * Every call is bounded: each attempt by `deadlineMs` (headers and whole body), the call by
 * `totalDeadlineMs` (retries and waits included), memory by `maxBodyBytes`; and the caller's
 * `signal` ends it at any point, closing the socket.
 */
export class RestClient {
  readonly #token: string;
  readonly #options: ResolvedRestOptions;

  constructor(options: RestClientOptions) {
    if (typeof options.token !== 'string' || options.token.trim() === '') {
      throw new InvalidArgumentError('token must be a non-empty string');
    }
    this.#token = options.token;
    this.#options = resolveRestOptions(options);
  }

  /** GETs `route` and returns its status (any 2xx) and parsed JSON body, or throws a typed `Http*Error`. */
  async getJson(route: RestGet, options: RestCallOptions = {}): Promise<RestJsonResponse> {
    const { signal } = options;
    const where: Where = { method: 'GET', path: route.path };
    if (signal?.aborted) throw new HttpAbortedError(where, signal.reason);
    const call = new Deadline(signal, this.#options.totalDeadlineMs);
    try {
      return await this.#call(route, where, signal, call);
    } finally {
      call.dispose();
    }
  }

  async #call(route: RestGet, where: Where, signal: AbortSignal | undefined, call: Deadline) {
    for (let attempt = 1; ; attempt += 1) {
      // A wait may end without throwing (a sleep that ignores the signal): check before each attempt.
      this.#throwIfEnded(where, attempt - 1, signal, call);
      const outcome = await this.#attempt(route, call.signal);
      const info: HttpRequestInfo = { ...where, attempts: attempt };

      if (outcome.kind === 'failed') {
        // An abort of ours shows up as an undici error: say which one it was.
        this.#throwIfEnded(where, attempt, signal, call);
        await this.#retry(info, this.#backoffMs(attempt), signal, call, () =>
          outcome.timedOut
            ? new HttpTimeoutError(info, 'attempt', this.#options.deadlineMs)
            : new HttpNetworkError(info, sanitizeError(outcome.error, this.#token)),
        );
        continue;
      }
      const { status } = outcome;
      if (outcome.kind === 'too-large') {
        throw new HttpResponseTooLargeError(
          { ...info, status },
          {
            limitBytes: this.#options.maxBodyBytes,
            declaredBytes: outcome.declaredBytes,
            receivedBytes: outcome.receivedBytes,
          },
        );
      }
      if (status >= 200 && status < 300)
        return { status, body: this.#parseSuccess(outcome.text, status, where) };

      const body = parseJsonOrUndefined(outcome.text);
      const response: HttpResponseInfo = { ...info, status, ...this.#discordError(body) };
      if (status === 401 || status === 403) throw new HttpUnauthorizedError(response);
      if (status === 429) {
        const waitMs = retryAfterMs(body, outcome.headers);
        const rateLimited = () =>
          new HttpRateLimitedError(
            response,
            waitMs,
            isGlobalRateLimit(body, outcome.headers),
            rateLimitScope(outcome.headers),
          );
        if (waitMs > this.#options.maxRetryAfterMs) throw rateLimited();
        await this.#retry(info, waitMs, signal, call, rateLimited);
        continue;
      }
      if (status >= 500) {
        await this.#retry(info, this.#backoffMs(attempt), signal, call, () => new HttpServerError(response));
        continue;
      }
      throw new HttpError(response);
    }
  }

  /**
   * One request, its body read whole within `deadlineMs` and `maxBodyBytes`. `callSignal` aborts it
   * too (the caller's signal or the call's deadline). Never throws: a failure is an outcome.
   */
  async #attempt(route: RestGet, callSignal: AbortSignal): Promise<Outcome> {
    const deadline = new Deadline(callSignal, this.#options.deadlineMs);
    const { baseUrl, dispatcher, timeoutMs, maxBodyBytes } = this.#options;
    try {
      const response = await request(baseUrl + route.path, {
        method: 'GET',
        headers: this.#headers(route.auth),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: deadline.signal,
        ...(dispatcher === undefined ? {} : { dispatcher }),
      });
      const status = response.statusCode;
      // Read the body of errors too: it holds Discord's error and `retry_after`, and a body read to
      // its end lets undici reuse the connection. An abort of `deadline.signal` meanwhile destroys
      // the body, so the read rejects and the socket closes.
      const body = await readCappedText(response.body, response.headers, maxBodyBytes);
      return body.ok
        ? { kind: 'answered', status, headers: response.headers, text: body.text }
        : { kind: 'too-large', status, declaredBytes: body.declaredBytes, receivedBytes: body.receivedBytes };
    } catch (error) {
      return { kind: 'failed', error, timedOut: deadline.expired };
    } finally {
      deadline.dispose();
    }
  }

  /** Throws when the caller aborted ({@link HttpAbortedError}) or the call's deadline passed. */
  #throwIfEnded(where: Where, attempts: number, signal: AbortSignal | undefined, call: Deadline): void {
    if (signal?.aborted) throw new HttpAbortedError(where, signal.reason);
    if (call.expired) throw new HttpTimeoutError({ ...where, attempts }, 'call', call.ms);
  }

  /**
   * Waits `waitMs` before the next attempt, or throws `failure()` when no retry is left or the wait
   * would not end before the call's deadline: waiting only to fail later would tell the caller less.
   */
  async #retry(
    info: HttpRequestInfo,
    waitMs: number,
    signal: AbortSignal | undefined,
    call: Deadline,
    failure: () => Error,
  ): Promise<void> {
    if (signal?.aborted) throw new HttpAbortedError(info, signal.reason);
    if (info.attempts > this.#options.maxRetries || waitMs >= call.remainingMs()) throw failure();
    try {
      await this.#options.sleep(waitMs, call.signal);
    } catch (error) {
      this.#throwIfEnded(info, info.attempts, signal, call);
      throw error;
    }
  }

  #headers(auth: boolean): Record<string, string> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.#options.userAgent,
    };
    if (auth) headers['authorization'] = `Bot ${this.#token}`;
    return headers;
  }

  /** 250, 500, 1000… ms: a short backoff for 5xx and network failures. */
  #backoffMs(attempt: number): number {
    return this.#options.retryBackoffMs * 2 ** (attempt - 1);
  }

  #parseSuccess(text: string, status: number, where: Where): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new HttpMalformedResponseError(where, status, 'the body is not valid JSON');
    }
  }

  /** Discord's error body `{ message, code }`, redacted (a proxy might echo a header back). */
  #discordError(body: unknown): Pick<HttpResponseInfo, 'discordCode' | 'discordMessage'> {
    if (typeof body !== 'object' || body === null) return {};
    const { message, code } = body as Record<string, unknown>;
    return {
      discordCode: typeof code === 'number' ? code : null,
      discordMessage: typeof message === 'string' ? redact(message, this.#token).slice(0, 200) : null,
    };
  }
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
