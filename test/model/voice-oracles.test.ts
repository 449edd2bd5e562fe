import { describe, expect, it } from 'vitest';
import { checkVoiceProtocol, voiceProtocolRules } from '../../src/testing/model/index.js';
import type { VoiceRuleId, VoiceTraceEntry } from '../../src/testing/model/index.js';

/**
 * Each voice protocol oracle on hand-made traces: one that breaks the rule (the oracle fires) and one
 * that keeps it (the oracle stays quiet). The traces are what the fakes would record, written out.
 */

const GUILD = '81384788765712384';
const CHANNEL = '81384788765712390';
const SESSION = 'voice-session-a';
const TOKEN = 'token-1';
const SSRC = 1111;
const config = { maxResumeAttempts: 2, maxRejoinAttempts: 2 };

/** A trace entry before it is stamped. */
type Unstamped = VoiceTraceEntry extends infer E ? (E extends unknown ? Omit<E, 'at'> : never) : never;

/** Builds a trace; `at` is the virtual clock, moved by `time()`. */
function trace() {
  const entries: VoiceTraceEntry[] = [];
  let at = 0;
  const push = (entry: Unstamped) => {
    entries.push({ ...entry, at });
    return builder;
  };
  const builder = {
    entries,
    user: (action: 'join' | 'leave' | 'rejoin' | 'move' | 'setSelf' | 'play') =>
      push({ kind: 'user', action }),
    op4: (channelId: string | null = CHANNEL) =>
      push({ kind: 'op4', guildId: GUILD, channelId, selfMute: false, selfDeaf: false }),
    voiceState: (sessionId = SESSION, channelId: string | null = CHANNEL) =>
      push({ kind: 'voiceState', sessionId, channelId }),
    voiceServer: (token = TOKEN, endpoint: string | null = '127.0.0.1:9') =>
      push({ kind: 'voiceServer', token, endpoint }),
    gatewaySession: () => push({ kind: 'gatewaySession', sessionId: 'gateway-2' }),
    upgrade: () => push({ kind: 'upgrade', url: '/?v=8' }),
    open: (conn: number) => push({ kind: 'open', conn }),
    received: (conn: number, op: number, d: unknown) => push({ kind: 'received', conn, op, d }),
    sent: (conn: number, op: number, d: unknown, seq: number | null = null) =>
      push({ kind: 'sent', conn, op, d, seq }),
    closed: (conn: number, code: number, by: 'server' | 'client' | 'transport' = 'server', injected = true) =>
      push({ kind: 'closed', conn, code, by, injected }),
    rtp: (ssrc = SSRC) => push({ kind: 'datagram', type: 'rtp', ssrc }),
    violation: (violation: string, ssrc: number | null = SSRC) =>
      push({ kind: 'violation', violation, ssrc, detail: `${violation} (fake)` }),
    fence: (after: 'step' | 'destroyed' = 'step') => push({ kind: 'fence', after }),
    note: (entry: Unstamped) => push(entry),
    resources: (extraUdpSockets = 0, voiceTimers: number[] = []) =>
      push({ kind: 'resources', extraUdpSockets, voiceTimers }),
    time: (ms: number) => {
      at += ms;
      return push({ kind: 'time', ms });
    },
    /** A new connection that identifies and gets Ready (seq 1): the session is not established yet. */
    identified: (conn: number, token = TOKEN, sessionId = SESSION) =>
      builder
        .upgrade()
        .open(conn)
        .received(conn, 0, { server_id: GUILD, user_id: '1', session_id: sessionId, token })
        .sent(conn, 8, { heartbeat_interval: 1000 })
        .sent(conn, 2, { ssrc: SSRC, modes: ['aead_aes256_gcm_rtpsize'] }, 1),
    /** Select Protocol and Session Description (seq 2): established. */
    described: (conn: number) =>
      builder
        .received(conn, 1, { protocol: 'udp', data: { address: '127.0.0.1', port: 1, mode: 'x' } })
        .sent(conn, 4, { mode: 'x', secret_key: [] }, 2),
    /** Joined and established on connection 1 (seq_ack 2). */
    established: () => builder.user('join').op4().voiceState().voiceServer().identified(1).described(1),
    resume: (conn: number, seqAck = 2, sessionId = SESSION, token = TOKEN) =>
      builder
        .upgrade()
        .open(conn)
        .received(conn, 7, { server_id: GUILD, session_id: sessionId, token, seq_ack: seqAck }),
  };
  return builder;
}

