import { GatewayCloseCodes, GatewayDispatchEvents } from 'discord-api-types/v10';
import type { GatewayReadyDispatchData } from 'discord-api-types/v10';
import type { GatewayConnection } from './connection.js';
import type { GatewayState } from './gateway-state.js';
import { buildGuildCreate } from './guild-create.js';
import { isNonNegativeInteger, isObject, isPresenceUpdate } from './inbound.js';
import { DEFINED_INTENTS_MASK, PRIVILEGED_INTENTS_MASK } from './intents.js';
import { TRACE, invalidSessionFrame } from './payloads.js';
import type { FakeGuild } from './options.js';
import { guildsForShard } from './routing.js';
import { Session } from './session.js';
import type { IdentifyAttempt } from './types.js';

type ShardCheck = { ok: true; shardId: number; shardCount: number; sent: boolean } | { ok: false };

/** `shard` must be `[id, count]` with 0 ≤ id < count, and count a multiple of the large-bot factor (else 4010). */
function checkShard(shard: unknown, largeBotShardFactor: number | null): ShardCheck {
  if (shard === undefined) return { ok: true, shardId: 0, shardCount: 1, sent: false };
  if (!Array.isArray(shard) || shard.length !== 2) return { ok: false };
  const [shardId, shardCount] = shard as unknown[];
  if (!isNonNegativeInteger(shardId) || !isNonNegativeInteger(shardCount)) return { ok: false };
  if (shardCount < 1 || shardId >= shardCount) return { ok: false };
  if (largeBotShardFactor !== null && shardCount % largeBotShardFactor !== 0) return { ok: false };
  return { ok: true, shardId, shardCount, sent: true };
}

/** Shape of op 2 beyond what the ordered checks look at; a bad shape is "an invalid payload for an opcode" (4001). */
function isIdentifyShape(d: unknown): d is Record<string, unknown> & { token: string } {
  if (!isObject(d) || typeof d['token'] !== 'string' || !isObject(d['properties'])) return false;
  if (d['compress'] !== undefined && typeof d['compress'] !== 'boolean') return false;
  const threshold = d['large_threshold'];
  if (threshold !== undefined && !(isNonNegativeInteger(threshold) && threshold >= 50 && threshold <= 250)) {
    return false;
  }
  return d['presence'] === undefined || isPresenceUpdate(d['presence']);
}

/**
 * op 2. Checks in the order of docs/protocol/gateway.md §11.4: token (4004), intents (4013), privileged intents (4014),
 * shard (4010), guilds per shard (4011), identify bucket (op 9 false), session-start budget; then a
 * session starts: READY (`s = 1`) and one GUILD_CREATE per routed guild.
 */
export function handleIdentify(state: GatewayState, conn: GatewayConnection, d: unknown): void {
  const at = Date.now();
  let shardId: number | null = null;
  const report = (outcome: IdentifyAttempt['outcome'], details: Partial<IdentifyAttempt> = {}): void =>
    state.emit('identify', {
      connectionId: conn.id,
      shardId,
      outcome,
      reason: null,
      closeCode: null,
      sessionId: null,
      at,
      ...details,
    });
  const reject = (code: number): void => {
    conn.closeWith(code);
    report('closed', { closeCode: code });
  };

  if (!isIdentifyShape(d)) return reject(GatewayCloseCodes.UnknownOpcode);
  if (!state.isTokenAccepted(d.token)) return reject(GatewayCloseCodes.AuthenticationFailed);
  // Intents are required since v8; a missing or malformed bitfield is an invalid one (4013).
  const intents = d['intents'];
  if (!isNonNegativeInteger(intents) || (intents & ~DEFINED_INTENTS_MASK) !== 0) {
    return reject(GatewayCloseCodes.InvalidIntents);
  }
  if ((intents & PRIVILEGED_INTENTS_MASK & ~state.options.privilegedIntents) !== 0) {
    return reject(GatewayCloseCodes.DisallowedIntents);
  }
  const shard = checkShard(d['shard'], state.options.largeBotShardFactor);
  if (!shard.ok) return reject(GatewayCloseCodes.InvalidShard);
  shardId = shard.shardId;
  const guilds = guildsForShard(state.guilds.values(), shard.shardId, shard.shardCount);
  if (guilds.length > state.options.maxGuildsPerShard) return reject(GatewayCloseCodes.ShardingRequired);

  // Too many concurrent identifies are refused with op 9, not a close; the socket stays usable.
  const bucket = state.limits.bucketOf(shard.shardId);
  if (!state.limits.isBucketFree(bucket, at)) {
    state.count('identifyRateViolations');
    conn.sendFrame(invalidSessionFrame(false));
    return report('invalid-session', { reason: 'identify-rate-limit' });
  }
  if (!state.limits.spendSessionStart(at)) {
    state.count('sessionStartLimitExceeded');
    if (state.options.sessionStartLimitAction === 'terminate') {
      // Docs: all active sessions are terminated and the token is reset.
      state.tokenRevoked = true;
      for (const other of state.connections.values()) other.closeWith(GatewayCloseCodes.AuthenticationFailed);
      return report('closed', {
        reason: 'session-start-limit',
        closeCode: GatewayCloseCodes.AuthenticationFailed,
      });
    }
    conn.sendFrame(invalidSessionFrame(false));
    return report('invalid-session', { reason: 'session-start-limit' });
  }
  state.limits.useBucket(bucket, at);
  state.count('identifies');
  state.identifyLog.push({ shardId: shard.shardId, bucket, at });

  const session = new Session({
    shardId: shard.shardId,
    shardCount: shard.shardCount,
    shardSent: shard.sent,
    intents,
    largeThreshold: (d['large_threshold'] as number | undefined) ?? 50,
    replayBufferSize: state.options.replayBufferSize,
  });
  conn.markAuthenticated();
  report('ready', { sessionId: session.id });
  conn.answerHandshake(() => startSession(state, conn, session, guilds));
}

