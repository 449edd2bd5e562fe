import { InvalidArgumentError } from '../errors.js';
import type { RedisScriptClient } from './client.js';

/**
 * Checks the options every `statecord/redis` class shares: a client with the script methods, and a key
 * prefix. Returns the hash-tagged prefix (`{prefix}`): every key of one bot then lives in one hash slot,
 * so the multi-key scripts also run on Redis Cluster and Valkey cluster. @internal
 */
export function checkRedisOptions(owner: string, redis: unknown, keyPrefix: unknown): string {
  const client = redis as Partial<RedisScriptClient> | null | undefined;
  if (typeof client?.eval !== 'function' || typeof client.evalSha !== 'function') {
    throw new InvalidArgumentError(
      `${owner} needs \`redis\`: a connected client of the \`redis\` package (createClient()), or an object with eval() and evalSha()`,
    );
  }
  const prefix = keyPrefix ?? 'statecord';
  if (typeof prefix !== 'string' || prefix.length === 0 || /[{}]/.test(prefix)) {
    throw new InvalidArgumentError(`${owner}: keyPrefix must be a non-empty string without { or }`);
  }
  return `{${prefix}}`;
}

/** A positive integer option, or its default. @internal */
export function positive(owner: string, name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isSafeInteger(result) || result < 1) {
    throw new InvalidArgumentError(`${owner}: ${name} must be a positive integer, got ${String(value)}`);
  }
  return result;
}

/** A non-negative integer option, or its default. @internal */
export function nonNegative(
  owner: string,
  name: string,
  value: number | undefined,
  fallback: number,
): number {
  const result = value ?? fallback;
  if (!Number.isSafeInteger(result) || result < 0) {
    throw new InvalidArgumentError(`${owner}: ${name} must be a non-negative integer, got ${String(value)}`);
  }
  return result;
}

/** Sleeps `ms`, or rejects with `error()` when `signal` aborts first. @internal */
export function sleep(ms: number, signal: AbortSignal, error: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(error());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(error());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
