import { afterEach, describe, expect, it } from 'vitest';
import {
  CHANNEL_ID,
  ENDPOINT,
  VOICE_HEARTBEAT,
  VOICE_SESSION,
  readyVoice,
  startPureVoice,
  takeVoiceActorErrors,
} from './voice-harness.js';

afterEach(() => {
  expect(takeVoiceActorErrors()).toEqual([]);
});

describe('signalling (docs/protocol/voice.md §1.2)', () => {
  it('starts by asking the gateway to join (op 4) and waits for both updates', () => {
    const voice = startPureVoice({ selfDeaf: true });
    expect(voice.lifecycle()).toBe('signalling');
    expect(voice.joins()).toEqual([
      { type: 'gateway.updateVoiceState', channelId: CHANNEL_ID, selfMute: false, selfDeaf: true },
    ]);
    expect(voice.sockets).toEqual([]);
  });

  it.for(['state first', 'server first'] as const)('connects once both updates came (%s)', (order) => {
    const voice = startPureVoice();
    if (order === 'state first') {
      voice.send({ type: 'gateway.voiceState', sessionId: VOICE_SESSION, channelId: CHANNEL_ID });
      expect(voice.sockets).toEqual([]);
      voice.send({ type: 'gateway.voiceServer', endpoint: ENDPOINT });
    } else {
      voice.send({ type: 'gateway.voiceServer', endpoint: ENDPOINT });
      expect(voice.sockets).toEqual([]);
      voice.send({ type: 'gateway.voiceState', sessionId: VOICE_SESSION, channelId: CHANNEL_ID });
    }
    expect(voice.sockets).toEqual([ENDPOINT]);
    expect(voice.lifecycle()).toBe('connecting');
  });

  it('a null endpoint keeps waiting for the next VOICE_SERVER_UPDATE', () => {
    const voice = startPureVoice();
    voice.signal(VOICE_SESSION, null);
    expect(voice.lifecycle()).toBe('signalling');
    voice.send({ type: 'gateway.voiceServer', endpoint: ENDPOINT });
    expect(voice.sockets).toEqual([ENDPOINT]);
  });

  it('no updates within the signalling timeout: asks again, then gives up as TimedOut after maxRejoinAttempts', () => {
    const voice = startPureVoice({ config: { signallingTimeoutMs: 1_000, maxRejoinAttempts: 2 } });
    voice.clock.increment(1_000);
    expect(voice.joins()).toHaveLength(2);
    voice.clock.increment(1_000);
    expect(voice.lifecycle()).toBe('disconnected');
    expect(voice.context().disconnection).toEqual({ reason: 'TimedOut', closeCode: null, failure: null });
  });

  it('VOICE_STATE_UPDATE with a null channel while signalling → disconnected (RemovedFromChannel)', () => {
    const voice = startPureVoice();
    voice.send({ type: 'gateway.voiceState', sessionId: VOICE_SESSION, channelId: null });
    expect(voice.context().disconnection?.reason).toBe('RemovedFromChannel');
  });
});

describe('the handshake (§2.3)', () => {
  it('socket open → IDENTIFY; READY → IP discovery; discovered → SELECT_PROTOCOL; SESSION_DESCRIPTION → ready', () => {
    const voice = startPureVoice();
    voice.signal();
    voice.opened();
    expect(voice.commandsTo(0)).toEqual(['identify']);
    expect(voice.commands[0]).toMatchObject({ sessionId: VOICE_SESSION });
    voice.ready();
    expect(voice.lifecycle()).toBe('discovering');
    expect(voice.udpCommands.map((command) => command.type)).toEqual(['udp.discover']);
    voice.discovered();
    expect(voice.commands.at(-1)).toMatchObject({
      type: 'selectProtocol',
      address: '203.0.113.7',
      port: 50_000,
    });
    voice.described();
    expect(voice.lifecycle()).toEqual({ ready: 'silent' });
    expect(voice.udpCommands.map((command) => command.type)).toEqual(['udp.discover', 'media.open']);
    expect(voice.emitted.at(-1)).toEqual({ type: 'voice.ready', resumed: false });
  });

  it('READY without a supported encryption mode → disconnected (NoSupportedEncryptionMode)', () => {
    const voice = startPureVoice();
    voice.signal();
    voice.opened();
    voice.ready(false);
    expect(voice.context().disconnection?.reason).toBe('NoSupportedEncryptionMode');
  });

  it('a handshake step timing out → a fresh connection after back-off; after maxConnectAttempts → rejoin', () => {
    const voice = startPureVoice({
      config: { handshakeTimeoutMs: 1_000, maxConnectAttempts: 2, backoffMaxMs: 100 },
    });
    voice.signal();
    voice.opened();
    voice.clock.increment(1_000); // no READY
    voice.clock.increment(100);
    expect(voice.sockets).toHaveLength(2);
    voice.opened();
    expect(voice.commandsTo(1)).toEqual(['identify']);
    voice.clock.increment(1_000);
    voice.clock.increment(100);
    expect(voice.lifecycle()).toBe('signalling');
    expect(voice.joins()).toHaveLength(2);
  });
});

