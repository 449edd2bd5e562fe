import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeGateway } from '../../src/testing/index.js';
import type { FakeGatewayOptions } from '../../src/testing/index.js';
import type { GateBotArgs, GateBotGateway, GateBotReport } from './fixtures/gate-bot.js';
import { uniquePrefix, until } from './helpers.js';
import { RedisServer, redisTestsEnabled } from './redis-server.js';

const enabled = redisTestsEnabled();
const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURE = join(import.meta.dirname, 'fixtures', 'gate-bot.ts');
const PROCESSES = 4;
const SHARDS = 64;
const MAX_CONCURRENCY = 16;
const INTERVAL_MS = 200;

/** A bot process; its reports are kept; killed by `kill()` (the test's cleanup). */
class GateBot {
  readonly reports: GateBotReport[] = [];
  readonly #child: ChildProcess;
  stderr = '';

  constructor(args: GateBotArgs) {
    this.#child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, JSON.stringify(args)], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      try {
        this.reports.push(JSON.parse(line) as GateBotReport);
      } catch {
        this.stderr += `(stdout) ${line}\n`;
      }
    });
    this.#child.stderr!.on(
      'data',
      (chunk: Buffer) => (this.stderr = (this.stderr + String(chunk)).slice(-4000)),
    );
  }

  has(kind: GateBotReport['kind']): boolean {
    return this.reports.some((line) => line.kind === kind);
  }

  /** Tells a loaded bot which gateway to start its shards on. */
  start(gateway: GateBotGateway): void {
    this.#child.stdin!.write(`${JSON.stringify(gateway)}\n`);
  }

  kill(): void {
    this.#child.kill('SIGKILL');
  }
}

describe.skipIf(!enabled)(
  `${PROCESSES} processes × ${SHARDS / PROCESSES} shards, one RedisIdentifyGate, one FakeGateway`,
  () => {
    let server: RedisServer;
    const bots: GateBot[] = [];
    const gateways: FakeGateway[] = [];

    beforeAll(async () => {
      server = await RedisServer.start();
    }, 30_000);
    afterEach(async () => {
      for (const bot of bots.splice(0)) bot.kill();
      for (const gateway of gateways.splice(0)) await gateway.close();
    });
    afterAll(async () => {
      await server?.dispose();
    });

    /** Waits for every bot's `kind` report, failing at once with a bot's error. */
    function allReport(kind: GateBotReport['kind'], timeoutMs: number): Promise<void> {
      return until(
        `every process ${kind}`,
        () => {
          const failed = bots.find((bot) => bot.has('error'));
          if (failed !== undefined)
            throw new Error(`a bot failed: ${JSON.stringify(failed.reports)}\n${failed.stderr}`);
          return bots.every((bot) => bot.has(kind));
        },
        timeoutMs,
      );
    }

    /**
     * Starts the processes (shard i in process i % 4) and, once all of them are loaded and connected
     * to Redis, the gateway (its budget window opens then: a process start-up slowed by a loaded
     * machine must not eat into it), and waits until every one reports ready.
     */
    async function run(options: FakeGatewayOptions, budgetWindowMs: number): Promise<FakeGateway> {
      const keyPrefix = uniquePrefix();
      for (let index = 0; index < PROCESSES; index += 1) {
        const shardIds = Array.from({ length: SHARDS }, (_, id) => id).filter(
          (id) => id % PROCESSES === index,
        );
        bots.push(
          new GateBot({
            redisUrl: server.url,
            keyPrefix,
            shardIds,
            totalShards: SHARDS,
            intervalMs: INTERVAL_MS,
            budgetWindowMs,
          }),
        );
      }
      await allReport('loaded', 120_000);
      const gateway = await FakeGateway.start({
        shardCount: SHARDS,
        maxConcurrency: MAX_CONCURRENCY,
        identifyIntervalMs: INTERVAL_MS,
        heartbeatIntervalMs: 10_000,
        ...options,
      });
      gateways.push(gateway);
      for (const bot of bots) {
        bot.start({ token: gateway.options.token, gatewayUrl: gateway.url, restUrl: gateway.restUrl });
      }
      await allReport('ready', 60_000);
      return gateway;
    }

    /** The smallest gap between two accepted identifies of one bucket, at the gateway. */
    function minBucketGap(gateway: FakeGateway): number {
      let min = Infinity;
      for (let bucket = 0; bucket < MAX_CONCURRENCY; bucket += 1) {
        const times = gateway.identifyLog.filter((entry) => entry.bucket === bucket).map((entry) => entry.at);
        times.sort((a, b) => a - b);
        for (let i = 1; i < times.length; i += 1) min = Math.min(min, times[i]! - times[i - 1]!);
      }
      return min;
    }

    /** With STATECORD_PRINT=1: the identify span and the smallest bucket gap, for BENCHMARKS-style notes. */
    function print(name: string, gateway: FakeGateway): void {
      if (process.env['STATECORD_PRINT'] !== '1') return;
      const times = gateway.identifyLog.map((entry) => entry.at);
      const span = Math.max(...times) - Math.min(...times);
      process.stderr.write(
        `${name}: identify span ${span} ms, smallest bucket gap ${minBucketGap(gateway)} ms\n`,
      );
    }

    // One run for both rules (each run starts 4 processes, the costly part): a budget smaller than the
    // shard count, so some identifies also wait for the reset.
    it('starts every shard with 0 identify violations and, with a budget of 40 for 64 shards, 0 overruns: the rest wait for the reset', async () => {
      // The window opens once the processes are loaded and outlasts their 64 identifies (4 waves of
      // 200 ms), so the 41st identify must wait for the reset.
      const budget = { total: 40, remaining: 40, resetAfter: 10_000 };
      const gateway = await run({ sessionStartLimit: budget }, budget.resetAfter);
      print('budget 40 of 64', gateway);
      expect(gateway.identifyLog).toHaveLength(SHARDS);
      expect(gateway.stats.identifyRateViolations).toBe(0);
      expect(minBucketGap(gateway)).toBeGreaterThanOrEqual(INTERVAL_MS);
      expect(gateway.stats.sessionStartLimitExceeded).toBe(0);
      expect(bots.some((bot) => bot.has('budgetExhausted'))).toBe(true);
    }, 200_000);
  },
);
