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
  /** `User-Agent`; Discord asks for `DiscordBot ($url, $version)`. Default {@link DEFAULT_USER_AGENT}. */
  readonly userAgent?: string;
  /** How retries wait. Default a timer that honours the signal. */
  readonly sleep?: Sleep;
  /** First backoff after a 5xx or network failure, doubled on each retry. Default 250 ms. */
  readonly retryBackoffMs?: number;
  /** A 429 asking to wait longer than this is not waited out: it fails at once. Default 60 000 ms. */
  readonly maxRetryAfterMs?: number;
  /** undici `headersTimeout` and `bodyTimeout` of each request. Default 15 000 ms. */
  readonly timeoutMs?: number;
}

/** Per-call options. */
export interface RestCallOptions {
  /** Aborts the call, including a wait before a retry; it then rejects with `HttpAbortedError`. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_REST_URL = 'https://discord.com/api/v10';
export const DEFAULT_USER_AGENT = 'DiscordBot (https://www.npmjs.com/package/statecord, 0.1.0)';