describe('ready: speaking (§2.3 step 5)', () => {
  it('speak → op 5 speaking on; silence → off', () => {
    const voice = readyVoice();
    voice.send({ type: 'voice.speak', speaking: true });
    voice.send({ type: 'voice.speak', speaking: false });
    expect(voice.commandsTo(0).slice(-2)).toEqual(['speaking', 'speaking']);
    expect(voice.commands.slice(-2).map((command) => 'speaking' in command && command.speaking)).toEqual([
      true,
      false,
    ]);
  });

  it('after a resume the connection is silent until the player speaks again, which sends op 5 anew', () => {
    const voice = readyVoice();
    voice.send({ type: 'voice.speak', speaking: true });
    voice.close(1006, 'transport');
    voice.send({ type: 'voice.speak', speaking: false }); // the player pauses while media is held
    voice.clock.increment(10_000);
    voice.opened();
    voice.resumed();
    expect(voice.lifecycle()).toEqual({ ready: 'silent' });
    voice.send({ type: 'voice.speak', speaking: true }); // and goes on once it opens again
    expect(voice.commandsTo(1)).toEqual(['resume', 'speaking']);
    expect(voice.lifecycle()).toEqual({ ready: 'speaking' });
  });
});

describe('heartbeats (§2.4)', () => {
  it('op 3 every interval while ACKed; an interval without op 6 → zombie: terminated and resumed', () => {
    const voice = readyVoice();
    voice.clock.increment(VOICE_HEARTBEAT);
    expect(voice.commandsTo(0).at(-1)).toBe('heartbeat');
    voice.send({ type: 'voice.heartbeatAck' });
    voice.clock.increment(VOICE_HEARTBEAT);
    expect(voice.commandsTo(0).filter((type) => type === 'heartbeat')).toHaveLength(2);
    voice.clock.increment(VOICE_HEARTBEAT); // the second had no ACK
    expect(voice.lifecycle()).toBe('reconnecting');
    expect(voice.commandsTo(0).at(-1)).toBe('terminate');
  });
});

describe('closes (the table of §2.5)', () => {
  it('a transport close of an established session → RESUME on a new socket, then ready again', () => {
    const voice = readyVoice();
    voice.close(1006, 'transport');
    voice.clock.increment(10_000);
    voice.opened();
    expect(voice.commandsTo(1)).toEqual(['resume']);
    voice.resumed();
    expect(voice.emitted.at(-1)).toEqual({ type: 'voice.ready', resumed: true });
    expect(voice.udpCommands.map((command) => [command.type, command.udp])).toEqual([
      ['udp.discover', 0],
      ['media.open', 0],
      ['media.hold', 0],
      ['media.open', 0],
    ]);
  });

  it('4015 (voice server crashed) resumes', () => {
    const voice = readyVoice();
    voice.close(4015);
    voice.clock.increment(10_000);
    voice.opened();
    expect(voice.commandsTo(1)).toEqual(['resume']);
  });

  it('4006 rejoins: op 4 again, then a fresh identify', () => {
    const voice = readyVoice();
    voice.close(4006);
    expect(voice.lifecycle()).toBe('signalling');
    expect(voice.joins()).toHaveLength(2);
    voice.signal('voice-session-2');
    voice.opened();
    expect(voice.commandsTo(1)).toEqual(['identify']);
  });

  it.for([4014, 4017, 4021, 4022])('%i → disconnected with the close code, no reconnect', (code) => {
    const voice = readyVoice();
    voice.close(code);
    expect(voice.lifecycle()).toBe('disconnected');
    expect(voice.context().disconnection).toMatchObject({ reason: 'CloseCode', closeCode: code });
    voice.clock.increment(60_000);
    expect(voice.sockets).toHaveLength(1);
  });

  it('4017 records the E2EERequired failure', () => {
    const voice = readyVoice();
    voice.close(4017);
    expect(voice.context().disconnection?.failure).toBe('E2EERequired');
  });

  it('resumes refused by a close maxResumeAttempts times in a row → rejoin', () => {
    const voice = readyVoice({ config: { maxResumeAttempts: 2, backoffMaxMs: 100 } });
    voice.close(4015);
    for (let attempt = 0; attempt < 2; attempt++) {
      voice.clock.increment(100);
      voice.opened();
      voice.close(4015);
    }
    voice.clock.increment(100);
    expect(voice.lifecycle()).toBe('signalling');
    expect(voice.commands.filter((command) => command.type === 'resume')).toHaveLength(2);
  });

  it('dials of an established session that never open count as resume attempts → rejoin', () => {
    const voice = readyVoice({ config: { maxResumeAttempts: 2, backoffMaxMs: 100 } });
    voice.close(1006, 'transport');
    for (let attempt = 0; attempt < 2; attempt++) {
      voice.clock.increment(100);
      voice.close(1006, 'transport'); // refused before it opened
    }
    voice.clock.increment(100);
    expect(voice.lifecycle()).toBe('signalling');
  });

  it('resumes that time out maxResumeAttempts times in a row → rejoin', () => {
    const voice = readyVoice({
      config: { maxResumeAttempts: 2, handshakeTimeoutMs: 1_000, backoffMaxMs: 100 },
    });
    voice.close(1006, 'transport');
    for (let attempt = 0; attempt < 2; attempt++) {
      voice.clock.increment(100);
      voice.opened();
      voice.clock.increment(1_000);
    }
    voice.clock.increment(100);
    expect(voice.lifecycle()).toBe('signalling');
  });
});

