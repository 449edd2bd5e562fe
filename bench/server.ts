/**
 * The gateway side of every benchmark, in its own process: a `FakeGateway` (the faithful one from
 * `statecord/testing`) does HELLO, IDENTIFY checks and buckets, READY, heartbeats and REST
 * `/gateway/bot`. For throughput, right after a connection's READY this process replays a
 * pre-encoded dispatch stream with `connection.sendRaw`:
 * - `compress=zlib-stream`: the stream was compressed once, with ONE raw-deflate context and a
 *   Z_SYNC_FLUSH after each payload; `sendRaw(frame, { bypassCompression: true })` appends it to the
 *   connection's own zlib stream (which ended HELLO/READY on a sync flush, i.e. on a byte boundary).
 *   A raw deflate stream never refers back before its own start, so the client's single inflate
 *   context decodes it as the continuation of the connection's stream. Heartbeat ACKs are stopped
 *   for the replay (an ACK from the connection's own context would refer to a window that the replay
 *   has changed); with the default 41.25 s interval a run ends long before a missed ACK matters.
 * - plain JSON: the payload texts are sent as text frames (`sendRaw(text)`).
 * The frames are not re-encoded per connection, so the server can feed 200k dispatches faster than
 * any client reads them and the client is the bottleneck.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FakeGateway } from '../src/testing/index.js';
import type { FakeGatewayConnection, IdentifyAttempt } from '../src/testing/index.js';
import { childArgs, toParent } from './lib/child.js';
import type { ReplayInfo, ServerArgs, ServerMessage } from './lib/protocol.js';
import { SyncDeflate } from './lib/sync-deflate.js';
import { EVENT_KINDS, generateWorkload } from './workload.js';

const args = childArgs<ServerArgs>();

interface Replay {
  readonly texts: readonly string[];
  readonly zlibFrames: readonly Buffer[];
  readonly info: ReplayInfo;
}

/** The event kinds a typical bot listens to (the workload has no INTERACTION_CREATE). */
const TYPICAL_KINDS = new Set(['MESSAGE_CREATE', 'INTERACTION_CREATE']);

function prepareReplay(dispatches: number, seed: number, warmup: number): Replay {
  let started = performance.now();
  const workload = generateWorkload(dispatches, seed);
  const generateMs = performance.now() - started;
  started = performance.now();
  const deflate = new SyncDeflate({ raw: true });
  const zlibFrames: Buffer[] = new Array<Buffer>(workload.frames.length);
  const bytesByKind = [0, 0, 0, 0];
  let zlibStreamBytes = 0;
  workload.frames.forEach((text, index) => {
    const frame = deflate.compress(Buffer.from(text, 'utf8'));
    zlibFrames[index] = frame;
    zlibStreamBytes += frame.length;
    const kind = workload.kinds[index] ?? 0;
    bytesByKind[kind] = (bytesByKind[kind] ?? 0) + frame.length;
  });
  deflate.close();
  // READY is the clients' first dispatch: replay frame i is dispatch i + 2.
  let listened = 0;
  let listenedInWarmup = 0;
  workload.kinds.forEach((kind, index) => {
    if (!TYPICAL_KINDS.has(EVENT_KINDS[kind] ?? '')) return;
    listened++;
    if (index + 2 <= warmup) listenedInWarmup++;
  });
  const zlibBytesByKind: Record<string, number> = {};
  EVENT_KINDS.forEach((kind, index) => {
    const count = workload.summary.byKind[kind].count;
    zlibBytesByKind[kind] = count === 0 ? 0 : Math.round((bytesByKind[index] ?? 0) / count);
  });
  return {
    texts: workload.frames,
    zlibFrames,
    info: {
      ...workload.summary,
      generateMs,
      compressMs: performance.now() - started,
      zlibStreamBytes,
      zlibBytesByKind,
      typicalListened: { warmup: listenedInWarmup, total: listened },
    },
  };
}

const replay = args.replay
  ? prepareReplay(args.replay.dispatches, args.replay.seed, args.replay.warmup)
  : null;
const gateway = await FakeGateway.start({ ...args.gateway, recordFrames: false });
const identifyAttempts: IdentifyAttempt[] = [];
// How late this process's event loop ran (a late loop delays when frames count as "arrived").
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
gateway.on('identify', (attempt) => identifyAttempts.push(attempt));

if (replay !== null) {
  gateway.on('ready', ({ connectionId }) => {
    const connection = gateway.connections.find((candidate) => candidate.id === connectionId);
    if (connection !== undefined) startReplay(connection, replay, args.replay?.perConnection === true);
  });
}

function startReplay(connection: FakeGatewayConnection, data: Replay, perConnection: boolean): void {
  connection.stopHeartbeatAcks();
  if (perConnection) {
    // Through the connection's own compression context, all encoded first, then written at once.
    connection.sendRawBurst(data.texts);
    return;
  }
  // Everything is queued at once, after READY in the connection's outbox; the socket's own buffering
  // then runs at the client's pace.
  if (connection.query.compression === 'zlib-stream') {
    for (const frame of data.zlibFrames) connection.sendRaw(frame, { bypassCompression: true });
  } else {
    for (const text of data.texts) connection.sendRaw(text);
  }
}

process.on('message', (raw) => {
  const message = raw as { type: string };
  if (message.type === 'stats') {
    void toParent({
      type: 'stats',
      stats: gateway.stats,
      identifyLog: gateway.identifyLog,
      identifyAttempts,
      eventLoopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
    } satisfies ServerMessage);
  } else if (message.type === 'close') {
    void gateway.close().then(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));

await toParent({
  type: 'listening',
  url: gateway.url,
  restBaseUrl: gateway.restBaseUrl,
  restUrl: gateway.restUrl,
  token: gateway.options.token,
  replay: replay?.info ?? null,
} satisfies ServerMessage);
