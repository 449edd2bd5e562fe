/**
 * `npm run bench -- --only voice`: what a voice frame costs to send and how evenly frames arrive.
 *
 * 1. Send path (`send-path.ts`, one child, a UDP sink in another): CPU per frame of statecord's
 *    `VoicePacketWriter.packet()` + `dgram` send next to @discordjs/voice's `prepareAudioPacket()` +
 *    `dispatchAudio()`, both AEAD modes, alternating runs, medians; ratios per repetition.
 * 2. Pacing (`pacing-client.ts` measured, `pacing-server.ts` the fake gateway + voice server and the
 *    time-stamping sink): 1, 100, 1000 real `VoiceConnection`s in one process playing endless Opus
 *    sources; inter-packet gaps per connection at the receiver, and the client's CPU per frame. The
 *    floor (`pacing-floor.ts`: the same writer and sockets behind one bare timer loop, AES-256-GCM)
 *    runs next to them, so the machine's own timing noise is measured in the same run.
 * 3. Profiles (`--cpu-prof`, cut to the measured windows): the send path always; the 1000-connection
 *    client when a target is missed or with `--profile`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { Child } from '../lib/child.js';
import { summarizeProfile, type ProfileSummary } from '../lib/profile.js';
import { fixed, markdownTable, median } from '../lib/stats.js';
import { splitProfile, type ProfileShare } from './profile-split.js';
import {
  MODE_LABEL,
  VOICE_MODES,
  type PacingClientArgs,
  type PacingClientMessage,
  type PacingFloorArgs,
  type PacingServerArgs,
  type PacingServerMessage,
  type SendPathArgs,
  type SendPathImpl,
  type SendPathResult,
  type SinkMessage,
  type VoiceMode,
} from './protocol.js';

/** Targets of the voice issue. */
export const TARGET_SEND_RATIO = 0.8;
export const TARGET_P99_DEVIATION_MS = 2;
const TARGET_CONNECTIONS = 1000;

export interface VoiceBenchOptions {
  /** Connection counts of the pacing runs. */
  readonly connections: readonly number[];
  /** Measured seconds per pacing run. */
  readonly seconds: number;
  /** Frames per send-path run. */
  readonly frames: number;
  /** Send-path runs per (implementation, mode). */
  readonly repetitions: number;
  readonly modes: readonly VoiceMode[];
  readonly frameBytes: number;
  /** Node flags of the pacing senders (statecord's client and the floor), e.g. `--max-semi-space-size=1`. */
  readonly clientFlags: readonly string[];
  /** `always`, `never`, or `auto` (the send path always; the 1000-connection client when a target is missed). */
  readonly profile: 'always' | 'never' | 'auto';
  readonly profileDir: string;
  readonly log: (message: string) => void;
}

/** Parses `aes,xchacha` (or the full mode names). */
export function parseVoiceModes(value: string): VoiceMode[] {
  return value.split(',').map((name) => {
    const mode = VOICE_MODES.find((candidate) => candidate === name || candidate.includes(`_${name}`));
    if (mode === undefined) throw new Error(`unknown voice mode ${name} (aes, xchacha)`);
    return mode;
  });
}

// ── 1. Send path ──────────────────────────────────────────────────────────────────────────────

export interface SendPathRow {
  readonly mode: VoiceMode;
  readonly impl: SendPathImpl;
  readonly runs: number;
  /** Median CPU (user + system) per frame, µs. */
  readonly usPerFrame: number;
  readonly userUsPerFrame: number;
  readonly systemUsPerFrame: number;
  /** Median over repetitions of this implementation's CPU ÷ discord.js's in the same repetition. */
  readonly vsDiscordJs: number;
  readonly ratios: readonly number[];
}

