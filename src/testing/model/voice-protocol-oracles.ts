import { VoiceProtocolLedger } from './voice-protocol-ledger.js';
import type { LedgerVoiceConnection, VoiceOracleConfig } from './voice-protocol-ledger.js';
import type { VoiceTraceEntry } from './voice-protocol-trace.js';
import { formatRuleViolations, judgeTrace } from './judge-trace.js';
import type { RuleViolation, TraceChecker, TraceRule } from './judge-trace.js';

export type { VoiceOracleConfig } from './voice-protocol-ledger.js';

/**
 * Voice protocol oracles: rules of Discord's voice protocol (and statecord's own where the protocol
 * leaves a choice), checked on a trace of what was observable (`voice-protocol-trace.ts`). They are
 * written from docs/protocol/voice.md, not from the voice machine or its close-code table, so a wrong
 * machine cannot agree with itself here (DESIGN.md practice 18).
 */
export type VoiceRuleId =
  | 'fake-server'
  | 'rtp-before-session-description'
  | 'speaking-before-rtp'
  | 'heartbeat-seq-ack'
  | 'heartbeat'
  | 'resume'
  | 'identify'
  | 'signals-end-connection'
  | 'no-reconnect-while-suspended'
  | 'rejoin-budget'
  | 'after-destroyed';

/** An objection of a voice rule to a trace. */
export type VoiceProtocolViolation = RuleViolation<VoiceRuleId>;

/**
 * A voice rule's checker over one trace; its `atEnd` says what must hold by now (checked after each
 * step of a run, and at its end).
 */
export type VoiceRuleChecker = TraceChecker<VoiceTraceEntry, VoiceProtocolLedger>;

/** A voice protocol rule, with a one-line summary. */
export interface VoiceRule extends TraceRule<VoiceRuleId, VoiceTraceEntry, VoiceProtocolLedger> {
  /** The rule in one sentence. */
  readonly summary: string;
}

const conn = (id: number) => `connection #${id}`;
const record = (d: unknown) => (typeof d === 'object' && d !== null ? (d as Record<string, unknown>) : {});

/** The connection a received frame came on, once it is known to the ledger. */
const connectionOf = (ledger: VoiceProtocolLedger, id: number): LedgerVoiceConnection | undefined =>
  ledger.connections.get(id);