describe('server updates while connected (§1.2)', () => {
  it('a new VOICE_SERVER_UPDATE → a fresh session on the new endpoint (identify, never resume)', () => {
    const voice = readyVoice();
    voice.send({ type: 'gateway.voiceServer', endpoint: 'other.example:443' });
    expect(voice.sockets).toEqual([ENDPOINT, 'other.example:443']);
    expect(voice.commandsTo(0).at(-1)).toBe('close');
    voice.opened();
    expect(voice.commandsTo(1)).toEqual(['identify']);
  });

  it('a null endpoint → disconnected (EndpointRemoved); the next endpoint reconnects by itself', () => {
    const voice = readyVoice();
    voice.send({ type: 'gateway.voiceServer', endpoint: null });
    expect(voice.context().disconnection?.reason).toBe('EndpointRemoved');
    voice.send({ type: 'gateway.voiceServer', endpoint: 'other.example:443' });
    expect(voice.lifecycle()).toBe('connecting');
    expect(voice.context().disconnection).toBeNull();
  });

  it('the shard re-identified → rejoin (op 4 again)', () => {
    const voice = readyVoice();
    voice.send({ type: 'shard.sessionReplaced' });
    expect(voice.lifecycle()).toBe('signalling');
    expect(voice.joins()).toHaveLength(2);
  });

  it('a 4014 caused by the dropped shard session is rejoined once the shard re-identified', () => {
    const voice = readyVoice();
    voice.close(4014);
    voice.send({ type: 'shard.sessionReplaced' });
    expect(voice.lifecycle()).toBe('signalling');
  });

  it('kicked (VOICE_STATE_UPDATE with a null channel) is not rejoined by a shard re-identify', () => {
    const voice = readyVoice();
    voice.send({ type: 'gateway.voiceState', sessionId: VOICE_SESSION, channelId: null });
    voice.send({ type: 'shard.sessionReplaced' });
    expect(voice.lifecycle()).toBe('disconnected');
  });

  it('after a 4014, a removal from the channel is the reason, and a shard re-identify does not rejoin', () => {
    const voice = readyVoice();
    voice.close(4014);
    voice.send({ type: 'gateway.voiceState', sessionId: VOICE_SESSION, channelId: null });
    expect(voice.context().disconnection?.reason).toBe('RemovedFromChannel');
    voice.send({ type: 'shard.sessionReplaced' });
    expect(voice.lifecycle()).toBe('disconnected');
    expect(voice.joins()).toHaveLength(1);
  });

  it('kicked, then the shard went away and came back: still not rejoined (the reason is kept)', () => {
    const voice = readyVoice();
    voice.send({ type: 'gateway.voiceState', sessionId: VOICE_SESSION, channelId: null });
    voice.send({ type: 'shard.unavailable' });
    expect(voice.context().disconnection?.reason).toBe('RemovedFromChannel');
    voice.send({ type: 'shard.sessionReplaced' });
    expect(voice.lifecycle()).toBe('disconnected');
  });
});

describe('mute and deafen', () => {
  it('while joined: op 4 again with the new flags', () => {
    const voice = readyVoice();
    voice.send({ type: 'voice.setSelf', selfMute: true, selfDeaf: false });
    expect(voice.joins().at(-1)).toMatchObject({ channelId: CHANNEL_ID, selfMute: true });
  });

  it('while disconnected: remembered for the next join, no op 4 (it would rejoin)', () => {
    const voice = readyVoice();
    voice.close(4014);
    const joins = voice.joins().length;
    voice.send({ type: 'voice.setSelf', selfMute: true, selfDeaf: true });
    expect(voice.joins()).toHaveLength(joins);
    voice.send({ type: 'voice.rejoin' });
    expect(voice.joins().at(-1)).toMatchObject({ channelId: CHANNEL_ID, selfMute: true, selfDeaf: true });
  });
});

describe('leaving', () => {
  it('leave → op 4 with a null channel, the socket closed with 1000, destroyed (final)', () => {
    const voice = readyVoice();
    voice.send({ type: 'voice.leave' });
    expect(voice.snapshot().status).toBe('done');
    expect(voice.joins().at(-1)).toMatchObject({ channelId: null });
    expect(voice.commands.at(-1)).toMatchObject({ type: 'close', code: 1000 });
    expect(voice.emitted.at(-1)).toMatchObject({
      type: 'voice.disconnected',
      disconnection: { reason: 'Left' },
    });
  });
});
