/**
 * The event sink's cost per dispatch (`npm run bench -- --only sink`): a bot with one shard and a
 * MESSAGE_CREATE listener, with a `RedisStreamSink` attached and without, in alternating runs of the
 * same invocation; CPU of the bot process per dispatch (µs), and of `redis-server` per dispatch (from
 * its `INFO cpu`). The FakeGateway runs in the orchestrator, the bot in a child, Redis in its own
 * process: each one's CPU is its own.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import { createClient } from 'redis';
import { FakeGateway } from '../../src/testing/index.js';
import { Child } from '../lib/child.js';
import { fixed, markdownTable, median } from '../lib/stats.js';
import type { SinkBenchMode, SinkBotArgs, SinkBotMessage } from './protocol.js';

/** Options of the sink benchmark. */
export interface SinkBenchOptions {
  /** Measured dispatches per run. */
  readonly dispatches: number;
  /** Runs of each mode (alternating). */
  readonly runs: number;
  readonly log: (line: string) => void;
}

const MODES: readonly SinkBenchMode[] = ['listener', 'sink'];

/** A MESSAGE_CREATE of a typical size (≈ 900 bytes of JSON). */
function message(n: number): Record<string, unknown> {
  return {
    id: String(1_200_000_000_000_000_000n + BigInt(n)),
    type: 0,
    content: `message number ${n}: the quick brown fox jumps over the lazy dog`,
    channel_id: '1100000000000000001',
    guild_id: '1000000000000000001',
    author: {
      id: '1300000000000000001',
      username: 'someone',
      global_name: 'Someone',
      avatar: null,
      discriminator: '0',
    },
    member: {
      roles: ['1400000000000000001'],
      joined_at: '2024-01-01T00:00:00.000000+00:00',
      deaf: false,
      mute: false,
      flags: 0,
    },
    attachments: [],
    embeds: [],
    mentions: [],
    mention_roles: [],
    pinned: false,
    mention_everyone: false,
    tts: false,
    timestamp: '2026-12-06T00:00:00.000000+00:00',
    edited_timestamp: null,
    flags: 0,
    components: [],
    nonce: String(n),
  };
}

/** Runs the benchmark; returns its rows and raw runs. */
export async function runSinkBench(options: SinkBenchOptions): Promise<Record<string, unknown>> {
  const redisServer = await startRedis();
  const redis = createClient({ url: redisServer.url });
  redis.on('error', () => undefined);
  await redis.connect();
  const gateway = await FakeGateway.start({ shardCount: 1, heartbeatIntervalMs: 60_000 });
  const runs: { mode: SinkBenchMode; usPerDispatch: number; redisUsPerDispatch: number; batches: number }[] =
    [];
  try {
    for (let run = 0; run < options.runs; run += 1) {
      for (const mode of MODES) {
        const stream = `bench:${run}:${mode}`;
        const args: SinkBotArgs = {
          mode,
          gatewayUrl: gateway.url,
          restUrl: gateway.restUrl,
          token: gateway.options.token,
          redisUrl: redisServer.url,
          stream,
        };
        const bot = new Child<SinkBotMessage>('sink/sink-bot.ts', [JSON.stringify(args)], {
          timeoutMs: 5 * 60_000,
        });
        try {
          await bot.next((m) => m.type === 'ready');
          await measure(bot, gateway, 2_000);
          const redisBefore = await redisCpuUs(redis);
          const result = await measure(bot, gateway, options.dispatches);
          const redisUs = (await redisCpuUs(redis)) - redisBefore;
          if (result.dropped > 0) throw new Error(`the sink dropped ${result.dropped} dispatches`);
          const usPerDispatch = result.cpuUs / options.dispatches;
          runs.push({
            mode,
            usPerDispatch,
            redisUsPerDispatch: mode === 'sink' ? redisUs / options.dispatches : 0,
            batches: result.batches,
          });
          options.log(
            `sink bench run ${run + 1}/${options.runs} ${mode}: ${fixed(usPerDispatch)} µs/dispatch, ${result.batches} batches`,
          );
        } finally {
          await bot.stop();
        }
        await redis.sendCommand(['DEL', stream]);
      }
    }
  } finally {
    await gateway.close();
    redis.destroy();
    await redisServer.stop();
  }
  const of = (mode: SinkBenchMode) => runs.filter((run) => run.mode === mode);
  const listeners = of('listener');
  const sinks = of('sink');
  // Paired: each sink run against the listener run just before it (seconds apart, same load).
  const pairs = sinks.map((run, index) => ({
    sink: run.usPerDispatch,
    listener: listeners[index]!.usPerDispatch,
  }));
  return {
    dispatches: options.dispatches,
    runs,
    listenerUs: median(listeners.map((run) => run.usPerDispatch)),
    sinkUs: median(sinks.map((run) => run.usPerDispatch)),
    costUs: median(pairs.map((pair) => pair.sink - pair.listener)),
    ratio: median(pairs.map((pair) => pair.sink / pair.listener)),
    ratios: pairs.map((pair) => pair.sink / pair.listener),
    redisUs: median(of('sink').map((run) => run.redisUsPerDispatch)),
    batchesPerRun: median(of('sink').map((run) => run.batches)),
  };
}

/** The benchmark's table, in Markdown. */
export function sinkReport(result: Record<string, unknown>): string {
  const r = result as {
    ratios: number[];
    dispatches: number;
    listenerUs: number;
    sinkUs: number;
    costUs: number;
    ratio: number;
    redisUs: number;
    batchesPerRun: number;
    runs: unknown[];
  };
  return [
    `### Event sink: CPU per MESSAGE_CREATE, 1 shard, ${r.dispatches} dispatches per run, ${r.runs.length / 2} runs each (medians)\n`,
    markdownTable(
      ['bot', 'bot CPU µs/dispatch', 'redis-server CPU µs/dispatch', 'round trips per run'],
      [
        ['listener only', fixed(r.listenerUs), '—', '—'],
        ['listener + RedisStreamSink', fixed(r.sinkUs), fixed(r.redisUs), fixed(r.batchesPerRun, 0)],
      ],
    ),
    `\nThe sink's cost in the bot: ${fixed(r.costUs)} µs per dispatch, ${fixed(r.ratio, 2)}× the listener-only bot (medians of the paired runs' difference and ratio; ratios ${r.ratios.map((ratio) => fixed(ratio, 2)).join(', ')}).`,
  ].join('\n');
}

async function measure(bot: Child<SinkBotMessage>, gateway: FakeGateway, count: number) {
  bot.send({ type: 'measure', count });
  await bot.next((m) => m.type === 'measuring');
  const measured = bot.next((m) => m.type === 'measured');
  for (let sent = 0; sent < count;) {
    // In slices, so the gateway's socket drains between them.
    for (const end = Math.min(count, sent + 200); sent < end; sent += 1) {
      gateway.dispatch(GatewayDispatchEvents.MessageCreate, message(sent), { shardId: 0 });
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  const result = await measured;
  if (result.type !== 'measured') throw new Error('unexpected bot message');
  return result;
}

/** used_cpu_user + used_cpu_sys of the server, µs. */
async function redisCpuUs(redis: { sendCommand(args: string[]): Promise<unknown> }): Promise<number> {
  const info = String(await redis.sendCommand(['INFO', 'cpu']));
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

/** A `redis-server` on a free loopback port, without persistence. */
async function startRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'statecord-bench-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const probe = createClient({ url, socket: { reconnectStrategy: false } });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      probe.destroy();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error('redis-server did not start (apt-get install redis-server)');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