/** The voice protocol rules, each with its citation in `docs/protocol/voice.md`. */
export const voiceProtocolRules: readonly VoiceRule[] = [
  {
    id: 'fake-server',
    cites: 'docs/protocol/voice.md §2.2–§2.5, §3.1–§3.4, §7 (the FakeVoiceServer checks them)',
    summary:
      'The voice server recorded no violation (RTP before Speaking or Session Description, nonce replays, bad SSRCs, …) and closed no connection on its own (4001–4020: it refused what the client sent).',
    start: () => ({
      see(entry, ledger) {
        if (entry.kind === 'violation') {
          // RTP the client sent before it could know the server ended its session (UDP in flight).
          if (entry.violation === 'unknown-ssrc' && entry.ssrc !== null && ledger.inFlightFor(entry.ssrc))
            return null;
          return `the voice server recorded ${entry.violation}: ${entry.detail}`;
        }
        if (entry.kind === 'closed' && entry.by === 'server' && !entry.injected)
          return `the voice server closed ${conn(entry.conn)} with ${entry.code} on its own: it refused what the client sent`;
        return null;
      },
    }),
  },
  {
    id: 'rtp-before-session-description',
    cites: 'docs/protocol/voice.md §2.3 steps 3–5, §3.4',
    summary:
      'No RTP packet of a voice session before the server sent that session its Session Description (op 4).',
    start: () => ({
      see(entry, ledger) {
        if (entry.kind !== 'datagram' || entry.type !== 'rtp' || entry.ssrc === null) return null;
        const session = ledger.sessions.get(entry.ssrc);
        if (session === undefined)
          return `an RTP packet with SSRC ${entry.ssrc}, which no Ready gave the client`;
        if (!session.described)
          return `an RTP packet of SSRC ${entry.ssrc} (session ${session.sessionId}) before its Session Description was sent: the client cannot have the key`;
        return null;
      },
    }),
  },
  {
    id: 'speaking-before-rtp',
    cites: 'docs/protocol/voice.md §2.3 step 5, §2.4 (Speaking again after Resumed), §3.5',
    summary:
      'On every connection of a session, a non-zero Speaking (op 5) precedes its audio (UDP may overtake it within a step); no audio while a RESUME awaits Resumed.',
    start: () => ({
      see(entry, ledger) {
        if (entry.kind !== 'datagram' || entry.type !== 'rtp' || entry.ssrc === null) return null;
        const session = ledger.sessions.get(entry.ssrc);
        if (session === undefined) return null;
        // The connection that RESUMEd it and awaits Resumed: media must be held.
        for (const connection of ledger.connections.values()) {
          if (connection.closed === null && connection.resumePending && connection.session === session)
            return `an RTP packet of SSRC ${entry.ssrc} while ${conn(connection.id)} was resuming the session (RESUME sent, Resumed not yet): media must wait until the session is ready again`;
        }
        return null;
      },
      atEnd(ledger) {
        return [...ledger.connections.values()]
          .filter((connection) => connection.rtpBeforeSpeaking > 0 && !connection.spoke)
          .map(
            (connection) =>
              `${connection.rtpBeforeSpeaking} RTP packet(s) of SSRC ${connection.session?.ssrc ?? '?'} arrived while ${conn(connection.id)} carried the session, and no Speaking was sent on it`,
          );
      },
    }),
  },
  {
    id: 'heartbeat-seq-ack',
    cites: 'docs/protocol/voice.md §2.4',
    summary:
      "A heartbeat's seq_ack is the last seq the server sent the client in its voice session (-1 before any; after IDENTIFY the new session's); t is an integer.",
    start: () => ({
      see(entry, ledger) {
        if (entry.kind !== 'received' || entry.op !== 3) return null;
        const connection = connectionOf(ledger, entry.conn);
        const d = record(entry.d);
        if (!Number.isInteger(d['t'])) return `heartbeat on ${conn(entry.conn)} without an integer t`;
        if (connection === undefined || connection.first === null) return null;
        if (connection.first.op === 7 && connection.session === null) return null;
        const expected = connection.session?.lastSeq ?? -1;
        if (d['seq_ack'] !== expected)
          return `heartbeat on ${conn(entry.conn)} carries seq_ack=${JSON.stringify(d['seq_ack'])}; the last seq the server sent in the client's voice session is ${expected}`;
        return null;
      },
    }),
  },
  {
    id: 'heartbeat',
    cites: 'docs/protocol/voice.md §2.3 step 1, §2.4',
    summary:
      'From HELLO on, a heartbeat every heartbeat_interval while the connection is open; never another heartbeat while the last is unanswered (a zombie is dropped instead).',
    start: () => ({
      see(entry, ledger) {
        if (entry.kind !== 'received' || entry.op !== 3) return null;
        const connection = connectionOf(ledger, entry.conn);
        if (connection?.beatUnanswered !== true) return null;
        return `heartbeat on ${conn(entry.conn)} although the last one got no ACK (op 6): a zombie connection must be dropped, not heartbeated`;
      },
      atEnd(ledger) {
        const late: string[] = [];
        for (const connection of ledger.connections.values()) {
          if (connection.closed !== null || connection.hello === null) continue;
          const last = Math.max(connection.hello.at, connection.lastBeatAt ?? connection.hello.at);
          const due = last + connection.hello.interval;
          if (ledger.now >= due)
            late.push(
              `${conn(connection.id)} is open at t=${ledger.now} ms and got no heartbeat since t=${last} ms; one was due at t=${due} ms (heartbeat_interval ${connection.hello.interval} ms)`,
            );
        }
        return late;
      },
    }),
  },
  {
    id: 'resume',
    cites: 'docs/protocol/voice.md §2.4, §2.5',
    summary:
      'After a resumable close (below 4000, 4015, or the client dropping it to resume) of an established session, the next connection sends RESUME with its session_id, token and the last seq as seq_ack, not IDENTIFY, and the client does not ask to join again (op 4) instead; no RESUME of a session never established or ended, nor once maxResumeAttempts attempts in a row failed to reach Resumed (a dial that never became a connection is such an attempt).',
    start: () => ({
      see(entry, ledger) {
        const must = ledger.mustResume;
        if (
          entry.kind === 'op4' &&
          entry.channelId !== null &&
          ledger.userOp4Expected === 0 &&
          must !== null &&
          ledger.resumableBeyondPendingDial
        )
          return `asked to join again (op 4) after ${conn(must.conn)} closed with ${must.code}, while session ${ledger.held?.session.sessionId ?? '?'} was resumable: the client must RESUME it`;
        if (entry.kind !== 'received' || (entry.op !== 0 && entry.op !== 7)) return null;
        const connection = connectionOf(ledger, entry.conn);
        if (connection === undefined || connection.first !== null) return null;
        const held = ledger.held;
        const budget = `${held?.failures ?? 0} of ${ledger.config.maxResumeAttempts} resume attempts in a row did not reach Resumed`;
        if (entry.op === 0) {
          if (ledger.mustResume !== null && ledger.resumable)
            return `IDENTIFY on ${conn(entry.conn)} after ${conn(ledger.mustResume.conn)} closed with ${ledger.mustResume.code}, while session ${held!.session.sessionId} was resumable (${budget}): the client must RESUME it`;
          return null;
        }
        if (held === null)
          return `RESUME on ${conn(entry.conn)}, but no voice session was ever established (Session Description or Resumed): the client must IDENTIFY`;
        if (held.ended !== null)
          return `RESUME of session ${held.session.sessionId} on ${conn(entry.conn)}, which ended: ${held.ended}`;
        if (!ledger.resumable)
          return `RESUME of session ${held.session.sessionId} on ${conn(entry.conn)} after ${budget}: the client must give the session up and rejoin`;
        const d = record(entry.d);
        if (d['session_id'] !== held.session.sessionId || d['token'] !== held.session.token)
          return `RESUME on ${conn(entry.conn)} names session ${String(d['session_id'])}; the session to resume is ${held.session.sessionId} with the token it was identified with`;
        if (d['seq_ack'] !== held.session.lastSeq)
          return `RESUME of session ${held.session.sessionId} carries seq_ack=${JSON.stringify(d['seq_ack'])}; the last seq the server sent in it is ${held.session.lastSeq}`;
        return null;
      },
    }),
  },
  {
    id: 'identify',
    cites: 'docs/protocol/voice.md §1.2, §2.3, §2.5',
    summary:
      'IDENTIFY carries the session_id of the latest VOICE_STATE_UPDATE and the token of the latest VOICE_SERVER_UPDATE; after a new VOICE_SERVER_UPDATE the next connection identifies; after a session-ending close (4006, 4009, …) the client asks again (op 4, while its rejoin budget lasts) and connects only after a fresh VOICE_SERVER_UPDATE.',
    start: () => ({
      see(entry, ledger) {
        if (entry.kind === 'upgrade' && !entry.refused && ledger.rejoin !== null) {
          const rejoin = ledger.rejoin;
          if (rejoin.mayAsk && !rejoin.asked)
            return `a new voice connection after ${rejoin.why}, without asking the gateway again (op 4): the session is gone and must be rejoined`;
          if (!rejoin.freshServer)
            return `a new voice connection after ${rejoin.why}, before a fresh VOICE_SERVER_UPDATE: the old token and session cannot be reused`;
          return null;
        }
        if (entry.kind !== 'received' || entry.op !== 0) return null;
        const connection = connectionOf(ledger, entry.conn);
        if (connection === undefined || connection.first !== null) return null;
        const d = record(entry.d);
        const server = ledger.voiceServer;
        const state = ledger.voiceState;
        if (server !== null && d['token'] !== server.token)
          return `IDENTIFY on ${conn(entry.conn)} with token ${String(d['token'])}; the latest VOICE_SERVER_UPDATE gave ${server.token}`;
        if (state !== null && d['session_id'] !== state.sessionId)
          return `IDENTIFY on ${conn(entry.conn)} with session_id ${String(d['session_id'])}; the latest VOICE_STATE_UPDATE gave ${state.sessionId}`;
        return null;
      },
    }),
  },
  {
    id: 'signals-end-connection',
    cites: 'docs/protocol/voice.md §1.2',
    summary:
      'A VOICE_SERVER_UPDATE (a new voice server or token, or a null endpoint) and a VOICE_STATE_UPDATE without a channel or with a new session_id end the current voice session: by the end of the step the client has closed every connection opened before it.',
    start: () => ({
      atEnd(ledger) {
        return [...ledger.connections.values()]
          .filter((connection) => connection.closed === null && connection.mustClose !== null)
          .map(
            (connection) =>
              `${conn(connection.id)} is still open after ${connection.mustClose!}: the client must drop the voice connection`,
          );
      },
    }),
  },
  {
    id: 'no-reconnect-while-suspended',
    cites: 'docs/protocol/voice.md §1.2, §2.3, §2.5',
    summary:
      'After a close Discord says not to reconnect after (4014, 4017, 4021, 4022, client bugs), a null endpoint, a removal from the channel or a Ready with no usable mode: no new voice connection and no op 4 join until the user rejoins or a VOICE_SERVER_UPDATE with an endpoint comes (after 4014 also a new gateway session).',
    start: () => ({
      see(entry, ledger) {
        const suspended = ledger.suspended;
        if (
          entry.kind === 'received' &&
          entry.op === 1 &&
          connectionOf(ledger, entry.conn)?.noUsableMode === true
        )
          return `Select Protocol on ${conn(entry.conn)}, whose Ready offered no usable encryption mode`;
        if (suspended === null) return null;
        if (entry.kind === 'upgrade' && !entry.refused)
          return `a new voice connection after ${suspended.why}`;
        if (entry.kind === 'op4' && entry.channelId !== null && ledger.userOp4Expected === 0)
          return `asked to join again (op 4) after ${suspended.why}`;
        return null;
      },
    }),
  },
  {
    id: 'rejoin-budget',
    cites: 'docs/protocol/voice.md §1.1, §2.5 (statecord: at most maxRejoinAttempts in a row)',
    summary:
      'No more than maxRejoinAttempts op 4 joins in a row without a voice session established in between (the user joining or rejoining, or a new gateway session, starts the count again).',
    start: () => ({
      see(entry, ledger) {
        if (entry.kind !== 'op4' || entry.channelId === null || ledger.userOp4Expected > 0) return null;
        if (ledger.joinsInARow + 1 <= ledger.config.maxRejoinAttempts) return null;
        return `op 4 join number ${ledger.joinsInARow + 1} in a row without a voice session established (at most ${ledger.config.maxRejoinAttempts}): the client must give up (TimedOut)`;
      },
    }),
  },
  {
    id: 'after-destroyed',
    cites: 'docs/protocol/voice.md §2.5 ("to leave"), §1.1',
    summary:
      'After leave(): one op 4 with channel_id null and nothing else — no other op 4, no voice connection, no voice frame, no datagram once the connection is destroyed — and no UDP socket or voice timer left behind.',
    start: () => ({
      see(entry, ledger) {
        const left = ledger.left;
        if (entry.kind === 'resources') {
          const found: string[] = [];
          if (entry.extraUdpSockets > 0) found.push(`${entry.extraUdpSockets} UDP socket(s) still open`);
          if (entry.voiceTimers.length > 0)
            found.push(`voice timers still pending (${entry.voiceTimers.join(', ')} ms)`);
          const open = [...ledger.connections.values()].filter((connection) => connection.closed === null);
          if (open.length > 0) found.push(`${open.map((c) => conn(c.id)).join(', ')} still open`);
          return found.length > 0 ? `after the connection was destroyed: ${found.join('; ')}` : null;
        }
        if (left === null) return null;
        if (entry.kind === 'op4') {
          if (entry.channelId !== null) return `op 4 joining channel ${entry.channelId} after leave()`;
          if (left.op4 >= 1) return 'a second op 4 with channel_id null after leave()';
          return null;
        }
        if (entry.kind === 'upgrade') return 'a new voice connection after leave()';
        if (entry.kind === 'received') return `op ${entry.op} on ${conn(entry.conn)} after leave()`;
        if (entry.kind === 'datagram' && ledger.fenced)
          return `a ${entry.type} datagram after the connection was destroyed`;
        return null;
      },
      atEnd(ledger) {
        return ledger.fenced && ledger.left !== null && ledger.left.op4 === 0
          ? ['leave() sent no op 4 with channel_id null']
          : [];
      },
    }),
  },
];

/** Checks every rule on a trace; violations in the order they were seen. */
export function checkVoiceProtocol(
  trace: readonly VoiceTraceEntry[],
  config: VoiceOracleConfig,
  rules: readonly VoiceRule[] = voiceProtocolRules,
): VoiceProtocolViolation[] {
  return judgeTrace(trace, new VoiceProtocolLedger(config), rules);
}

/** One line per violation: `[rule] message (citation)`. */
export function formatVoiceViolations(violations: readonly VoiceProtocolViolation[]): string {
  return formatRuleViolations(violations);
}

/** Thrown by `runVoicePath` when an oracle objects; `violations` lists every objection, first seen first. */
export class VoiceProtocolViolationError extends Error {
  /** The violations found, in the order they were seen. */
  readonly violations: readonly VoiceProtocolViolation[];

  constructor(violations: readonly VoiceProtocolViolation[]) {
    super(`voice protocol oracle: ${formatVoiceViolations(violations)}`);
    this.name = 'VoiceProtocolViolationError';
    this.violations = violations;
  }
}
