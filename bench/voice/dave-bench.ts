/**
 * The voice benchmark with DAVE on (`npm run bench -- --only voice-dave`): CPU per frame with both
 * layers (DAVE encrypt + transport AEAD, AES-256-GCM) for 1, 100 and 1000 connections, statecord next to
 * @discordjs/voice 0.19.2 with DAVE in the same child (`dave-path.ts`), a UDP sink in another process.
 * Runs alternate; the ratio is the median of the per-repetition ratios (same run, seconds apart).
 */
import { Child } from '../lib/child.js';
import { fixed, markdownTable, median } from '../lib/stats.js';
import type { DavePathArgs, DavePathImpl, DavePathResult, SinkMessage } from './protocol.js';

/** Options of the DAVE voice benchmark. */
export interface DaveBenchOptions {
  /** Connection counts (each an MLS group of two): default 1, 100, 1000. */
  readonly connections: readonly number[];
  /** Frames per measured run. */
  readonly frames: number;
  /** Alternating runs of each (impl, connections). */
  readonly repetitions: number;
  /** Opus frame size in bytes. */
  readonly frameBytes: number;
  /** Progress lines (the bench's log). */
  readonly log: (line: string) => void;
}

/** One (impl, connections) cell: medians over the repetitions. */
export interface DaveRow {
  /** The path measured. */
  readonly impl: DavePathImpl;
  /** Connections the frames rotated over. */
  readonly connections: number;
  /** Measured runs (repetitions). */
  readonly runs: number;
  /** Median CPU (user + system) per frame, µs. */
  readonly usPerFrame: number;
  /** Median user CPU per frame, µs. */
  readonly userUsPerFrame: number;
  /** Median system CPU per frame, µs. */
  readonly systemUsPerFrame: number;
  /** Median over repetitions of this impl's CPU ÷ discord.js's (same DAVE setting) in the same repetition. */
  readonly vsDiscordJs: number;
  /** The per-repetition ratios the median is taken over. */
  readonly ratios: readonly number[];
}

const IMPLS: readonly DavePathImpl[] = ['statecord-dave', 'discordjs-dave', 'statecord', 'discordjs'];

/** Runs `dave-path.ts` against a UDP sink and summarises its runs. */
export async function runDaveBench(options: DaveBenchOptions): Promise<Record<string, unknown>> {
  const sink = new Child<SinkMessage>('voice/udp-sink.ts', [], { timeoutMs: 10 * 60_000 });
  try {
    const listening = await sink.next((message) => message.type === 'listening');
    if (listening.type !== 'listening') throw new Error('unexpected sink message');
    const args: DavePathArgs = {
      sinkPort: listening.port,
      frames: options.frames,
      repetitions: options.repetitions,
      frameBytes: options.frameBytes,
      batch: 20,
      connections: options.connections,
      impls: IMPLS,
    };
    options.log(
      `voice DAVE: ${options.frames} frames × ${options.repetitions} runs × ${IMPLS.length} paths × connections ${options.connections.join('/')}, alternating`,
    );
    const child = new Child<DavePathResult>('voice/dave-path.ts', [JSON.stringify(args)], {
      execArgv: ['--expose-gc'],
      timeoutMs: 600_000,
    });
    const result = await child.next();
    await child.exited;
    sink.send({ type: 'count' });
    const counted = await sink.next((message) => message.type === 'count');
    const rows: DaveRow[] = [];
    for (const connections of options.connections) {
      for (const impl of IMPLS) {
        const mine = result.runs.filter((run) => run.impl === impl && run.connections === connections);
        const us = (value: number, frames: number): number => (value * 1000) / frames;
        // Against discord.js with the same DAVE setting, in the same repetition.
        const peerImpl: DavePathImpl = impl.endsWith('-dave') ? 'discordjs-dave' : 'discordjs';
        const ratios = mine.map((run) => {
          const peer = result.runs.find(
            (other) =>
              other.impl === peerImpl &&
              other.connections === connections &&
              other.repetition === run.repetition,
          );
          return peer === undefined
            ? Number.NaN
            : (run.cpuUserMs + run.cpuSystemMs) / (peer.cpuUserMs + peer.cpuSystemMs);
        });
        const row: DaveRow = {
          impl,
          connections,
          runs: mine.length,
          usPerFrame: median(mine.map((run) => us(run.cpuUserMs + run.cpuSystemMs, run.frames))),
          userUsPerFrame: median(mine.map((run) => us(run.cpuUserMs, run.frames))),
          systemUsPerFrame: median(mine.map((run) => us(run.cpuSystemMs, run.frames))),
          vsDiscordJs: median(ratios),
          ratios,
        };
        rows.push(row);
        options.log(
          `voice DAVE ${String(connections).padStart(4)} conn ${impl.padEnd(14)} ${fixed(row.usPerFrame, 2)} µs/frame (÷ discord.js ${fixed(row.vsDiscordJs, 3)}; per run ${ratios.map((r) => fixed(r, 2)).join(' ')})`,
        );
      }
    }
    return {
      frames: options.frames,
      repetitions: options.repetitions,
      frameBytes: options.frameBytes,
      rows,
      runs: result.runs,
      checks: result.checks,
      setupMs: result.setupMs,
      groups: result.groups,
      sinkPackets: counted.type === 'count' ? counted.packets : 0,
      sinkDrops: counted.type === 'count' ? counted.kernelDrops : null,
      measuredFrames: result.runs.reduce((total, run) => total + run.frames, 0),
    };
  } finally {
    await sink.stop();
  }
}

