import { ProtocolLedger, sameUrl, urlBase } from './protocol-ledger.js';
import type { ProtocolOracleConfig } from './protocol-ledger.js';
import type { ProtocolTraceEntry } from './protocol-trace.js';
import { formatRuleViolations, judgeTrace } from './judge-trace.js';
import type { RuleViolation, TraceChecker, TraceRule } from './judge-trace.js';

export type { ProtocolOracleConfig } from './protocol-ledger.js';

/**
 * Protocol oracles: rules of the Discord gateway protocol (and statecord's own where the protocol
 * leaves a choice), checked on a trace of what was observable (see `protocol-trace.ts`). They are
 * written from docs/protocol/gateway.md, not from the shard machine, so a wrong machine cannot agree
 * with itself here (DESIGN.md practice 18).
 */
export type ProtocolRuleId =
  | 'resume-before-identify'
  | 'resume-url'
  | 'close-code'
  | 'no-retry-after-fatal'
  | 'heartbeat-sequence'
  | 'zombie'
  | 'delivery';

/** An objection of a gateway rule to a trace. */
export type ProtocolViolation = RuleViolation<ProtocolRuleId>;

/** A gateway rule's checker over one trace. */
export type ProtocolRuleChecker = TraceChecker<ProtocolTraceEntry, ProtocolLedger>;

/** A gateway protocol rule, with a one-line summary. */
export interface ProtocolRule extends TraceRule<ProtocolRuleId, ProtocolTraceEntry, ProtocolLedger> {
  /** The rule in one sentence. */
  readonly summary: string;
}

const conn = (id: number) => `connection #${id}`;