async function sendPath(options: VoiceBenchOptions): Promise<Record<string, unknown>> {
  const sink = new Child<SinkMessage>('voice/udp-sink.ts', [], { timeoutMs: 10 * 60_000 });
  try {
    const listening = await sink.next((message) => message.type === 'listening');
    if (listening.type !== 'listening') throw new Error('unexpected sink message');
    const args: SendPathArgs = {
      sinkPort: listening.port,
      frames: options.frames,
      repetitions: options.repetitions,
      frameBytes: options.frameBytes,
      batch: 20,
      modes: options.modes,
      impls: ['statecord', 'discordjs', 'statecord-connected'],
    };
    options.log(
      `voice send path: ${options.frames} frames × ${options.repetitions} runs × ${options.modes.length} modes × ${args.impls.length} paths, alternating`,
    );
    const child = new Child<SendPathResult>('voice/send-path.ts', [JSON.stringify(args)], {
      execArgv: ['--expose-gc'],
      timeoutMs: 300_000,
    });
    const result = await child.next();
    await child.exited;
    sink.send({ type: 'count' });
    const counted = await sink.next((message) => message.type === 'count');
    const packets = counted.type === 'count' ? counted.packets : 0;
    const sinkDrops = counted.type === 'count' ? counted.kernelDrops : null;
    const rows: SendPathRow[] = [];
    for (const mode of options.modes) {
      for (const impl of args.impls) {
        const mine = result.runs.filter((run) => run.mode === mode && run.impl === impl);
        const perFrame = (run: (typeof mine)[number], value: number) => (value * 1000) / run.frames;
        const ratios = mine.map((run) => {
          const peer = result.runs.find(
            (other) =>
              other.mode === mode && other.impl === 'discordjs' && other.repetition === run.repetition,
          );
          return peer === undefined
            ? Number.NaN
            : (run.cpuUserMs + run.cpuSystemMs) / (peer.cpuUserMs + peer.cpuSystemMs);
        });
        rows.push({
          mode,
          impl,
          runs: mine.length,
          usPerFrame: median(mine.map((run) => perFrame(run, run.cpuUserMs + run.cpuSystemMs))),
          userUsPerFrame: median(mine.map((run) => perFrame(run, run.cpuUserMs))),
          systemUsPerFrame: median(mine.map((run) => perFrame(run, run.cpuSystemMs))),
          vsDiscordJs: median(ratios),
          ratios,
        });
        const row = rows.at(-1)!;
        options.log(
          `voice send path ${MODE_LABEL[mode].padEnd(18)} ${impl.padEnd(9)} ${fixed(row.usPerFrame, 2)} µs/frame (÷ discord.js ${fixed(row.vsDiscordJs, 3)}; per run ${ratios.map((r) => fixed(r, 2)).join(' ')})`,
        );
      }
    }
    const sent = result.runs.reduce((total, run) => total + run.frames, 0);
    return {
      frames: options.frames,
      repetitions: options.repetitions,
      frameBytes: options.frameBytes,
      batch: args.batch,
      rows,
      runs: result.runs,
      checks: result.checks,
      discordjsXChaCha: result.discordjsXChaCha,
      statecordXChaCha: result.statecordXChaCha,
      // Warm-up frames are sent too: received ≥ measured frames means nothing was lost.
      sinkPackets: packets,
      sinkDrops,
      measuredFrames: sent,
    };
  } finally {
    await sink.stop();
  }
}

interface SplitProfile {
  readonly summary: ProfileSummary;
  readonly split: { readonly sampledMs: number; readonly shares: readonly ProfileShare[] };
}

function readProfile(dir: string, window: { startUs: number; endUs: number }): SplitProfile | undefined {
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) return undefined;
  return {
    summary: summarizeProfile(`${dir}${file}`, window, 25),
    split: splitProfile(`${dir}${file}`, window),
  };
}

