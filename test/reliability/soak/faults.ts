import { Socket } from 'node:net';
import { constants, deflateSync } from 'node:zlib';
import { GatewayOpcodes } from 'discord-api-types/v10';
import type { Shard } from '../../../src/index.js';
import type { CloseRecord, FakeGateway, FakeGatewayConnection } from '../../../src/testing/index.js';
import type { DispatchLedger, Violations } from './ledger.js';
import type { Rng } from './rng.js';

/**
 * The faults of the chaos soak and their relative weights. "close-*" are server closes with that
 * code: 1000 (server-sent), 3000 (an unknown private code), 4000–4002, 4005, 4008 keep the session
 * resumable; 4003, 4006, 4007, 4009 end it (the shard must identify and report the gap).
 */
export const FAULT_WEIGHTS = {
  'tcp-drop': 8,
  'close-1000': 2,
  'close-3000': 2,
  'close-4000': 2,
  'close-4001': 2,
  'close-4002': 2,
  'close-4005': 2,
  'close-4008': 2,
  'close-4003': 1,
  'close-4006': 1,
  'close-4007': 1,
  'close-4009': 1,
  'op7-reconnect': 6,
  'op9-resumable': 4,
  'op9-not-resumable': 3,
  zombie: 3,
  'acks-withheld-busy': 3,
  'heartbeat-request': 6,
  'guild-create-burst': 3,
  'garbage-binary': 2,
  'garbage-text': 1,
  'invalid-json': 2,
  'truncated-zlib': 2,
  'slow-reader': 3,
  'late-close': 3,
  'replay-overlap': 4,
} as const;

export type FaultKind = keyof typeof FAULT_WEIGHTS;

/** Faults that need a ready shard with a live session; the others may also hit a connection mid-handshake. */
const NEEDS_READY_SHARD: ReadonlySet<FaultKind> = new Set<FaultKind>([
  'zombie',
  'acks-withheld-busy',
  'guild-create-burst',
  'slow-reader',
  'late-close',
  'replay-overlap',
]);

export const HANDSHAKE_FAULT_WEIGHTS = Object.fromEntries(
  Object.entries(FAULT_WEIGHTS).filter(([kind]) => !NEEDS_READY_SHARD.has(kind as FaultKind)),
) as Record<FaultKind, number>;

/** What a fault may use of the soak. */
export interface FaultContext {
  readonly rng: Rng;
  readonly gateway: FakeGateway;
  readonly ledger: DispatchLedger;
  readonly violations: Violations;
  readonly heartbeatIntervalMs: number;
  readonly slowReaderBurst: number;
  /** Dispatches `count` marked MESSAGE_CREATEs to the shard's sessions. */
  stream(shardId: number, count: number): void;
  /** Dispatches `count` large GUILD_CREATEs to the shard's sessions. */
  guildCreates(shardId: number, count: number): void;
  /** Stops (or restarts) the dispatch stream to a shard. */
  silence(shardId: number, silent: boolean): void;
  /** The open connection carrying the shard's session, if any. */
  liveConnection(shard: Shard): FakeGatewayConnection | undefined;
  /** Resolves true once `predicate` holds (re-checked on every change), false after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs: number): Promise<boolean>;
  /** The close record of a connection once it closes; null after `timeoutMs`. */
  closeOf(connectionId: number, timeoutMs: number): Promise<CloseRecord | null>;
}

