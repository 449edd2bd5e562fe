import type { Dispatcher } from 'undici';

/** Waits `ms`; rejects (or resolves early) when `signal` aborts. Injectable so tests do not wait. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Options shared by the REST clients of `src/http`. */
export interface RestClientOptions {
  /** The bot token, sent as `Authorization: Bot <token>` on authenticated routes. Never in an error. */
  readonly token: string;
  /** API base, versioned. Default `https://discord.com/api/v10`. */
  readonly restUrl?: string;
  /** undici dispatcher (an `Agent`, `Pool`, `ProxyAgent`, `MockAgent`…). Default undici's global one. */
  readonly dispatcher?: Dispatcher;
  /** Retries after a 429, a 5xx or a network failure (so up to `maxRetries + 1` requests). Default 3. */
  readonly maxRetries?: number;
  /** `User-Agent`; Discord asks for `DiscordBot ($url, $version)`. Default `DEFAULT_USER_AGENT`. */
  readonly userAgent?: string;
  /** How retries wait. Default a timer that honours the signal. */
  readonly sleep?: Sleep;
  /** First backoff after a 5xx or network failure, doubled on each retry. Default 250 ms. */
  readonly retryBackoffMs?: number;
  /** A 429 asking to wait longer than this is not waited out: it fails at once. Default 60 000 ms. */
  readonly maxRetryAfterMs?: number;
  /**
   * undici's `headersTimeout` and `bodyTimeout`: the longest silence allowed before the headers and
   * between two body chunks (0 turns them off). It bounds a stalled connection, not a slow one: a
   * body that drips a byte per second never trips it, which is what {@link deadlineMs} is for. Its
   * failure is an `HttpNetworkError` with undici's code in `cause`. Default 15 000 ms.
   */
  readonly timeoutMs?: number;
  /**
   * The deadline of each attempt: headers and the whole body within this many milliseconds, or the
   * attempt is aborted, its socket closed, and it is retried like a network failure; after the last
   * retry the call fails with `HttpTimeoutError` (`deadline: 'attempt'`). A positive integer up to
   * 2^31 − 1. Default `DEFAULT_DEADLINE_MS`.
   */
  readonly deadlineMs?: number;
  /**
   * The deadline of the whole call, attempts and waits between them included, so no call outlives
   * it. An attempt in flight when it passes is aborted: `HttpTimeoutError` (`deadline: 'call'`). A
   * retry whose wait would end past it is not waited for: the call fails at once with the error of
   * the last attempt (`HttpServerError`, `HttpRateLimitedError`, `HttpNetworkError`…). A positive
   * integer up to 2^31 − 1. Default `DEFAULT_TOTAL_DEADLINE_MS`.
   */
  readonly totalDeadlineMs?: number;
  /**
   * The most bytes of a response body read into memory. A body past it (or a `content-length` above
   * it) fails with `HttpResponseTooLargeError` at once, unread, never retried; whatever the status,
   * since error bodies are read too. A positive safe integer. Default `DEFAULT_MAX_BODY_BYTES`.
   */
  readonly maxBodyBytes?: number;
}

/** Per-call options. */
export interface RestCallOptions {
  /**
   * Aborts the call, whether it waits for the headers, reads the body or waits before a retry; it
   * then rejects with `HttpAbortedError` (the signal's reason as `cause`) and the socket is closed.
   */
  readonly signal?: AbortSignal;
}

export const DEFAULT_REST_URL = 'https://discord.com/api/v10';
export const DEFAULT_USER_AGENT = 'DiscordBot (https://www.npmjs.com/package/statecord, 0.1.0)';

/**
 * Default `deadlineMs`, 15 s: Discord answers the discovery routes in well under a second; the rest
 * is room for a slow link or a cold TLS handshake.
 */
export const DEFAULT_DEADLINE_MS = 15_000;

/**
 * Default `totalDeadlineMs`, one minute: room for a few slow attempts and their backoffs, or a 429
 * wait of tens of seconds. If all four default attempts run into `deadlineMs`, the last is cut short.
 */
export const DEFAULT_TOTAL_DEADLINE_MS = 60_000;

/** Default `maxBodyBytes`, 1 MiB: the discovery routes answer a few hundred bytes. */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;