const rulesFired = (entries: readonly VoiceTraceEntry[]): VoiceRuleId[] =>
  checkVoiceProtocol(entries, config).map((violation) => violation.rule);

function expectFires(rule: VoiceRuleId, entries: readonly VoiceTraceEntry[], message: RegExp) {
  const violations = checkVoiceProtocol(entries, config).filter((violation) => violation.rule === rule);
  expect(violations.map((violation) => violation.message)).toEqual([expect.stringMatching(message)]);
}

describe('the voice protocol oracles', () => {
  it('cite docs/protocol/voice.md and have one test group each below', () => {
    expect(voiceProtocolRules.map((rule) => rule.id)).toEqual([
      'fake-server',
      'rtp-before-session-description',
      'speaking-before-rtp',
      'heartbeat-seq-ack',
      'heartbeat',
      'resume',
      'identify',
      'signals-end-connection',
      'no-reconnect-while-suspended',
      'rejoin-budget',
      'after-destroyed',
    ]);
    for (const rule of voiceProtocolRules) expect(rule.cites).toMatch(/docs\/protocol\/voice\.md §/);
  });

  it('accept a whole clean run: join, speak, resume after 4015, speak again, leave', () => {
    const t = trace()
      .established()
      .user('play')
      .received(1, 5, { speaking: 1, delay: 0, ssrc: SSRC })
      .rtp()
      .received(1, 3, { t: 1, seq_ack: 2 })
      .sent(1, 6, { t: 1 })
      .closed(1, 4015)
      .fence()
      .resume(2)
      .sent(2, 8, { heartbeat_interval: 1000 })
      .sent(2, 9, null)
      .received(2, 5, { speaking: 1, delay: 0, ssrc: SSRC })
      .rtp()
      .user('leave')
      .op4(null)
      .closed(2, 1000, 'client')
      .fence('destroyed')
      .resources();
    expect(rulesFired(t.entries)).toEqual([]);
  });
});

describe('fake-server: the FakeVoiceServer recorded no violation and refused nothing', () => {
  it('fires on a recorded violation and on a close the run did not inject', () => {
    expectFires(
      'fake-server',
      trace().established().violation('rtp-before-speaking').entries,
      /rtp-before-speaking/,
    );
    expectFires(
      'fake-server',
      trace().established().closed(1, 4004, 'server', false).entries,
      /closed connection #1 with 4004 on its own/,
    );
  });

  it('accepts injected closes, and RTP of a session the server just ended until a fence passed', () => {
    expect(rulesFired(trace().established().closed(1, 4014).violation('unknown-ssrc').entries)).toEqual([]);
    const closing = trace()
      .established()
      .note({ kind: 'inject', conn: 1, code: 4014 })
      .violation('unknown-ssrc');
    expect(rulesFired(closing.entries)).toEqual([]);
    expectFires(
      'fake-server',
      trace().established().closed(1, 4014).fence().violation('unknown-ssrc').entries,
      /unknown-ssrc/,
    );
  });
});

describe('rtp-before-session-description', () => {
  it('fires on RTP before Session Description was sent', () => {
    expectFires(
      'rtp-before-session-description',
      trace().user('join').op4().voiceState().voiceServer().identified(1).rtp().entries,
      /before its Session Description/,
    );
  });

  it('accepts RTP after it (with Speaking first)', () => {
    const t = trace().established().received(1, 5, { speaking: 1, ssrc: SSRC }).rtp();
    expect(rulesFired(t.entries)).toEqual([]);
  });
});