/** Injects a one-shot fault on a connection. Returns false when it did not apply. */
export function injectSimpleFault(ctx: FaultContext, kind: FaultKind, conn: FakeGatewayConnection): boolean {
  if (kind.startsWith('close-')) {
    conn.close(Number(kind.slice('close-'.length)));
    return true;
  }
  switch (kind) {
    case 'tcp-drop':
      conn.terminate();
      return true;
    case 'op7-reconnect':
      conn.sendReconnect();
      return true;
    case 'op9-resumable':
      conn.invalidateSession(true);
      return true;
    case 'op9-not-resumable':
      conn.invalidateSession(false);
      return true;
    case 'heartbeat-request':
      conn.requestHeartbeat();
      return true;
    case 'garbage-binary':
      // Bytes that are not the connection's zlib stream: the inflater breaks (or, rarely, later).
      conn.sendRaw(randomBytes(ctx.rng, ctx.rng.between(1, 256)), { bypassCompression: true });
      return true;
    case 'garbage-text':
      // A text frame on a zlib-stream connection: transport compression is binary only.
      conn.sendRaw(`garbage ${ctx.rng.int(1e9)}`, { bypassCompression: true });
      return true;
    case 'invalid-json':
      // Well-compressed, but not JSON.
      conn.sendRaw(`{"op":0,"s":${ctx.rng.int(1000)},"t":"MESSAGE_CREATE","d":{"id":`);
      return true;
    case 'truncated-zlib':
      conn.sendRaw(truncatedZlibFrame(ctx.rng), { bypassCompression: true });
      return true;
    default:
      return false;
  }
}

/** Runs a fault that needs a ready shard; multi-step ones resolve when the fault is over. */
export async function injectShardFault(
  ctx: FaultContext,
  kind: FaultKind,
  shard: Shard,
  conn: FakeGatewayConnection,
): Promise<boolean> {
  switch (kind) {
    case 'guild-create-burst':
      ctx.guildCreates(shard.id, ctx.rng.between(2, 4));
      return true;
    case 'slow-reader':
      // The server writes a burst far faster than the client decodes it.
      ctx.stream(shard.id, ctx.slowReaderBurst);
      return true;
    case 'replay-overlap':
      return replayOverlap(ctx, shard, conn);
    case 'zombie':
      await zombie(ctx, shard, conn);
      return true;
    case 'acks-withheld-busy':
      await busyWithoutAcks(ctx, shard, conn);
      return true;
    case 'late-close':
      return lateClose(ctx, shard, conn);
    default:
      return injectSimpleFault(ctx, kind, conn);
  }
}

/** The gateway sends dispatches the shard already delivered again, with their `s`: they must be dropped. */
function replayOverlap(ctx: FaultContext, shard: Shard, conn: FakeGatewayConnection): boolean {
  const sessionId = shard.session?.sessionId;
  if (sessionId === undefined) return false;
  const recent = ctx.ledger.recentlyDelivered(sessionId);
  if (recent.length === 0) return false;
  for (const payload of recent) {
    conn.sendPayload({ op: GatewayOpcodes.Dispatch, s: payload.s, t: payload.t, d: payload.d });
  }
  return true;
}

/** ACKs stop and nothing else arrives: the shard must notice within two intervals and reconnect. */
async function zombie(ctx: FaultContext, shard: Shard, conn: FakeGatewayConnection): Promise<void> {
  ctx.silence(shard.id, true);
  conn.stopHeartbeatAcks();
  try {
    const close = await ctx.closeOf(conn.id, 4 * ctx.heartbeatIntervalMs + 3_000);
    if (close === null) {
      ctx.violations.add(
        'zombie-not-detected',
        `shard ${shard.id} kept a silent connection without ACKs for ${4 * ctx.heartbeatIntervalMs + 3_000} ms`,
      );
      conn.terminate();
    }
  } finally {
    ctx.silence(shard.id, false);
  }
}

/**
 * ACKs stop but dispatches keep flowing (a GUILD_CREATE flood, a busy shard): the shard must NOT
 * treat the connection as a zombie. Frames are sent right after each unacknowledged heartbeat.
 */