async function profileSendPath(options: VoiceBenchOptions): Promise<Record<string, SplitProfile>> {
  const sink = new Child<SinkMessage>('voice/udp-sink.ts', [], { timeoutMs: 10 * 60_000 });
  try {
    const listening = await sink.next((message) => message.type === 'listening');
    if (listening.type !== 'listening') throw new Error('unexpected sink message');
    const dir = `${options.profileDir}voice-send-path-${stamp()}/`;
    mkdirSync(dir, { recursive: true });
    options.log(`voice send path: profiling statecord → ${dir}`);
    const args: SendPathArgs = {
      sinkPort: listening.port,
      frames: options.frames * 3,
      repetitions: 1,
      frameBytes: options.frameBytes,
      batch: 20,
      modes: options.modes,
      impls: ['statecord'],
    };
    const child = new Child<SendPathResult>('voice/send-path.ts', [JSON.stringify(args)], {
      execArgv: ['--expose-gc', '--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '100'],
      timeoutMs: 300_000,
    });
    const result = await child.next();
    await child.exited;
    const profiles: Record<string, SplitProfile> = {};
    for (const run of result.runs) {
      const profile = readProfile(dir, { startUs: run.windowStartUs, endUs: run.windowEndUs });
      if (profile !== undefined) profiles[run.mode] = profile;
    }
    return profiles;
  } finally {
    await sink.stop();
  }
}

// ── 2. Pacing ─────────────────────────────────────────────────────────────────────────────────

export type PacingKind = 'statecord' | 'floor';

export interface PacingRow {
  readonly kind: PacingKind;
  readonly connections: number;
  readonly mode: VoiceMode;
  readonly shards: number;
  readonly setupMs: number;
  readonly framesSent: number;
  readonly framesExpected: number;
  readonly clientUsPerFrame: number;
  /** Client CPU over the window ÷ wall time (1.0 = one core). */
  readonly clientCores: number;
  readonly serverCores: number;
  /** 1-minute load average when the run started (this bench's own processes count in it too). */
  readonly loadAverage: number;
  /**
   * The whole machine over the measured window (`/proc/stat`), in cores: busy, of which stolen by the
   * hypervisor, and what processes other than the client and the sink used (other work on the VM).
   */
  readonly machine: {
    readonly busyCores: number;
    readonly stealCores: number;
    readonly otherCores: number;
  } | null;
  readonly stats: Extract<PacingServerMessage, { type: 'stats' }>;
  readonly client: Extract<PacingClientMessage, { type: 'result' }>;
  readonly profile?: SplitProfile;
}

const WARMUP_MS = 1500;

/** The `cpu` line of /proc/stat in clock ticks: busy (steal included), steal, and all; null off Linux. */
function cpuTicks(): { busy: number; steal: number; total: number } | null {
  try {
    const line = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim();
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, steal, total: busy + idle + iowait };
  } catch {
    return null;
  }
}

/** Measured seconds of the profiled run (a profile needs fewer samples than a percentile). */
const PROFILE_SECONDS = 5;