describe('speaking-before-rtp', () => {
  it('fires on RTP on a connection that never sent Speaking', () => {
    expectFires('speaking-before-rtp', trace().established().rtp().entries, /no Speaking was sent on it/);
  });

  it('fires on RTP of a resumed session without Speaking on the new connection', () => {
    const t = trace()
      .established()
      .received(1, 5, { speaking: 1, ssrc: SSRC })
      .rtp()
      .closed(1, 4015)
      .fence()
      .resume(2)
      .sent(2, 9, null)
      .rtp();
    expectFires('speaking-before-rtp', t.entries, /connection #2 carried the session, and no Speaking/);
  });

  it('fires on RTP while a RESUME awaits Resumed', () => {
    const t = trace()
      .established()
      .received(1, 5, { speaking: 1, ssrc: SSRC })
      .closed(1, 4015)
      .fence()
      .resume(2)
      .rtp();
    expectFires('speaking-before-rtp', t.entries, /while connection #2 was resuming/);
  });

  it('accepts RTP that overtakes the Speaking sent with it (UDP before TCP, within the step)', () => {
    const t = trace().established().rtp().received(1, 5, { speaking: 1, ssrc: SSRC });
    expect(rulesFired(t.entries)).toEqual([]);
  });
});

describe('heartbeat-seq-ack', () => {
  it('fires when seq_ack is not the last seq sent', () => {
    expectFires(
      'heartbeat-seq-ack',
      trace().established().received(1, 3, { t: 5, seq_ack: 1 }).entries,
      /seq_ack=1.*is 2/,
    );
  });

  it('accepts the last seq, and -1 on a new session before Ready', () => {
    expect(rulesFired(trace().established().received(1, 3, { t: 5, seq_ack: 2 }).entries)).toEqual([]);
    const fresh = trace()
      .user('join')
      .op4()
      .voiceState()
      .voiceServer()
      .upgrade()
      .open(1)
      .received(1, 0, { session_id: SESSION, token: TOKEN })
      .received(1, 3, { t: 5, seq_ack: -1 });
    expect(rulesFired(fresh.entries)).toEqual([]);
  });
});

describe('heartbeat: every interval, and a zombie is dropped', () => {
  it('fires on a heartbeat while the last one is unanswered', () => {
    const t = trace().established().received(1, 3, { t: 1, seq_ack: 2 }).received(1, 3, { t: 2, seq_ack: 2 });
    expectFires('heartbeat', t.entries, /zombie/);
  });

  it('fires when an interval passes without a heartbeat on an open connection', () => {
    expectFires('heartbeat', trace().established().time(1000).entries, /one was due at t=1000/);
  });

  it('accepts a heartbeat each interval, each acknowledged', () => {
    const t = trace()
      .established()
      .time(1000)
      .received(1, 3, { t: 1, seq_ack: 2 })
      .sent(1, 6, { t: 1 })
      .time(1000)
      .received(1, 3, { t: 2, seq_ack: 2 });
    expect(rulesFired(t.entries)).toEqual([]);
  });
});

describe('resume', () => {
  const dropped = () => trace().established().closed(1, 1006, 'transport');

  it('fires on IDENTIFY after a resumable close of an established session', () => {
    expectFires(
      'resume',
      dropped().identified(2).entries,
      /IDENTIFY on connection #2 after connection #1 closed with 1006/,
    );
  });

  it('fires on a RESUME with the wrong seq_ack, or of a session never established', () => {
    expectFires(
      'resume',
      dropped().resume(2, 1).entries,
      /seq_ack=1; the last seq the server sent in it is 2/,
    );
    const early = trace()
      .user('join')
      .op4()
      .voiceState()
      .voiceServer()
      .identified(1)
      .closed(1, 4015)
      .resume(2, 1);
    expectFires('resume', early.entries, /no voice session was ever established/);
  });

  it('fires on a RESUME once maxResumeAttempts RESUMEs failed in a row', () => {
    const t = dropped().resume(2).closed(2, 4015).resume(3).closed(3, 1006, 'transport').resume(4);
    expectFires('resume', t.entries, /after 2 of 2 resume attempts in a row did not reach Resumed/);
  });

  it('counts a dial that never became a connection as a failed attempt', () => {
    const t = dropped()
      .upgrade()
      .note({ kind: 'upgrade', url: '(refused)', refused: true })
      .upgrade()
      .upgrade()
      .open(3)
      .received(3, 7, { server_id: GUILD, session_id: SESSION, token: TOKEN, seq_ack: 2 });
    expectFires('resume', t.entries, /after 2 of 2 resume attempts in a row did not reach Resumed/);
  });

  it('fires on op 4 (asking to join again) instead of a RESUME after a resumable close', () => {
    expectFires(
      'resume',
      trace().established().closed(1, 4015).op4().entries,
      /asked to join again \(op 4\) after connection #1 closed with 4015/,
    );
  });

  it('accepts op 4 once the last allowed resume was dialled and given up, or when the user rejoins', () => {
    const givenUp = dropped().resume(2).closed(2, 4015).upgrade().op4();
    expect(rulesFired(givenUp.entries)).toEqual([]);
    expect(rulesFired(dropped().user('rejoin').op4().entries)).toEqual([]);
  });

  it('fires on a RESUME after a new VOICE_SERVER_UPDATE', () => {
    expectFires(
      'resume',
      dropped().voiceServer('token-2').resume(2).entries,
      /which ended: a new VOICE_SERVER_UPDATE/,
    );
  });

  it('accepts RESUME with the session, token and last seq, and IDENTIFY once resumes ran out', () => {
    expect(rulesFired(dropped().resume(2).entries)).toEqual([]);
    const t = dropped()
      .resume(2)
      .closed(2, 4015)
      .resume(3)
      .closed(3, 4015)
      .op4()
      .voiceState()
      .voiceServer('token-2')
      .identified(4, 'token-2');
    expect(rulesFired(t.entries)).toEqual([]);
  });
});

describe('identify', () => {
  const ended = () => trace().established().closed(1, 4006);

  it('fires on a new connection after 4006 without op 4, or before a fresh VOICE_SERVER_UPDATE', () => {
    expectFires('identify', ended().identified(2).entries, /without asking the gateway again/);
    expectFires('identify', ended().op4().identified(2).entries, /before a fresh VOICE_SERVER_UPDATE/);
  });

  it('fires on IDENTIFY with a stale token', () => {
    expectFires(
      'identify',
      ended().op4().voiceServer('token-2').identified(2, TOKEN).entries,
      /token token-1; the latest VOICE_SERVER_UPDATE gave token-2/,
    );
  });

  it('accepts op 4, fresh dispatches, then IDENTIFY with the new token', () => {
    const t = ended().op4().voiceState().voiceServer('token-2').identified(2, 'token-2');
    expect(rulesFired(t.entries)).toEqual([]);
  });
});

describe('signals-end-connection', () => {
  it('fires when a connection stays open after a new VOICE_SERVER_UPDATE, a null endpoint or a removal', () => {
    expectFires(
      'signals-end-connection',
      trace().established().voiceServer('token-2').entries,
      /connection #1 is still open after a new VOICE_SERVER_UPDATE/,
    );
    expectFires(
      'signals-end-connection',
      trace().established().voiceServer('token-2', null).entries,
      /after VOICE_SERVER_UPDATE with a null endpoint/,
    );
    expectFires(
      'signals-end-connection',
      trace().established().voiceState(SESSION, null).entries,
      /after VOICE_STATE_UPDATE with channel_id null/,
    );
    expectFires(
      'signals-end-connection',
      trace().established().voiceState('voice-session-b').entries,
      /after VOICE_STATE_UPDATE with a new session_id/,
    );
  });

  it('accepts the client closing it, and a VOICE_STATE_UPDATE that changes nothing', () => {
    expect(
      rulesFired(trace().established().voiceServer('token-2').closed(1, 1000, 'client').entries),
    ).toEqual([]);
    expect(rulesFired(trace().established().voiceState().entries)).toEqual([]);
  });
});

describe('no-reconnect-while-suspended', () => {
  it('fires on a new connection after 4014, and on op 4 after 4017 even with a new gateway session', () => {
    expectFires(
      'no-reconnect-while-suspended',
      trace().established().closed(1, 4014).upgrade().entries,
      /after the server closed connection #1 \(4014\)/,
    );
    const t = trace().established().closed(1, 4017).gatewaySession().op4();
    expectFires(
      'no-reconnect-while-suspended',
      t.entries,
      /asked to join again \(op 4\) after the server closed connection #1 \(4017\)/,
    );
  });

  it('fires on Select Protocol after a Ready that offered no usable mode', () => {
    const t = trace()
      .user('join')
      .op4()
      .voiceState()
      .voiceServer()
      .upgrade()
      .open(1)
      .received(1, 0, { session_id: SESSION, token: TOKEN })
      .sent(1, 2, { ssrc: SSRC, modes: ['xsalsa20_poly1305'] }, 1)
      .received(1, 1, { protocol: 'udp' });
    expectFires('no-reconnect-while-suspended', t.entries, /whose Ready offered no usable encryption mode/);
  });

  it('accepts a connection after 4014 once the gateway session is new, or a VOICE_SERVER_UPDATE came', () => {
    expect(
      rulesFired(
        trace()
          .established()
          .closed(1, 4014)
          .gatewaySession()
          .op4()
          .voiceState()
          .voiceServer('token-2')
          .identified(2, 'token-2').entries,
      ),
    ).toEqual([]);
    expect(
      rulesFired(
        trace().established().closed(1, 4022).voiceServer('token-2').identified(2, 'token-2').entries,
      ),
    ).toEqual([]);
  });
});

describe('rejoin-budget', () => {
  it('fires on a third op 4 join in a row without a session', () => {
    expectFires(
      'rejoin-budget',
      trace().user('join').op4().op4().op4().entries,
      /op 4 join number 3 in a row/,
    );
  });

  it('accepts two, and does not count the user’s own op 4 (mute, move)', () => {
    expect(rulesFired(trace().user('join').op4().op4().user('setSelf').op4().entries)).toEqual([]);
  });
});

describe('after-destroyed', () => {
  const left = () => trace().established().user('leave');

  it('fires on op 4 joining again, a second op 4 leaving, a new connection or a frame after leave()', () => {
    expectFires('after-destroyed', left().op4(null).op4().entries, /op 4 joining channel/);
    expectFires('after-destroyed', left().op4(null).op4(null).entries, /a second op 4 with channel_id null/);
    expectFires('after-destroyed', left().op4(null).upgrade().entries, /a new voice connection after leave/);
    expectFires(
      'after-destroyed',
      left().op4(null).received(1, 3, { t: 1, seq_ack: 2 }).entries,
      /op 3 on connection #1 after leave/,
    );
  });

  it('fires on a datagram after the fence that followed destroyed, and on what is left behind', () => {
    expectFires(
      'after-destroyed',
      left().op4(null).closed(1, 1000, 'client').fence('destroyed').rtp().entries,
      /rtp datagram after the connection was destroyed/,
    );
    expectFires(
      'after-destroyed',
      left().op4(null).closed(1, 1000, 'client').fence('destroyed').resources(1, [13750]).entries,
      /1 UDP socket\(s\) still open; voice timers still pending \(13750 ms\)/,
    );
    expectFires('after-destroyed', left().fence('destroyed').entries, /sent no op 4 with channel_id null/);
  });

  it('accepts one op 4 leaving, the close, datagrams in flight before the fence, and nothing left', () => {
    const t = left().rtp().op4(null).closed(1, 1000, 'client').fence('destroyed').resources();
    expect(rulesFired(t.entries).filter((rule) => rule !== 'speaking-before-rtp')).toEqual([]);
  });
});