async function busyWithoutAcks(ctx: FaultContext, shard: Shard, conn: FakeGatewayConnection): Promise<void> {
  let unacked = 0;
  const seen: { closed: CloseRecord | null } = { closed: null };
  const onHeartbeat = (beat: { connectionId: number; acked: boolean }): void => {
    if (beat.connectionId !== conn.id || beat.acked) return;
    unacked += 1;
    if (ctx.rng.next() < 0.3) ctx.guildCreates(shard.id, 1);
    else ctx.stream(shard.id, 2);
  };
  const onClose = (record: CloseRecord): void => {
    if (record.connectionId === conn.id) seen.closed = record;
  };
  ctx.gateway.on('heartbeat', onHeartbeat);
  ctx.gateway.on('close', onClose);
  conn.stopHeartbeatAcks();
  try {
    await ctx.until(() => unacked >= 3 || seen.closed !== null, 6 * ctx.heartbeatIntervalMs + 3_000);
    const record = seen.closed;
    if (record !== null && record.initiator === 'transport') {
      ctx.violations.add(
        'busy-shard-killed-as-zombie',
        `shard ${shard.id} dropped connection ${conn.id} after ${unacked} unacknowledged heartbeats while frames flowed`,
      );
    }
  } finally {
    ctx.gateway.off('heartbeat', onHeartbeat);
    ctx.gateway.off('close', onClose);
    conn.resumeHeartbeatAcks();
  }
}

/**
 * The old socket closes late: after op 7, the server stops reading the old connection (so the shard's
 * close frame is not answered), the shard reconnects and becomes ready on a new connection, and only
 * then the old one closes, with 4004 (fatal), 4009 (session ends), 1000, or a TCP drop. None of it
 * may reach the shard: its listeners for the old socket are gone.
 */
async function lateClose(ctx: FaultContext, shard: Shard, conn: FakeGatewayConnection): Promise<boolean> {
  const raw = serverSocketOf(conn);
  if (raw === null) return false;
  raw.pause();
  let fresh: FakeGatewayConnection | undefined;
  try {
    conn.sendReconnect({ closeAfterMs: null });
    const replaced = await ctx.until(
      () => shard.state === 'ready' && ctx.liveConnection(shard)?.id !== conn.id,
      5_000,
    );
    fresh = replaced ? ctx.liveConnection(shard) : undefined;
    const how = replaced ? ctx.rng.pick(['4004', '4009', '1000', 'drop'] as const) : '4000';
    if (how === 'drop') conn.terminate();
    else conn.close(Number(how));
  } finally {
    raw.resume();
  }
  if (fresh !== undefined) {
    // Once the old socket is closed, the shard must keep its new connection: if the late close
    // reached its machine, it would leave the connection (and close it itself) at once.
    await ctx.closeOf(conn.id, 5_000);
    const left = await ctx.closeOf(fresh.id, ctx.heartbeatIntervalMs + 1_000);
    if (left !== null && left.initiator === 'client') {
      ctx.violations.add(
        'late-close-reached-shard',
        `shard ${shard.id} closed its new connection ${fresh.id} (${left.code}) right after the old ${conn.id} closed`,
      );
    }
  }
  return true;
}

/**
 * The server side TCP socket of a fake connection. `FakeGatewayConnection` has no public way to stop
 * reading a socket, so this reaches into the fake's `ws` socket; null if its internals change.
 */
export function serverSocketOf(conn: FakeGatewayConnection): Socket | null {
  const ws = (conn as unknown as { socket?: { _socket?: unknown } }).socket;
  const raw = ws?._socket;
  return raw instanceof Socket ? raw : null;
}

function randomBytes(rng: Rng, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let index = 0; index < length; index++) bytes[index] = rng.int(256);
  return bytes;
}

/** The start of a zlib stream (header included) cut short, sometimes followed by the sync-flush suffix. */
export function truncatedZlibFrame(rng: Rng): Buffer {
  const payload = JSON.stringify({ op: 0, s: 1, t: 'MESSAGE_CREATE', d: { content: 'x'.repeat(200) } });
  const whole = deflateSync(payload, { finishFlush: constants.Z_SYNC_FLUSH });
  const cut = whole.subarray(0, rng.between(1, whole.length - 5));
  return rng.next() < 0.5 ? Buffer.concat([cut, Buffer.from([0x00, 0x00, 0xff, 0xff])]) : cut;
}
