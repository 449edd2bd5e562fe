/**
 * The protocol oracles are not vacuous: each one fires on a hand-made trace that breaks its rule, and
 * accepts a hand-made trace that keeps it. The traces are written from the protocol notes, not
 * recorded from the shard.
 */
import { describe, expect, it } from 'vitest';
import { checkGatewayProtocol, protocolRules } from '../../src/testing/model/index.js';
import type {
  ProtocolOracleConfig,
  ProtocolRuleId,
  ProtocolTraceEntry,
} from '../../src/testing/model/index.js';

const GATEWAY_URL = 'ws://gateway.test/gateway';
const RESUME_URL = 'ws://resume.test';
const INTERVAL = 41_250;
const config: ProtocolOracleConfig = {
  gatewayUrl: GATEWAY_URL,
  maxResumeAttempts: 2,
  resumeTimeoutMs: 35_000,
  helloTimeoutMs: 20_000,
};

/** Writes a trace the way the runner records one: each entry stamped with the current time. */
class Trace {
  readonly entries: ProtocolTraceEntry[] = [];
  #now = 0;
  #conn = 0;
  #s = new Map<string, number>();

  #push(entry: Record<string, unknown>): this {
    this.entries.push({ ...entry, at: this.#now } as unknown as ProtocolTraceEntry);
    return this;
  }

  /** Time passes: a timer of `ms` comes due. */
  time(ms: number): this {
    this.#now += ms;
    return this.#push({ kind: 'time', ms });
  }

  /** The client dials `url` and the gateway accepts; returns the connection's id through `out`. */
  connect(url: string, out?: { conn: number }): this {
    this.#conn += 1;
    if (out) out.conn = this.#conn;
    const dialled = new URL(url);
    dialled.search = '?v=10&encoding=json';
    return this.#push({ kind: 'dial', url: dialled.href }).#push({
      kind: 'open',
      conn: this.#conn,
      url: dialled.href,
    });
  }

  get conn(): number {
    return this.#conn;
  }

  hello(conn = this.#conn): this {
    return this.sent(conn, 10, { heartbeat_interval: INTERVAL });
  }

  sent(conn: number, op: number | null, d?: unknown): this {
    return this.#push({ kind: 'sent', conn, op, ...(d === undefined ? {} : { d }) });
  }

  received(op: number, d: unknown, conn = this.#conn): this {
    return this.#push({ kind: 'received', conn, op, d });
  }

  /** The gateway sends a dispatch of `session` (the next `s`) and the client delivers it. */
  dispatch(session: string, t: string, { deliver = true, conn = this.#conn } = {}): this {
    const s = (this.#s.get(session) ?? 0) + 1;
    this.#s.set(session, s);
    this.#push({
      kind: 'sent',
      conn,
      op: 0,
      t,
      s,
      sessionId: session,
      ...(t === 'READY' ? { resumeUrl: RESUME_URL } : {}),
    });
    return deliver ? this.deliver(t, s, t === 'READY' ? session : undefined) : this;
  }

  /** The gateway replays dispatch `s` of `session` after a RESUME, and the client delivers it. */
  replay(session: string, s: number, t: string): this {
    this.#push({ kind: 'sent', conn: this.#conn, op: 0, t, s, sessionId: session });
    return this.deliver(t, s);
  }

  deliver(t: string, s: number, sessionId?: string): this {
    return this.#push({ kind: 'delivered', t, s, ...(sessionId === undefined ? {} : { sessionId }) });
  }

  /** IDENTIFY, READY (s = 1), delivered. */
  identify(session: string): this {
    return this.received(2, { token: 't' }).dispatch(session, 'READY');
  }

  resume(session: string, seq: number | null): this {
    return this.received(6, { token: 't', session_id: session, seq });
  }

  heartbeat(d: number | null, conn = this.#conn): this {
    return this.received(1, d, conn);
  }

  closed(code: number, by: 'gateway' | 'client' | 'transport', conn = this.#conn): this {
    return this.#push({ kind: 'closed', conn, code, by });
  }

  user(action: 'start' | 'stop' | 'dropSession', resumable?: boolean): this {
    return this.#push({ kind: 'user', action, ...(resumable === undefined ? {} : { resumable }) });
  }

  lost(sessionId: string, lastSequence: number | null): this {
    return this.#push({ kind: 'event', type: 'sessionLost', sessionId, lastSequence });
  }

  failure(): this {
    return this.#push({ kind: 'event', type: 'failure' });
  }

  /** A first session: connect, HELLO, IDENTIFY, READY. */
  static live(session = 'S1'): Trace {
    return new Trace().connect(GATEWAY_URL).hello().identify(session);
  }
}

const rulesBroken = (trace: Trace): ProtocolRuleId[] => [
  ...new Set(checkGatewayProtocol(trace.entries, config).map((violation) => violation.rule)),
];