/** Registers the session, sends READY (`s = 1`) and one GUILD_CREATE per routed guild. */
function startSession(
  state: GatewayState,
  conn: GatewayConnection,
  session: Session,
  guilds: FakeGuild[],
): void {
  state.sessions.set(session.id, session);
  conn.bindSession(session);
  // A fresh session holds the shard's guilds now: voice states of older sessions end (docs/protocol/voice.md §1.2).
  state.voice.onSessionStarted(session);
  const { options } = state;
  const ready: GatewayReadyDispatchData & { _trace: string[] } = {
    v: Number(conn.query.version ?? 10),
    user: options.user,
    guilds: guilds.map((guild) => ({ id: guild.id, unavailable: true })),
    session_id: session.id,
    resume_gateway_url: state.url,
    ...(session.shardSent ? { shard: [session.shardId, session.shardCount] as [number, number] } : {}),
    application: {
      id: options.applicationId,
      flags: options.applicationFlags,
      flags_new: String(options.applicationFlags),
    },
    _trace: TRACE,
  };
  state.dispatchToSession(session, GatewayDispatchEvents.Ready, ready);
  state.emit('ready', {
    connectionId: conn.id,
    sessionId: session.id,
    shardId: session.shardId,
    shardCount: session.shardCount,
  });
  // Guilds start unavailable in READY and arrive one GUILD_CREATE each (lazy loading).
  for (const guild of guilds) {
    state.dispatchToSession(
      session,
      GatewayDispatchEvents.GuildCreate,
      buildGuildCreate(guild, session, state),
    );
  }
}

/**
 * op 6 (docs/protocol/gateway.md §11.6): unknown/expired session → op 9 false (socket stays open); `seq` ahead of the
 * last `s` sent → 4007; replay buffer not reaching `seq + 1` → op 9 false; otherwise replay the missed
 * dispatches with their original `s`, then RESUMED with the next `s`.
 */
export function handleResume(state: GatewayState, conn: GatewayConnection, d: unknown): void {
  const at = Date.now();
  if (
    !isObject(d) ||
    typeof d['token'] !== 'string' ||
    typeof d['session_id'] !== 'string' ||
    !isNonNegativeInteger(d['seq'])
  ) {
    return conn.closeWith(GatewayCloseCodes.UnknownOpcode);
  }
  const sessionId = d['session_id'];
  const seq = d['seq'];
  const report = (
    outcome: 'resumed' | 'invalid-session' | 'closed',
    closeCode: number | null,
    replayed = 0,
  ) => state.emit('resume', { connectionId: conn.id, sessionId, seq, outcome, closeCode, replayed, at });

  if (!state.isTokenAccepted(d['token'])) {
    conn.closeWith(GatewayCloseCodes.AuthenticationFailed);
    return report('closed', GatewayCloseCodes.AuthenticationFailed);
  }
  const session = state.sessions.get(sessionId);
  if (session === undefined || session.status === 'destroyed') {
    conn.sendFrame(invalidSessionFrame(false));
    return report('invalid-session', null);
  }
  if (seq > session.seq) {
    conn.closeWith(GatewayCloseCodes.InvalidSeq);
    return report('closed', GatewayCloseCodes.InvalidSeq);
  }
  if (session.replayAfter(seq) === null) {
    conn.sendFrame(invalidSessionFrame(false));
    return report('invalid-session', null);
  }
  conn.markAuthenticated();
  conn.answerHandshake(() => {
    // Recomputed: with `holdHandshake` the session may have expired or buffered more in the meantime.
    const missed = session.status === 'destroyed' ? null : session.replayAfter(seq);
    if (missed === null) {
      conn.markUnauthenticated();
      conn.sendFrame(invalidSessionFrame(false));
      return report('invalid-session', null);
    }
    // Binding first takes the session away from an older connection still open: only one gets its dispatches.
    conn.bindSession(session);
    for (const entry of missed) conn.sendFrame(entry.frame);
    const resumed = state.dispatchToSession(session, GatewayDispatchEvents.Resumed, { _trace: TRACE });
    state.count('resumes');
    report('resumed', null, missed.length);
    state.emit('resumed', {
      connectionId: conn.id,
      sessionId: session.id,
      shardId: session.shardId,
      replayed: missed.length,
      s: resumed?.s ?? session.seq,
    });
  });
}
