import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files that replace a module with `vi.mock`: they need a module cache of their own, so they run
 * isolated. Every other file shares its worker's module cache with the files before it.
 */
const needsOwnModules = ['test/manager/file-session-store.test.ts'];

export default defineConfig({
  test: {
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
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...needsOwnModules],
          // Loading statecord's modules again for each of 160 files took ~100 s of a 225 s run. No
          // file depends on fresh module state: process-wide state (the once-per-code warning set)
          // is reset by the tests that read it, and every test closes what it opens.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'isolated', include: needsOwnModules, isolate: true } },
    ],
  },
});
