import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Prints the one "redis-server not found" line, or fails a CI run without it.
    globalSetup: ['test/redis/global-setup.ts'],
    // vitest's default on a 2-core machine is one worker (cores - 1). Most of the suite waits on
    // sockets, timers and child processes rather than the CPU, so two files at a time finish the
    // run sooner; every test already waits for events, never for a guessed sleep, so load is safe.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Any unhandled rejection or uncaught exception fails the run (vitest's default, kept explicit).
    dangerouslyIgnoreUnhandledErrors: false,
  },
});