async function pacingRun(
  options: VoiceBenchOptions,
  kind: PacingKind,
  connections: number,
  mode: VoiceMode,
  profileDir: string | null,
): Promise<PacingRow> {
  const loadAverage = loadavg()[0] ?? Number.NaN;
  const shards = Math.max(1, Math.ceil(connections / 100));
  const floor = kind === 'floor' ? { keyHex: randomBytes(32).toString('hex'), firstSsrc: 1_000_000 } : null;
  const serverArgs: PacingServerArgs = {
    connections,
    shards,
    mode,
    frameBytes: options.frameBytes,
    recvBufferBytes: 4 * 2 ** 20,
    verifyEvery: 50,
    ...(floor === null ? {} : { floor }),
  };
  const label = `${kind === 'floor' ? 'floor' : 'statecord'} ${String(connections).padStart(4)} × ${MODE_LABEL[mode]}`;
  const server = new Child<PacingServerMessage>('voice/pacing-server.ts', [JSON.stringify(serverArgs)], {
    timeoutMs: 10 * 60_000,
  });
  let client: Child<PacingClientMessage> | null = null;
  try {
    const listening = await server.next((message) => message.type === 'listening');
    if (listening.type !== 'listening') throw new Error('unexpected server message');
    const clientArgs: PacingClientArgs = {
      gatewayUrl: listening.gatewayUrl,
      restUrl: listening.restUrl,
      token: listening.token,
      guilds: listening.guilds,
      shards,
      frameBytes: options.frameBytes,
      joinConcurrency: 100,
      startSpreadMs: 1000,
      warmupMs: WARMUP_MS,
      measureMs: (profileDir === null ? options.seconds : PROFILE_SECONDS) * 1000,
      source: 'readable',
    };
    const floorArgs: PacingFloorArgs | null =
      floor === null
        ? null
        : {
            udpPort: listening.udpPort,
            connections,
            mode,
            ...floor,
            frameBytes: options.frameBytes,
            warmupMs: WARMUP_MS,
            measureMs: options.seconds * 1000,
          };
    const execArgv = [
      ...options.clientFlags,
      ...(profileDir === null
        ? []
        : ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-interval', '250']),
    ];
    client = new Child<PacingClientMessage>(
      floorArgs === null ? 'voice/pacing-client.ts' : 'voice/pacing-floor.ts',
      [JSON.stringify(floorArgs ?? clientArgs)],
      { execArgv, timeoutMs: 10 * 60_000 },
    );
    const connected = await client.next((message) => message.type === 'connected');
    if (connected.type !== 'connected') throw new Error('unexpected client message');
    if (kind === 'statecord') {
      options.log(
        `voice pacing ${label}: ${connected.connections} connections ready on ${shards} shard(s) in ${fixed(connected.setupMs / 1000, 1)} s`,
      );
    }
    server.send({ type: 'arm' });
    await server.next((message) => message.type === 'armed');
    client.send({ type: 'play' });
    await client.next((message) => message.type === 'measuring');
    server.send({ type: 'reset' });
    const ticksBefore = cpuTicks();
    const result = await client.next((message) => message.type === 'result');
    const ticksAfter = cpuTicks();
    if (result.type !== 'result') throw new Error('unexpected client message');
    server.send({ type: 'stats', startNs: result.windowStartNs, endNs: result.windowEndNs });
    const stats = await server.next((message) => message.type === 'stats');
    if (stats.type !== 'stats') throw new Error('unexpected server message');
    await client.exited;
    const profile =
      profileDir === null
        ? undefined
        : readProfile(profileDir, { startUs: result.windowStartUs, endUs: result.windowEndUs });
    const cpuMs = result.cpuUserMs + result.cpuSystemMs;
    const clientCores = cpuMs / result.wallMs;
    const serverCores = stats.cpuMs / result.wallMs;
    let machine: PacingRow['machine'] = null;
    if (ticksBefore !== null && ticksAfter !== null && ticksAfter.total > ticksBefore.total) {
      const cores = availableParallelism();
      const share = (ticks: number) => (ticks / (ticksAfter.total - ticksBefore.total)) * cores;
      const busyCores = share(ticksAfter.busy - ticksBefore.busy);
      machine = {
        busyCores,
        stealCores: share(ticksAfter.steal - ticksBefore.steal),
        otherCores: Math.max(0, busyCores - clientCores - serverCores),
      };
    }
    const row: PacingRow = {
      kind,
      connections,
      mode,
      shards,
      setupMs: result.setupMs,
      framesSent: result.framesSent,
      framesExpected: (connections * result.wallMs) / 20,
      clientUsPerFrame: (cpuMs * 1000) / result.framesSent,
      clientCores,
      serverCores,
      loadAverage,
      machine,
      stats,
      client: result,
      ...(profile === undefined ? {} : { profile }),
    };
    const p = stats.pacing;
    options.log(
      `voice pacing ${label}: ${fixed(row.clientUsPerFrame, 1)} µs/frame (${fixed(row.clientCores * 100, 0)} % of a core), ` +
        `gap p50 ${fixed(p.gapMs.p50, 2)} p99 ${fixed(p.gapMs.p99, 2)} max ${fixed(p.gapMs.max, 1)} ms, |gap−20| p99 ${fixed(p.deviationMs.p99, 2)} ms, ` +
        `lost ${p.lost}, verified ${stats.verified.ok}/${stats.verified.ok + stats.verified.failed + stats.verified.wrongLength}, ` +
        `preempted ${result.involuntaryContextSwitches}×, other processes ${fixed(machine?.otherCores ?? Number.NaN, 2)} cores`,
    );
    return row;
  } finally {
    if (client !== null) await client.stop(2000);
    await server.stop(2000);
  }
}

// ── The whole voice bench ─────────────────────────────────────────────────────────────────────

export async function runVoiceBench(options: VoiceBenchOptions): Promise<Record<string, unknown>> {
  const send = await sendPath(options);
  const sendProfiles = options.profile === 'never' ? {} : await profileSendPath(options);
  const pacing: PacingRow[] = [];
  const fewest = Math.min(...options.connections);
  const most = Math.max(...options.connections);
  for (const connections of options.connections) {
    for (const mode of options.modes)
      pacing.push(await pacingRun(options, 'statecord', connections, mode, null));
    // The floor at both ends: the machine's noise when idle, and at the load of the most connections.
    if (connections === fewest || connections === most) {
      pacing.push(await pacingRun(options, 'floor', connections, options.modes[0]!, null));
    }
  }
  const rows = send['rows'] as SendPathRow[];
  const sendMissed = rows.some((row) => row.impl === 'statecord' && !(row.vsDiscordJs <= TARGET_SEND_RATIO));
  const pacingMissed = pacing.some(
    (row) =>
      row.kind === 'statecord' &&
      row.connections === TARGET_CONNECTIONS &&
      !(row.stats.pacing.deviationMs.p99 < TARGET_P99_DEVIATION_MS),
  );
  let pacingProfile: PacingRow | null = null;
  const largest = most;
  if (options.profile === 'always' || (options.profile === 'auto' && (sendMissed || pacingMissed))) {
    const dir = `${options.profileDir}voice-pacing-${largest}-${stamp()}/`;
    mkdirSync(dir, { recursive: true });
    options.log(
      `voice pacing: profiling the ${largest}-connection client (${MODE_LABEL[options.modes[0]!]}) → ${dir}`,
    );
    pacingProfile = await pacingRun(options, 'statecord', largest, options.modes[0]!, dir);
  }
  return {
    sendPath: send,
    sendProfiles,
    pacing,
    pacingProfile,
    measureSeconds: options.seconds,
    frameBytes: options.frameBytes,
    clientFlags: options.clientFlags,
  };
}

// ── Report ────────────────────────────────────────────────────────────────────────────────────

const verdict = (ok: boolean): string => (ok ? 'met' : '**missed**');
const IMPL_LABEL: Record<SendPathImpl, string> = {
  statecord: '**statecord** `VoicePacketWriter` + dgram `send(packet, port, ip)`',
  discordjs: '@discordjs/voice `prepareAudioPacket` + `dispatchAudio`',
  'statecord-connected': '(diagnostic) statecord writer + `connect()`ed socket, `send(packet)`',
};

function splitTable(profile: SplitProfile, usPerFrame: number | undefined): string {
  return markdownTable(
    ['share', 'µs / frame', 'where'],
    profile.split.shares.map((entry) => [
      `${fixed(entry.share * 100, 1)} %`,
      usPerFrame === undefined ? 'n/a' : fixed(entry.share * usPerFrame, 2),
      entry.what,
    ]),
  );
}

function profileTable(profile: ProfileSummary, rows = 14): string {
  return markdownTable(
    ['self time', 'share', 'function'],
    profile.topFunctions.slice(0, rows).map((entry) => [
      `${fixed(entry.selfMs, 0)} ms`,
      `${fixed(entry.share * 100, 1)} %`,
      // The compiled copy's folder (bench/.build/run-<pid>/) is noise in a function's place.
      entry.name.replace(/bench\/\.build\/run-\d+\//, ''),
    ]),
  );
}

export function voiceReport(voice: Record<string, unknown>): string {
  const out: string[] = [];
  const send = voice['sendPath'] as {
    rows: SendPathRow[];
    frames: number;
    repetitions: number;
    frameBytes: number;
    batch: number;
    checks: SendPathResult['checks'];
    discordjsXChaCha: string;
    statecordXChaCha: string;
    sinkPackets: number;
    sinkDrops: number | null;
    measuredFrames: number;
  };
  out.push(
    `### Voice send path: CPU per frame (${send.frameBytes}-byte Opus frames, ${send.frames} per run, ${send.repetitions} runs each, alternating, medians)\n`,
  );
  out.push(
    markdownTable(
      ['mode', 'send path', 'µs / frame', 'user / system µs', '÷ discord.js'],
      send.rows.map((row) => [
        MODE_LABEL[row.mode],
        IMPL_LABEL[row.impl],
        fixed(row.usPerFrame, 2),
        `${fixed(row.userUsPerFrame, 2)} / ${fixed(row.systemUsPerFrame, 2)}`,
        fixed(row.vsDiscordJs, 3),
      ]),
    ),
  );
  out.push(
    `\nXChaCha20-Poly1305: statecord ${send.statecordXChaCha} (HChaCha20 in JS + OpenSSL ChaCha20-Poly1305), @discordjs/voice ${send.discordjsXChaCha}. ` +
      `Packets checked by the fake's AEAD code: ${send.checks.map((c) => `${c.impl}/${MODE_LABEL[c.mode]} ${c.ok ? 'ok' : 'FAILED'}`).join(', ')}. ` +
      `The sink (another process) received ${send.sinkPackets} datagrams of ${send.measuredFrames} measured frames + warm-up; ` +
      `its kernel dropped ${String(send.sinkDrops)} on a full buffer (a drop costs the sender nothing more).`,
  );
  for (const row of send.rows.filter((candidate) => candidate.impl === 'statecord')) {
    out.push(
      `\nSend-path target (${MODE_LABEL[row.mode]}): statecord ÷ discord.js = ${fixed(row.vsDiscordJs, 3)} (≤ ${TARGET_SEND_RATIO}): ${verdict(row.vsDiscordJs <= TARGET_SEND_RATIO)}; per run ${row.ratios.map((r) => fixed(r, 2)).join(', ')}`,
    );
  }
  const pacing = voice['pacing'] as PacingRow[];
  out.push(
    `\n### Voice pacing: connections in one process, ${String(voice['measureSeconds'])} s measured after ${WARMUP_MS / 1000} s of play (inter-packet gaps at the receiver; at \`send()\`: between the sender's calls)${
      (voice['clientFlags'] as string[] | undefined)?.length
        ? `; senders run with \`${(voice['clientFlags'] as string[]).join(' ')}\``
        : ''
    }\n`,
  );
  out.push(
    markdownTable(
      [
        'sender',
        'connections',
        'mode',
        'shards',
        'ready in',
        'frames sent / expected',
        'client µs / frame',
        'client CPU',
        'gap p50 / p99 / max ms',
        '|gap−20| p50 / p99 / p99.9 / max ms',
        '|gap−20| p99 at `send()`',
        '> 2 ms',
        'lost',
        'client loop delay p99 / max',
        'preempted',
        'sink CPU',
        'other processes',
      ],
      pacing.map((row) => {
        const p = row.stats.pacing;
        return [
          row.kind === 'floor' ? 'floor' : '**statecord**',
          String(row.connections),
          MODE_LABEL[row.mode],
          String(row.shards),
          `${fixed(row.setupMs / 1000, 1)} s`,
          `${row.framesSent} / ${fixed(row.framesExpected, 0)}`,
          fixed(row.clientUsPerFrame, 1),
          `${fixed(row.clientCores * 100, 0)} %`,
          `${fixed(p.gapMs.p50, 2)} / ${fixed(p.gapMs.p99, 2)} / ${fixed(p.gapMs.max, 1)}`,
          `${fixed(p.deviationMs.p50, 2)} / ${fixed(p.deviationMs.p99, 2)} / ${fixed(p.deviationMs.p999, 2)} / ${fixed(p.deviationMs.max, 1)}`,
          `${fixed(row.client.sendDeviationMs.p99, 2)} ms`,
          `${fixed(p.over2ms * 100, 2)} %`,
          String(p.lost),
          `${fixed(row.client.eventLoopDelayMs.p99, 1)} / ${fixed(row.client.eventLoopDelayMs.max, 1)} ms`,
          `${row.client.involuntaryContextSwitches}×`,
          `${fixed(row.serverCores * 100, 0)} %`,
          row.machine === null ? 'n/a' : `${fixed(row.machine.otherCores * 100, 0)} %`,
        ];
      }),
    ),
  );
  const checks = pacing.map((row) => {
    const v = row.stats.verified;
    return `${row.kind} ${row.connections}/${MODE_LABEL[row.mode]}: ${v.ok} ok, ${v.failed} failed, ${v.wrongLength} wrong length; kernel drops ${String(row.stats.kernelDrops)}; warnings ${row.client.warnings}; states ${JSON.stringify(row.client.states)}`;
  });
  out.push(`\nSampled decryption at the sink (1 in 50 per connection) and health: ${checks.join('; ')}.`);
  for (const row of pacing.filter(
    (candidate) => candidate.kind === 'statecord' && candidate.connections === TARGET_CONNECTIONS,
  )) {
    const p99 = row.stats.pacing.deviationMs.p99;
    out.push(
      `\nPacing target (${TARGET_CONNECTIONS} connections, ${MODE_LABEL[row.mode]}): p99 |gap − 20 ms| = ${fixed(p99, 2)} ms (< ${TARGET_P99_DEVIATION_MS}): ${verdict(p99 < TARGET_P99_DEVIATION_MS)}`,
    );
  }
  const profiles = voice['sendProfiles'] as Record<string, SplitProfile>;
  for (const [mode, profile] of Object.entries(profiles)) {
    const usPerFrame = send.rows.find((row) => row.mode === mode && row.impl === 'statecord')?.usPerFrame;
    out.push(
      `\n#### Profile: statecord send path, ${MODE_LABEL[mode as VoiceMode]} (${fixed(profile.summary.sampledMs, 0)} ms sampled; µs/frame = share × the ${fixed(usPerFrame ?? Number.NaN, 2)} µs measured above)\n`,
    );
    out.push(splitTable(profile, usPerFrame));
    out.push('');
    out.push(profileTable(profile.summary, 10));
  }
  const pacingProfile = voice['pacingProfile'] as PacingRow | null;
  if (pacingProfile?.profile !== undefined) {
    out.push(
      `\n#### Profile: the ${pacingProfile.connections}-connection client, ${MODE_LABEL[pacingProfile.mode]} (measured window, ${fixed(pacingProfile.profile.summary.sampledMs, 0)} ms sampled; under the profiler ${fixed(pacingProfile.clientUsPerFrame, 1)} µs/frame, ${fixed(pacingProfile.clientCores * 100, 0)} % of a core, |gap−20| p99 ${fixed(pacingProfile.stats.pacing.deviationMs.p99, 2)} ms)\n`,
    );
    out.push(splitTable(pacingProfile.profile, pacingProfile.clientUsPerFrame));
    out.push('');
    out.push(profileTable(pacingProfile.profile.summary, 16));
  }
  return out.join('\n');
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}
