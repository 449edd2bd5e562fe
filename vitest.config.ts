import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Prints the one "redis-server not found" line, or fails a CI run without it.
    globalSetup: ['test/redis/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Any unhandled rejection or uncaught exception fails the run (vitest's default, kept explicit).
    dangerouslyIgnoreUnhandledErrors: false,
  },
});
