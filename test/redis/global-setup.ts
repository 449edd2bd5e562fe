import { MISSING_REDIS, redisServerAvailable } from './redis-server.js';

/**
 * Vitest global setup: once per run, before any test file. Without `redis-server` on the PATH it
 * prints one line saying how to install it (the Redis suites then skip), or, with `CI=true`, fails
 * the run: CI must test against a real server (`.ci/run` installs it).
 */
export default function setup(): void {
  if (redisServerAvailable) return;
  if (process.env['CI'] === 'true') {
    throw new Error('CI=true but redis-server is not on the PATH: apt-get install redis-server');
  }
  console.warn(MISSING_REDIS);
}