/** The Markdown report of {@link runDaveBench}'s result. */
export function daveReport(dave: Record<string, unknown>): string {
  const rows = dave['rows'] as DaveRow[];
  const checks = dave['checks'] as DavePathResult['checks'];
  const connections = [...new Set(rows.map((row) => row.connections))];
  const cell = (impl: DavePathImpl, count: number): DaveRow | undefined =>
    rows.find((row) => row.impl === impl && row.connections === count);
  const us = (impl: DavePathImpl, count: number): number => cell(impl, count)?.usPerFrame ?? Number.NaN;
  const table = markdownTable(
    [
      'connections',
      'statecord DAVE µs / frame',
      'discord.js DAVE µs / frame',
      '**÷**',
      'no DAVE: statecord / discord.js µs (÷)',
      'DAVE adds: statecord / discord.js µs',
    ],
    connections.map((count) => [
      String(count),
      fixed(us('statecord-dave', count), 2),
      fixed(us('discordjs-dave', count), 2),
      `**${fixed(cell('statecord-dave', count)?.vsDiscordJs ?? Number.NaN, 3)}**`,
      `${fixed(us('statecord', count), 2)} / ${fixed(us('discordjs', count), 2)} (${fixed(cell('statecord', count)?.vsDiscordJs ?? Number.NaN, 3)})`,
      `${fixed(us('statecord-dave', count) - us('statecord', count), 2)} / ${fixed(us('discordjs-dave', count) - us('discordjs', count), 2)}`,
    ]),
  );
  return [
    `### Voice with DAVE (AES-256-GCM transport, ${String(dave['frames'])} frames × ${String(dave['repetitions'])} alternating runs; medians)`,
    '',
    table,
    '',
    `Checks (both layers opened, DAVE by the other library): ${checks.map((c) => `${c.impl} ${c.ok ? 'ok' : '**FAILED**'}`).join(', ')}; ${String(dave['groups'])} MLS groups set up in ${fixed(Number(dave['setupMs']) / 1000, 1)} s; sink received ${String(dave['sinkPackets'])} packets (≥ ${String(dave['measuredFrames'])} measured), kernel drops ${String(dave['sinkDrops'])}.`,
  ].join('\n');
}