/** The gateway protocol rules, each with its citation in `docs/protocol/gateway.md`. */
export const protocolRules: readonly ProtocolRule[] = [
  {
    id: 'resume-before-identify',
    cites: 'docs/protocol/gateway.md §3.3, §3.5, §12.14',
    summary:
      'No IDENTIFY (or giving the session up) while a resumable session is held and resume attempts remain; no RESUME once maxResumeAttempts failed in a row, or of a session that ended.',
    start: () => ({
      see(entry, ledger) {
        const session = ledger.session;
        const budget = `${session?.failures ?? 0} of ${ledger.config.maxResumeAttempts} RESUMEs failed in a row`;
        if (entry.kind === 'received' && entry.op === 2 && ledger.resumable) {
          return `IDENTIFY on ${conn(entry.conn)} while session ${session!.id} is resumable (${budget}): the client must RESUME it`;
        }
        if (entry.kind === 'received' && entry.op === 6) {
          if (session === null) return `RESUME on ${conn(entry.conn)}, but the client holds no session`;
          if (session.ended !== null)
            return `RESUME of session ${session.id} on ${conn(entry.conn)}, which ended: ${session.ended}`;
          if (!ledger.resumable)
            return `RESUME of session ${session.id} on ${conn(entry.conn)} after ${budget}: the client must identify instead`;
        }
        if (entry.kind === 'event' && entry.type === 'sessionLost' && ledger.resumable) {
          if (entry.sessionId === session!.id)
            return `the client gave session ${session!.id} up (sessionLost) while it was resumable (${budget})`;
        }
        return null;
      },
    }),
  },
  {
    id: 'resume-url',
    cites: 'docs/protocol/gateway.md §3.3, §12.12',
    summary:
      'RESUME only on resume_gateway_url while it is known and has not failed before HELLO; every other connection goes to the gateway URL.',
    start: () => ({
      see(entry, ledger) {
        const expected = ledger.expectedUrl;
        if (entry.kind === 'dial' && !sameUrl(entry.url, expected.url)) {
          return `a new connection went to ${urlBase(entry.url)} instead of ${urlBase(expected.url)} (${expected.why})`;
        }
        if (entry.kind === 'received' && entry.op === 6) {
          const url = ledger.connections.get(entry.conn)?.url;
          if (url !== undefined && !sameUrl(url, expected.url))
            return `RESUME on ${conn(entry.conn)}, opened on ${urlBase(url)}; it belongs on ${urlBase(expected.url)} (${expected.why})`;
        }
        return null;
      },
    }),
  },
  {
    id: 'close-code',
    cites: 'docs/protocol/gateway.md §4, §12.10, §12.11',
    summary: 'The client never closes with 1000/1001 on a reconnect; only a stop that ends the session may.',
    start: () => ({
      see(entry, ledger) {
        if (entry.kind !== 'closed' || entry.by !== 'client') return null;
        if ((entry.code === 1000 || entry.code === 1001) && !ledger.sessionEndingStop)
          return `the client closed ${conn(entry.conn)} with ${entry.code}, which ends the session, without being stopped for good`;
        return null;
      },
    }),
  },
  {
    id: 'no-retry-after-fatal',
    cites: 'docs/protocol/gateway.md §4, §12.22',
    summary:
      'No new connection after a fatal close (4004, 4010–4014) or a failure event; a fatal close is reported.',
    start: () => ({
      see(entry, ledger) {
        if (entry.kind === 'dial' && ledger.fatal !== null)
          return `a new connection to ${urlBase(entry.url)} after ${ledger.fatal}`;
        return null;
      },
      atEnd(ledger) {
        const fatal = ledger.fatalClose;
        return fatal !== null && !ledger.failureReported
          ? [`the gateway closed with ${fatal.code}, which is fatal, and the client never reported failure`]
          : [];
      },
    }),
  },
  {
    id: 'heartbeat-sequence',
    cites: 'docs/protocol/gateway.md §2.1, §3.3, §7, §12.7',
    summary:
      "A heartbeat's d, and a RESUME's seq, is the last dispatch s the client received in its session (null before any).",
    start: () => ({
      see(entry, ledger) {
        if (entry.kind !== 'received') return null;
        if (entry.op === 1) {
          const expected = ledger.expectedSequence;
          if (entry.d !== expected)
            return `heartbeat on ${conn(entry.conn)} carries d=${JSON.stringify(entry.d)}; the last dispatch the client received in its session is ${expected === null ? 'none (d must be null)' : `s=${expected}`}`;
        }
        const session = ledger.session;
        if (entry.op === 6 && session !== null) {
          const d = entry.d as { session_id?: unknown; seq?: unknown } | null;
          const last = session.delivered.at(-1) ?? null;
          if (d?.session_id !== session.id)
            return `RESUME on ${conn(entry.conn)} names session ${String(d?.session_id)}; the client's session is ${session.id}`;
          if (d.seq !== last)
            return `RESUME of session ${session.id} carries seq=${String(d.seq)}; the last dispatch the client received is s=${String(last)}`;
        }
        return null;
      },
    }),
  },
  {
    id: 'zombie',
    cites: 'docs/protocol/gateway.md §2.1, §12.10',
    summary:
      'A connection with no frame at all since a heartbeat is dropped within two heartbeat intervals of its last received frame, and is not heartbeated again.',
    start: () => ({
      see(entry, ledger) {
        if (entry.kind !== 'received' || entry.op !== 1) return null;
        const connection = ledger.connections.get(entry.conn);
        if (connection === undefined || connection.heartbeatRequested) return null;
        if (connection.intervalBeatsSinceFrame >= 1)
          return `the client heartbeated ${conn(entry.conn)} again although nothing came back since its last heartbeat: a zombie must be dropped`;
        return null;
      },
      atEnd(ledger) {
        const found: string[] = [];
        for (const connection of ledger.connections.values()) {
          if (connection.closed !== null || connection.interval === null || connection.beatsSinceFrame === 0)
            continue;
          const deadline = connection.lastFrameAt + 2 * connection.interval;
          if (ledger.now >= deadline)
            found.push(
              `${conn(connection.id)} got nothing since t=${connection.lastFrameAt} ms although the client heartbeated, and is still open at t=${ledger.now} ms (2 × ${connection.interval} ms after its last frame): a zombie must be dropped by then`,
            );
        }
        return found;
      },
    }),
  },
  {
    id: 'delivery',
    cites: 'docs/protocol/gateway.md §7, §3.5 (DESIGN.md principle 6)',
    summary:
      'Every dispatch the gateway sent to a session is delivered once, in order; a session the client leaves or loses is reported (sessionLost) with the last sequence delivered.',
    start: () => {
      const reported = new Set<string>();
      const unreported = (ledger: ProtocolLedger) =>
        [...ledger.sessions.values()].filter(
          (session) =>
            session.lost === null &&
            !reported.has(session.id) &&
            (session.ended === null ? session === ledger.session : session.endedBy === 'gateway'),
        );
      return {
        see(entry, ledger) {
          if (entry.kind === 'delivered' && entry.s !== null) {
            const session =
              entry.t === 'READY' && entry.sessionId !== undefined
                ? ledger.sessions.get(entry.sessionId)
                : ledger.deliveringSession;
            if (session === undefined || session === null) return null;
            const expected = session.sent[session.delivered.length];
            if (entry.s === expected) return null;
            const what = `dispatch s=${entry.s} (${entry.t}) of session ${session.id}`;
            if (session.delivered.includes(entry.s)) return `${what} was delivered twice`;
            if (expected === undefined) return `${what} was delivered, but the gateway never sent it`;
            return entry.s > expected
              ? `${what} was delivered, but s=${expected} before it was not`
              : `${what} was delivered out of order (after s=${String(session.delivered.at(-1))})`;
          }
          if (entry.kind === 'received' && entry.op === 2) {
            const missing = unreported(ledger);
            for (const session of missing) reported.add(session.id);
            if (missing.length > 0)
              return `IDENTIFY on ${conn(entry.conn)} starts a new session, but the client never reported session ${missing.map((s) => s.id).join(', ')} lost (sessionLost): what Discord sent it after s=${String(missing[0]!.delivered.at(-1) ?? null)} is gone without a word`;
          }
          if (entry.kind === 'event' && entry.type === 'sessionLost' && entry.sessionId !== undefined) {
            const session = ledger.sessions.get(entry.sessionId);
            const last = session?.delivered.at(-1) ?? null;
            if (session !== undefined && (entry.lastSequence ?? null) !== last)
              return `sessionLost for session ${session.id} reports lastSequence=${String(entry.lastSequence)}, but the client delivered up to s=${String(last)}`;
          }
          return null;
        },
        atEnd(ledger) {
          return unreported(ledger)
            .filter((session) => session.ended !== null)
            .map(
              (session) =>
                `session ${session.id} ended (${session.ended}) but the client never reported it lost (sessionLost)`,
            );
        },
      };
    },
  },
];

/** Checks every rule on a trace; violations in the order they were seen. */
export function checkGatewayProtocol(
  trace: readonly ProtocolTraceEntry[],
  config: ProtocolOracleConfig,
  rules: readonly ProtocolRule[] = protocolRules,
): ProtocolViolation[] {
  return judgeTrace(trace, new ProtocolLedger(config), rules);
}

/** One line per violation: `[rule] message (citation)`. */
export function formatViolations(violations: readonly ProtocolViolation[]): string {
  return formatRuleViolations(violations);
}

/** Thrown by `runShardPath` when an oracle objects; `violations` lists every objection, first seen first. */
export class ProtocolViolationError extends Error {
  /** The violations found, in the order they were seen. */
  readonly violations: readonly ProtocolViolation[];

  constructor(violations: readonly ProtocolViolation[]) {
    super(`protocol oracle: ${formatViolations(violations)}`);
    this.name = 'ProtocolViolationError';
    this.violations = violations;
  }
}
