import type { Dispatcher } from 'undici';
import { InvalidArgumentError } from '../errors.js';
import { MAX_TIMER_MS } from './deadline.js';
import {
  DEFAULT_DEADLINE_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_REST_URL,
  DEFAULT_TOTAL_DEADLINE_MS,
  DEFAULT_USER_AGENT,
  type RestClientOptions,
  type Sleep,
} from './rest-options.js';
import { realSleep } from './sleep.js';

/**
 * {@link RestClientOptions} checked and with their defaults filled in; the token is not among them
 * (the client keeps it apart, in a private field).
 *
 * @internal
 */
export interface ResolvedRestOptions {
  /** `restUrl` without a trailing slash. */
  readonly baseUrl: string;
  readonly dispatcher: Dispatcher | undefined;
  readonly maxRetries: number;
  readonly userAgent: string;
  readonly sleep: Sleep;
  readonly retryBackoffMs: number;
  readonly maxRetryAfterMs: number;
  readonly timeoutMs: number;
  readonly deadlineMs: number;
  readonly totalDeadlineMs: number;
  readonly maxBodyBytes: number;
}

/**
 * Checks `options` synchronously, so a wrong value fails where the client is built and not at its
 * first call, and fills in the defaults. Throws {@link InvalidArgumentError}.
 *
 * @internal
 */
export function resolveRestOptions(options: RestClientOptions): ResolvedRestOptions {
  return {
    baseUrl: parseBaseUrl(options.restUrl ?? DEFAULT_REST_URL),
    dispatcher: options.dispatcher,
    maxRetries: nonNegativeInteger('maxRetries', options.maxRetries ?? 3),
    userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
    sleep: options.sleep ?? realSleep,
    retryBackoffMs: nonNegativeInteger('retryBackoffMs', options.retryBackoffMs ?? 250),
    maxRetryAfterMs: nonNegativeInteger('maxRetryAfterMs', options.maxRetryAfterMs ?? 60_000),
    timeoutMs: nonNegativeInteger('timeoutMs', options.timeoutMs ?? 15_000),
    deadlineMs: timerMs('deadlineMs', options.deadlineMs ?? DEFAULT_DEADLINE_MS),
    totalDeadlineMs: timerMs('totalDeadlineMs', options.totalDeadlineMs ?? DEFAULT_TOTAL_DEADLINE_MS),
    maxBodyBytes: positiveInteger('maxBodyBytes', options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES),
  };
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

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** A deadline: a positive integer a timer can hold (a longer `setTimeout` would fire at once). */
function timerMs(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_TIMER_MS) {
    throw new InvalidArgumentError(
      `${name} must be an integer from 1 to ${MAX_TIMER_MS} (ms), got ${String(value)}`,
    );
  }
  return value;
}