/** The client reconnects to `url` after a back-off and gets HELLO. */
const reconnect = (trace: Trace, url = RESUME_URL) => trace.time(1_000).connect(url).hello();

/** The connection drops without a close frame (1006). */
const drop = (trace: Trace) => trace.closed(1006, 'transport');

/** After a drop, a RESUME of S1 answered with op 9 d:true: a failed attempt. */
const refusedResume = (trace: Trace) => reconnect(drop(trace)).resume('S1', 1).sent(trace.conn, 9, true);

describe('the protocol oracles', () => {
  it('cite the protocol notes, one rule each', () => {
    expect(protocolRules.map((rule) => rule.id)).toEqual([
      'resume-before-identify',
      'resume-url',
      'close-code',
      'no-retry-after-fatal',
      'heartbeat-sequence',
      'zombie',
      'delivery',
    ]);
    for (const rule of protocolRules) expect(rule.cites).toMatch(/^docs\/protocol\/gateway\.md §\d/);
  });

  it('accept a run that identifies, heartbeats, loses its connection and resumes with a replay', () => {
    const trace = Trace.live()
      .time(20_625)
      .heartbeat(1)
      .sent(1, 11)
      .dispatch('S1', 'MESSAGE_CREATE')
      .time(41_250)
      .heartbeat(2)
      .dispatch('S1', 'MESSAGE_CREATE', { deliver: false }); // in flight when the connection drops
    reconnect(drop(trace)).resume('S1', 2).replay('S1', 3, 'MESSAGE_CREATE').dispatch('S1', 'RESUMED');
    trace.user('stop', false).closed(1000, 'client').lost('S1', 4);
    expect(checkGatewayProtocol(trace.entries, config)).toEqual([]);
  });

  describe('resume-before-identify', () => {
    it('fires on an IDENTIFY while a resumable session is held', () => {
      const trace = reconnect(drop(Trace.live())).received(2, { token: 't' });
      expect(rulesBroken(trace)).toContain('resume-before-identify');
    });

    it('fires on a RESUME after maxResumeAttempts failed in a row', () => {
      const trace = refusedResume(refusedResume(Trace.live()));
      reconnect(drop(trace)).resume('S1', 1);
      expect(rulesBroken(trace)).toContain('resume-before-identify');
    });

    it('fires when the client gives up a session it may still resume', () => {
      const trace = refusedResume(Trace.live()).lost('S1', 1);
      expect(rulesBroken(trace)).toEqual(['resume-before-identify']);
    });

    it('accepts an IDENTIFY once a timeout and a gateway close failed two RESUMEs', () => {
      const trace = reconnect(drop(Trace.live())).resume('S1', 1).time(35_000).closed(4000, 'client');
      reconnect(trace).resume('S1', 1).closed(4000, 'gateway').lost('S1', 1);
      reconnect(trace, GATEWAY_URL).identify('S2');
      expect(checkGatewayProtocol(trace.entries, config)).toEqual([]);
    });

    it('does not count a RESUME whose connection dropped before an answer', () => {
      const trace = reconnect(drop(Trace.live())).resume('S1', 1);
      reconnect(drop(trace)).resume('S1', 1);
      reconnect(drop(trace)).resume('S1', 1);
      expect(checkGatewayProtocol(trace.entries, config)).toEqual([]);
      reconnect(drop(trace)).received(2, { token: 't' });
      expect(rulesBroken(trace)).toContain('resume-before-identify');
    });
  });

  describe('resume-url', () => {
    it('fires when a resuming connection goes to the gateway URL', () => {
      const trace = reconnect(drop(Trace.live()), GATEWAY_URL);
      expect(rulesBroken(trace)).toEqual(['resume-url']);
    });

    it('fires when the client goes back to a resume_gateway_url that failed before HELLO', () => {
      const trace = drop(Trace.live()).time(1_000).connect(RESUME_URL).closed(4000, 'gateway');
      trace.time(1_000).connect(RESUME_URL);
      expect(rulesBroken(trace)).toEqual(['resume-url']);
    });

    it('accepts the gateway URL after the resume URL timed out before HELLO', () => {
      const trace = drop(Trace.live()).time(1_000).connect(RESUME_URL).time(20_000).closed(4000, 'client');
      reconnect(trace, GATEWAY_URL).resume('S1', 1);
      expect(checkGatewayProtocol(trace.entries, config)).toEqual([]);
    });

    it('fires when a connection for a new session goes to an old resume URL', () => {
      const trace = Trace.live().sent(1, 9, false).lost('S1', 1).closed(4000, 'client');
      reconnect(trace, RESUME_URL);
      expect(rulesBroken(trace)).toEqual(['resume-url']);
    });
  });

  describe('close-code', () => {
    it('fires on a 1000 close on a reconnect', () => {
      const trace = Trace.live().sent(1, 7).closed(1000, 'client');
      expect(rulesBroken(trace)).toContain('close-code');
    });

    it('accepts 1000 after a stop that ends the session, and 4000 after a resumable one', () => {
      const kept = Trace.live().user('stop', true).closed(4000, 'client');
      const ended = Trace.live().user('stop', false).closed(1000, 'client').lost('S1', 1);
      expect(checkGatewayProtocol(kept.entries, config)).toEqual([]);
      expect(checkGatewayProtocol(ended.entries, config)).toEqual([]);
    });
  });

  describe('no-retry-after-fatal', () => {
    it('fires on a new connection after a 4004 close', () => {
      const trace = reconnect(Trace.live().closed(4004, 'gateway').failure(), GATEWAY_URL);
      expect(rulesBroken(trace)).toContain('no-retry-after-fatal');
    });

    it('fires on a new connection after a failure event', () => {
      const trace = new Trace().failure().connect(GATEWAY_URL);
      expect(rulesBroken(trace)).toContain('no-retry-after-fatal');
    });

    it('fires when a fatal close is never reported', () => {
      const trace = Trace.live().closed(4013, 'gateway');
      expect(rulesBroken(trace)).toEqual(['no-retry-after-fatal']);
    });
  });

  describe('heartbeat-sequence', () => {
    it('fires on a heartbeat that does not carry the last s received', () => {
      const trace = Trace.live().dispatch('S1', 'GUILD_CREATE').heartbeat(1);
      expect(rulesBroken(trace)).toEqual(['heartbeat-sequence']);
    });

    it('fires on a heartbeat still carrying the s of a session the gateway ended', () => {
      const trace = Trace.live().sent(1, 9, false).lost('S1', 1).heartbeat(1);
      expect(rulesBroken(trace)).toEqual(['heartbeat-sequence']);
    });

    it('fires on a RESUME whose seq is not the last s received', () => {
      const trace = reconnect(drop(Trace.live())).resume('S1', 0);
      expect(rulesBroken(trace)).toEqual(['heartbeat-sequence']);
    });

    it('accepts null before the first dispatch', () => {
      const trace = new Trace().connect(GATEWAY_URL).hello().heartbeat(null).identify('S1').heartbeat(1);
      expect(checkGatewayProtocol(trace.entries, config)).toEqual([]);
    });
  });

  describe('zombie', () => {
    it('fires on a heartbeat sent although nothing came back since the last one', () => {
      const trace = Trace.live().time(20_625).heartbeat(1).time(41_250).heartbeat(1);
      expect(rulesBroken(trace)).toContain('zombie');
    });

    it('fires on a zombie still open two heartbeat intervals after its last frame', () => {
      const trace = Trace.live()
        .time(20_625)
        .heartbeat(1)
        .time(2 * INTERVAL - 20_625);
      expect(rulesBroken(trace)).toEqual(['zombie']);
    });

    it('accepts a zombie dropped at the next interval, and a heartbeat answering op 1', () => {
      const trace = Trace.live().time(20_625).heartbeat(1).sent(1, 1).heartbeat(1).time(41_250).heartbeat(1);
      drop(trace.time(41_250));
      expect(checkGatewayProtocol(trace.entries, config)).toEqual([]);
    });
  });

  describe('delivery', () => {
    it('fires on a dispatch delivered twice', () => {
      const trace = Trace.live().dispatch('S1', 'GUILD_CREATE').deliver('GUILD_CREATE', 2);
      expect(rulesBroken(trace)).toEqual(['delivery']);
    });

    it('fires on a dispatch skipped without a word', () => {
      const trace = Trace.live().dispatch('S1', 'GUILD_CREATE', { deliver: false });
      trace.dispatch('S1', 'MESSAGE_CREATE');
      expect(rulesBroken(trace)).toEqual(['delivery']);
    });

    it('fires on an IDENTIFY that leaves the old session unreported', () => {
      const trace = refusedResume(refusedResume(Trace.live())).identify('S2');
      expect(rulesBroken(trace)).toEqual(['delivery']);
    });

    it('fires on a session the gateway ended that is never reported lost', () => {
      const trace = Trace.live().sent(1, 9, false);
      expect(rulesBroken(trace)).toEqual(['delivery']);
    });

    it('fires on a sessionLost that misstates the last sequence delivered', () => {
      const trace = Trace.live().dispatch('S1', 'GUILD_CREATE').sent(1, 9, false).lost('S1', 1);
      expect(rulesBroken(trace)).toEqual(['delivery']);
    });

    it('accepts a new session once the old one was reported lost', () => {
      const trace = Trace.live().sent(1, 9, false).lost('S1', 1).time(3_000).identify('S2');
      expect(checkGatewayProtocol(trace.entries, config)).toEqual([]);
    });
  });
});
