import { createSocket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { countProcessErrors } from '../reliability/helpers.js';
import {
  GUILD_ID,
  STAGE_ID,
  VOICE_TEST_TIMING,
  framesOf,
  markedFrames,
  sameEpoch,
  useVoiceRigs,
} from './voice-rig.js';
import type { VoiceConnection } from '../../src/voice/voice-connection.js';

const { rig } = useVoiceRigs();
const processErrors = countProcessErrors();
afterAll(() => processErrors.dispose());

function nextWarning(connection: VoiceConnection) {
  return new Promise<{ error: Error; context: string }>((resolve) => connection.once('warning', resolve));
}

// Bad input from the network: ignored with a typed warning, never a crash, never a lost connection.
describe('what the voice server sends that cannot be read', () => {
  it.for([
    ['a frame that is not JSON', '{"op": 2, "d": {'],
    ['JSON without an op', '{"d": {}}'],
    ['READY without ssrc, ip and port', JSON.stringify({ op: 2, d: { modes: [] } })],
    [
      'HELLO with an interval no timer can wait',
      JSON.stringify({ op: 8, d: { heartbeat_interval: 2 ** 31 } }),
    ],
    ['SPEAKING without a user', JSON.stringify({ op: 5, d: { ssrc: 5 } })],
    ['a binary frame too short for its header', Buffer.from([1])],
  ] as const)('%s: a VoiceFrameError warning; the connection stays ready', async ([, frame]) => {
    const { shard, voice } = await rig();
    const connection = await shard.voice.join(GUILD_ID, STAGE_ID, { timing: VOICE_TEST_TIMING });
    const warning = nextWarning(connection);
    voice.connections.find((candidate) => candidate.open)!.sendRaw(frame);
    expect((await warning).error).toMatchObject({ code: 'STATECORD_ERR_VOICE_FRAME' });
    await connection.play(framesOf(markedFrames(3))).finished;
    expect(connection.state).toBe('ready');
    expect(processErrors.exceptions).toEqual([]);
  });

  it('an unknown opcode is ignored without a warning (Discord sends undocumented ones)', async () => {
    const { shard, voice } = await rig({ voice: { heartbeatIntervalMs: 300 } });
    const connection = await shard.voice.join(GUILD_ID, STAGE_ID, { timing: VOICE_TEST_TIMING });
    let warnings = 0;
    connection.on('warning', () => (warnings += 1));
    const open = voice.connections.find((candidate) => candidate.open)!;
    open.sendRaw(JSON.stringify({ op: 18, d: { flags: 2 } }));
    open.sendRaw(JSON.stringify({ op: 99, d: null }));
    // A heartbeat round trip later, both frames were handled.
    await voice.waitFor('heartbeat', () => true, { timeoutMs: 5_000 });
    expect(warnings).toBe(0);
    expect(connection.state).toBe('ready');
  });

  it('garbage UDP datagrams: one warning, a counter, and audio still flows', async () => {
    const { shard, voice } = await rig();
    const connection = await shard.voice.join(GUILD_ID, STAGE_ID, { timing: VOICE_TEST_TIMING });
    const session = voice.sessions[0]!;
    const target = session.clientAddress!;
    const warning = nextWarning(connection);
    const socket = createSocket('udp4');
    try {
      for (let i = 0; i < 20; i++) {
        socket.send(
          Buffer.from([0x80, 0x78, i, 0, 1, 2, 3, 4, 0, 0, 0, 9, 0xde, 0xad]),
          target.port,
          target.address,
        );
      }
      expect((await warning).error).toMatchObject({ code: 'STATECORD_ERR_VOICE_FRAME' });
    } finally {
      socket.close();
    }
    // Long enough that a stalled event loop is not silence; the peer speaks once the epochs match.
    const stream = connection.receiver.subscribe(voice.peer.userId, { endAfterSilenceMs: 2000 });
    const sent = markedFrames(5, 500);
    await sameEpoch(connection, () => voice.peer.daveEpoch(STAGE_ID));
    await voice.peer.speak(sent);
    const got: string[] = [];
    for await (const packet of stream) got.push(Buffer.from(packet as Uint8Array).toString('hex'));
    expect(got).toEqual(sent.map((frame) => Buffer.from(frame).toString('hex')));
    expect(processErrors.exceptions).toEqual([]);
  });
});
