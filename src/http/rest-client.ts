import { request, type Dispatcher } from 'undici';
import {
  HttpAbortedError,
  HttpError,
  HttpMalformedResponseError,
  HttpNetworkError,
  HttpRateLimitedError,
  HttpServerError,
  HttpUnauthorizedError,
  InvalidArgumentError,
  type HttpResponseInfo,
} from '../errors.js';
import { redact, sanitizeError } from './redact.js';
import {
  DEFAULT_REST_URL,
  DEFAULT_USER_AGENT,
  type RestCallOptions,
  type RestClientOptions,
  type Sleep,
} from './rest-options.js';
import { isGlobalRateLimit, rateLimitScope, retryAfterMs } from './retry-after.js';
import { realSleep } from './sleep.js';

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

/**
 * A minimal Discord REST client on undici: JSON GETs with retries on 429 (waiting `retry_after`),
 * 5xx and network failures (exponential backoff), and typed errors for everything else. GETs are
 * idempotent, so retrying them is safe. The token is held in a private field and never copied into
 * an error, a `cause` or a message.
 */
export class RestClient {
  readonly #token: string;
  readonly #baseUrl: string;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #maxRetries: number;
  readonly #userAgent: string;
  readonly #sleep: Sleep;
  readonly #retryBackoffMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #timeoutMs: number;

  constructor(options: RestClientOptions) {
    if (typeof options.token !== 'string' || options.token.trim() === '') {
      throw new InvalidArgumentError('token must be a non-empty string');
    }
    this.#token = options.token;
    this.#baseUrl = parseBaseUrl(options.restUrl ?? DEFAULT_REST_URL);
    this.#dispatcher = options.dispatcher;
    this.#maxRetries = nonNegativeInteger('maxRetries', options.maxRetries ?? 3);
    this.#userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.#sleep = options.sleep ?? realSleep;
    this.#retryBackoffMs = nonNegativeInteger('retryBackoffMs', options.retryBackoffMs ?? 250);
    this.#maxRetryAfterMs = nonNegativeInteger('maxRetryAfterMs', options.maxRetryAfterMs ?? 60_000);
    this.#timeoutMs = nonNegativeInteger('timeoutMs', options.timeoutMs ?? 15_000);
  }

  /** GETs `route` and returns its status (any 2xx) and parsed JSON body, or throws a typed `Http*Error`. */
  async getJson(route: RestGet, options: RestCallOptions = {}): Promise<RestJsonResponse> {
    const { signal } = options;
    const where = { method: 'GET', path: route.path };
    for (let attempt = 1; ; attempt += 1) {
      if (signal?.aborted) throw new HttpAbortedError(where, signal.reason);
      let status: number;
      let headers: Dispatcher.ResponseData['headers'];
      let text: string;
      try {
        const response = await request(this.#baseUrl + route.path, {
          method: 'GET',
          headers: this.#headers(route.auth),
          headersTimeout: this.#timeoutMs,
          bodyTimeout: this.#timeoutMs,
          ...(this.#dispatcher === undefined ? {} : { dispatcher: this.#dispatcher }),
          ...(signal === undefined ? {} : { signal }),
        });
        status = response.statusCode;
        headers = response.headers;
        // Always read the body, also of errors, so the connection can be reused.
        text = await response.body.text();
      } catch (error) {
        if (signal?.aborted) throw new HttpAbortedError(where, signal.reason);
        if (attempt > this.#maxRetries) {
          throw new HttpNetworkError({ ...where, attempts: attempt }, sanitizeError(error, this.#token));
        }
        await this.#wait(this.#backoffMs(attempt), where, signal);
        continue;
      }

      if (status >= 200 && status < 300) return { status, body: this.#parseSuccess(text, status, where) };

      const body = parseJsonOrUndefined(text);
      const response: HttpResponseInfo = { ...where, attempts: attempt, status, ...this.#discordError(body) };
      if (status === 401 || status === 403) throw new HttpUnauthorizedError(response);
      if (status === 429) {
        const waitMs = retryAfterMs(body, headers);
        if (attempt > this.#maxRetries || waitMs > this.#maxRetryAfterMs) {
          throw new HttpRateLimitedError(
            response,
            waitMs,
            isGlobalRateLimit(body, headers),
            rateLimitScope(headers),
          );
        }
        await this.#wait(waitMs, where, signal);
        continue;
      }
      if (status >= 500) {
        if (attempt > this.#maxRetries) throw new HttpServerError(response);
        await this.#wait(this.#backoffMs(attempt), where, signal);
        continue;
      }
      throw new HttpError(response);
    }
  }

  #headers(auth: boolean): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.#userAgent };
    if (auth) headers['authorization'] = `Bot ${this.#token}`;
    return headers;
  }

  /** 250, 500, 1000… ms: a short backoff for 5xx and network failures. */
  #backoffMs(attempt: number): number {
    return this.#retryBackoffMs * 2 ** (attempt - 1);
  }

  async #wait(ms: number, where: { method: string; path: string }, signal: AbortSignal | undefined) {
    try {
      await this.#sleep(ms, signal);
    } catch (error) {
      if (signal?.aborted) throw new HttpAbortedError(where, signal.reason);
      throw error;
    }
  }

  #parseSuccess(text: string, status: number, where: { method: string; path: string }): unknown {
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

function parseBaseUrl(restUrl: string): string {
  let url: URL;
  try {
    url = new URL(restUrl);
  } catch {
    throw new InvalidArgumentError('restUrl is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidArgumentError('restUrl must be an http:// or https:// URL');
  }
  return url.href.replace(/\/+$/, '');
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}
