import { createClient } from 'redis';
import type { RedisScriptClient } from '../../src/redis/index.js';

/** A connected node-redis client; errors while the server is down are expected and kept quiet. */
export async function connectClient(url: string) {
  const client = createClient({ url, socket: { reconnectStrategy: () => 50 } });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** A unique key prefix per test, so tests share one server without seeing each other's keys. */
let prefixes = 0;
export function uniquePrefix(): string {
  prefixes += 1;
  return `t${process.pid}-${prefixes}`;
}

/** Resolves once `check()` holds (re-checked every 10 ms); rejects after `timeoutMs`. */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A client wrapper for tests: counts script calls, and can be "killed" (every later call rejects, as
 * for a process whose connection died) to play a dead waiter.
 */
export class TestClient implements RedisScriptClient {
  calls = 0;
  dead = false;
  readonly #inner: RedisScriptClient;

  constructor(inner: RedisScriptClient) {
    this.#inner = inner;
  }

  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown> {
    return this.#call(() => this.#inner.eval(script, options));
  }

  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown> {
    return this.#call(() => this.#inner.evalSha(sha1, options));
  }

  #call(run: () => Promise<unknown>): Promise<unknown> {
    if (this.dead) return Promise.reject(new Error('connection lost (test)'));
    this.calls += 1;
    return run();
  }
}

/** A client of {@link connectClient}. */
export type TestRedis = Awaited<ReturnType<typeof connectClient>>;

/** Compile-time check: a node-redis client is a `RedisScriptClient` as it is. */
export function asScriptClient(client: TestRedis): RedisScriptClient {
  return client;
}
