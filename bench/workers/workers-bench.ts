/**
 * `npm run bench -- --only workers`: dispatch throughput of one `ShardManager` with 1, 2 and 4 worker
 * threads against the same shards in the main thread, in the same run (each configuration once per
 * round, rounds interleaved). CPU-s per 100k dispatches (the whole process: every thread) and
 * dispatches/s over the measured window. The bench gateway replays its stream (zlib-stream) to every
 * shard at once after READY, so the client is the bottleneck.
 */
import { Child } from '../lib/child.js';
import type { ReplayInfo, ServerArgs, ServerMessage } from '../lib/protocol.js';
import { fixed, markdownTable, median } from '../lib/stats.js';
import type { WorkersArgs, WorkersResult } from './workers-protocol.js';

export interface WorkersBenchOptions {
  readonly shards: number;
  /** Replayed dispatches per shard (READY not counted), and the warm-up among them. */
  readonly dispatchesPerShard: number;
  readonly warmupPerShard: number;
  readonly workerCounts: readonly number[];
  readonly rounds: number;
  readonly seed: number;
  readonly log: (line: string) => void;
}

interface WorkersRun extends WorkersResult {
  readonly round: number;
  readonly cpuSecondsPer100k: number;
  readonly dispatchesPerSecond: number;
}

export async function runWorkersBench(options: WorkersBenchOptions): Promise<Record<string, unknown>> {
  const serverArgs: ServerArgs = {
    gateway: {
      shardCount: options.shards,
      maxConcurrency: options.shards,
      identifyIntervalMs: 0,
      sessionStartLimit: { total: 1_000_000 },
    },
    replay: { dispatches: options.dispatchesPerShard, seed: options.seed, warmup: options.warmupPerShard },
  };
  const server = new Child<ServerMessage>('server.ts', [JSON.stringify(serverArgs)], {
    timeoutMs: 30 * 60_000,
  });
  const listening = await server.next((message) => message.type === 'listening');
  if (listening.type !== 'listening') throw new Error('unexpected server message');
  const replay = listening.replay as ReplayInfo;
  const { url, restBaseUrl, restUrl, token } = listening;
  const runs: WorkersRun[] = [];
  try {
    for (let round = 1; round <= options.rounds; round++) {
      for (const listen of ['all', 'typical'] as const) {
        for (const workers of [0, ...options.workerCounts]) {
          const perShard = listen === 'all' ? options.dispatchesPerShard : replay.typicalListened.total;
          const warmupPerShard = listen === 'all' ? options.warmupPerShard : replay.typicalListened.warmup;
          const args: WorkersArgs = {
            url,
            restBaseUrl,
            restUrl,
            token,
            workers,
            shards: options.shards,
            listen,
            perShard,
            warmupPerShard,
            dispatchesInWindow: options.shards * (options.dispatchesPerShard - options.warmupPerShard),
          };
          const child = new Child<WorkersResult>('workers/workers-client.ts', [JSON.stringify(args)], {
            timeoutMs: 300_000,
          });
          const result = await child.next();
          await child.exited;
          const run = {
            ...result,
            round,
            cpuSecondsPer100k: (result.cpuMs / 1000) * (100_000 / result.dispatchesInWindow),
            dispatchesPerSecond: result.dispatchesInWindow / (result.wallMs / 1000),
          };
          runs.push(run);
          options.log(
            `workers round ${round} ${listen.padEnd(7)} ${workers === 0 ? 'main thread' : `${workers} workers`}: ${fixed(run.cpuSecondsPer100k, 3)} CPU-s/100k, ${fixed(run.dispatchesPerSecond, 0)} dispatches/s`,
          );
        }
      }
    }
  } finally {
    server.process.send({ type: 'close' });
    await server.exited;
  }
  const summary = (['all', 'typical'] as const).flatMap((listen) =>
    [0, ...options.workerCounts].map((workers) => {
      const mine = runs.filter((run) => run.listen === listen && run.workers === workers);
      const baseline = (round: number) =>
        runs.find((run) => run.listen === listen && run.workers === 0 && run.round === round)!;
      return {
        listen,
        workers,
        runs: mine.length,
        cpuSecondsPer100k: median(mine.map((run) => run.cpuSecondsPer100k)),
        dispatchesPerSecond: median(mine.map((run) => run.dispatchesPerSecond)),
        cpuVsMainThread: median(
          mine.map((run) => run.cpuSecondsPer100k / baseline(run.round).cpuSecondsPer100k),
        ),
        rateVsMainThread: median(
          mine.map((run) => run.dispatchesPerSecond / baseline(run.round).dispatchesPerSecond),
        ),
      };
    }),
  );
  return { shards: options.shards, dispatchesPerShard: options.dispatchesPerShard, runs, summary };
}

/** The Markdown table of a workers run. */
export function workersReport(result: Record<string, unknown>): string {
  const summary = result['summary'] as Array<{
    listen: string;
    workers: number;
    runs: number;
    cpuSecondsPer100k: number;
    dispatchesPerSecond: number;
    cpuVsMainThread: number;
    rateVsMainThread: number;
  }>;
  return [
    `### Worker threads: ${String(result['shards'])} shards, ${String(result['dispatchesPerShard'])} dispatches each (zlib-stream)`,
    '',
    markdownTable(
      [
        'listening to',
        'shards run in',
        'runs',
        'CPU-s / 100k',
        '× main thread',
        'dispatches/s',
        '× main thread',
      ],
      summary.map((row) => [
        row.listen === 'all' ? 'every dispatch' : 'MESSAGE_CREATE',
        row.workers === 0 ? 'the main thread' : `${row.workers} worker${row.workers === 1 ? '' : 's'}`,
        String(row.runs),
        fixed(row.cpuSecondsPer100k, 3),
        fixed(row.cpuVsMainThread, 2),
        fixed(row.dispatchesPerSecond, 0),
        fixed(row.rateVsMainThread, 2),
      ]),
    ),
  ].join('\n');
}
