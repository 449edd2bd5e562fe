import { describe, expect, it } from 'vitest';
import { VoiceOpcodes } from 'discord-api-types/voice/v8';
import { oggOpusFile, type VoiceConnection } from '../../src/index.js';
import type { FakeVoicePeer, FakeVoiceServer } from '../../src/testing/index.js';
import {
  GUILD_ID,
  VOICE_CHANNEL_ID,
  VOICE_TEST_TIMING,
  encodeTone,
  framesOf,
  markedFrames,
  useVoiceRigs,
  writeOggOpus,
} from './voice-rig.js';

/**
 * End to end with DAVE (docs/protocol/voice.md §4): a Shard joins a normal channel of the fakes whose call
 * members are real davey sessions; every frame is checked at both layers (the fake removes the transport
 * encryption, each member its own DAVE layer).
 */

const { rig, onCleanup } = useVoiceRigs();
const ALICE = '700000000000000001';
const BOB = '700000000000000002';
const CAROL = '700000000000000003';
const SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);

async function joinCall(): Promise<{ voice: FakeVoiceServer; connection: VoiceConnection }> {
  const { shard, voice } = await rig({
    voice: {
      defaultChannelKind: 'voice',
      peers: [
        { userId: ALICE, channelId: VOICE_CHANNEL_ID },
        { userId: BOB, channelId: VOICE_CHANNEL_ID },
      ],
    },
  });
  const connection = await shard.voice.join(GUILD_ID, VOICE_CHANNEL_ID, { timing: VOICE_TEST_TIMING });
  return { voice, connection };
}

/** Resolves at the first `e2eeChange` (or current state) satisfying `predicate`. */
function e2ee(connection: VoiceConnection, predicate: (epoch: number | null) => boolean): Promise<void> {
  if (predicate(connection.e2ee.epoch)) return Promise.resolve();
  return new Promise((resolve) => {
    const listener = ({ epoch }: { epoch: number | null }): void => {
      if (!predicate(epoch)) return;
      connection.off('e2eeChange', listener);
      resolve();
    };
    connection.on('e2eeChange', listener);
  });
}

type E2EEState = VoiceConnection['e2ee'];

/** Resolves at the first `e2eeChange` (or current state) satisfying `predicate`. */
function e2eeState(connection: VoiceConnection, predicate: (state: E2EEState) => boolean): Promise<void> {
  if (predicate(connection.e2ee)) return Promise.resolve();
  return new Promise((resolve) => {
    const listener = (state: E2EEState): void => {
      if (!predicate(state)) return;
      connection.off('e2eeChange', listener);
      resolve();
    };
    connection.on('e2eeChange', listener);
  });
}

/** The bot's frames a member decrypted (DAVE frames only; silence is never encrypted). */
function decryptedBy(peer: FakeVoicePeer): (Buffer | null)[] {
  return peer.decrypted.filter((frame) => frame.e2ee).map((frame) => frame.opus);
}

function markOf(frame: Buffer | null): number {
  return frame === null ? -1 : frame[1]! | (frame[2]! << 8);
}

describe('DAVE end to end: a Shard in a normal channel with two members', () => {
  it('plays an Ogg/Opus file that each member decrypts exactly, in order; privacy codes are equal', async () => {
    const song = await writeOggOpus(encodeTone(30));
    onCleanup(song.remove);
    const { voice, connection } = await joinCall();
    const playback = connection.play(oggOpusFile(song.path));
    await playback.finished;

    const sent = encodeTone(30);
    const [alice, bob] = [voice.peers[0]!, voice.peers[1]!];
    expect(decryptedBy(alice)).toEqual(sent);
    expect(decryptedBy(bob)).toEqual(sent);
    // The two members formed the group before the bot arrived; the bot's Add made the next epoch.
    expect(connection.e2ee).toMatchObject({ protocolVersion: 1, epoch: 2 });
    expect(connection.e2ee.members).toEqual(expect.arrayContaining([ALICE, BOB]));
    expect(connection.privacyCode).not.toBeNull();
    expect(connection.privacyCode).toBe(alice.privacyCode(VOICE_CHANNEL_ID));
    expect(connection.privacyCode).toBe(bob.privacyCode(VOICE_CHANNEL_ID));
    expect(await connection.verificationCode(ALICE)).toMatch(/^[\d ]{45,}$/);
    expect(connection.e2eeStats).toEqual({ unencryptedDropped: 0, encryptFailures: 0, decryptFailures: 0 });
  });

  it('never sends a non-silence frame without the DAVE marker once the protocol version is 1 (UDP sniffed)', async () => {
    const { voice, connection } = await joinCall();
    await connection.play(framesOf(markedFrames(20))).finished;
    const fromBot = voice.frames.filter((frame) => frame.sessionId === voice.sessions[0]!.id);
    expect(fromBot.length).toBeGreaterThanOrEqual(20);
    for (const frame of fromBot) {
      if (frame.payload.equals(SILENCE)) continue;
      expect(frame.payload.subarray(-2)).toEqual(Buffer.from([0xfa, 0xfa]));
    }
  });

  it('a third member joins and leaves mid-stream: two epoch changes, no frame lost by the members who stay', async () => {
    const { voice, connection } = await joinCall();
    const frames = markedFrames(120);
    const playback = connection.play(framesOf(frames));
    const alice = voice.peers[0]!;
    await voice.waitFor('audio', () => decryptedBy(alice).length >= 15, { timeoutMs: 15_000 });
    const carol = voice.addPeer({ userId: CAROL, channelId: VOICE_CHANNEL_ID });
    await e2ee(connection, (epoch) => epoch === 3);
    await voice.waitFor('audio', () => decryptedBy(carol).filter((f) => f !== null).length >= 10, {
      timeoutMs: 15_000,
    });
    carol.leave();
    await e2ee(connection, (epoch) => epoch === 4);
    await playback.finished;

    const aliceMarks = decryptedBy(alice).map(markOf);
    const carolMarks = decryptedBy(carol).map(markOf);
    const lost = {
      alice: frames.length - aliceMarks.length,
      carol: carolMarks.filter((m) => m === -1).length,
    };
    console.log(
      `DAVE member join/leave mid-stream: frames dropped ${JSON.stringify(lost)}, client ${JSON.stringify(connection.e2eeStats)}`,
    );
    expect(aliceMarks).toEqual(frames.map((_, i) => i));
    // Carol hears from her welcome on: frames the bot sent before it applied the commit are the window.
    const heard = carolMarks.filter((m) => m !== -1);
    expect(heard).toEqual([...heard].sort((a, b) => a - b));
    expect(heard.length).toBeGreaterThanOrEqual(10);
    expect(connection.e2ee.members).not.toContain(CAROL);
  });

  it('a voice WebSocket drop and resume keeps the group: same epoch and code, no new key package', async () => {
    const { voice, connection } = await joinCall();
    await connection.play(framesOf(markedFrames(5))).finished;
    const code = connection.privacyCode;
    const keyPackages = () =>
      voice.received.filter((f) => f.op === Number(VoiceOpcodes.DaveMlsKeyPackage)).length;
    const before = keyPackages();
    const resumed = new Promise((resolve) => connection.once('reconnected', resolve));
    voice.connections[0]!.close(4015);
    expect(await resumed).toEqual({ resumed: true });
    expect(connection.e2ee.epoch).toBe(2);
    expect(connection.privacyCode).toBe(code);
    await connection.play(framesOf(markedFrames(5, 50))).finished;
    expect(decryptedBy(voice.peers[0]!).slice(-5).map(markOf)).toEqual([50, 51, 52, 53, 54]);
    expect(keyPackages()).toBe(before);
  });
});

describe('DAVE faults end in recovery or a typed warning, never a crash or plaintext', () => {
  it.each(['forged-proposal', 'unknown-user-add'] as const)(
    'a %s is refused: a VoiceE2EEError warning, no commit, audio goes on',
    async (fault) => {
      const { voice, connection } = await joinCall();
      await connection.play(framesOf(markedFrames(3))).finished;
      const warned = new Promise<Error>((resolve) =>
        connection.once('warning', ({ error }) => resolve(error)),
      );
      const commitsBefore = voice.received.filter(
        (f) => f.op === Number(VoiceOpcodes.DaveMlsCommitWelcome),
      ).length;
      await voice.dave.inject(VOICE_CHANNEL_ID, fault);
      expect(await warned).toMatchObject({ code: 'STATECORD_ERR_VOICE_E2EE' });
      await connection.play(framesOf(markedFrames(3, 10))).finished;
      expect(voice.received.filter((f) => f.op === Number(VoiceOpcodes.DaveMlsCommitWelcome)).length).toBe(
        commitsBefore,
      );
      expect(decryptedBy(voice.peers[0]!).slice(-3).map(markOf)).toEqual([10, 11, 12]);
    },
  );

  it('a stale-epoch commit, then a corrupted welcome: op 31 each time, re-added, and the codes agree again', async () => {
    const { voice, connection } = await joinCall();
    await connection.play(framesOf(markedFrames(3))).finished;
    connection.on('warning', () => undefined);
    await voice.dave.inject(VOICE_CHANNEL_ID, 'corrupt-welcome');
    await voice.dave.inject(VOICE_CHANNEL_ID, 'stale-commit');
    const invalid = () =>
      voice.received.filter((f) => f.op === Number(VoiceOpcodes.DaveMlsInvalidCommitWelcome)).length;
    await voice.waitFor('frame', () => invalid() >= 2, { timeoutMs: 15_000 });
    await e2ee(connection, (epoch) => epoch !== null && epoch >= 4);
    expect(connection.privacyCode).toBe(voice.peers[0]!.privacyCode(VOICE_CHANNEL_ID));
    await connection.play(framesOf(markedFrames(3, 20))).finished;
    expect(decryptedBy(voice.peers[0]!).slice(-3).map(markOf)).toEqual([20, 21, 22]);
    expect(connection.snapshot.status).toBe('active');
  });
});

describe('DAVE group changes the server drives', () => {
  it('sole-member reset: the last member leaving leaves the bot pending (op 24 + op 21), a newcomer re-forms the group', async () => {
    const { voice, connection } = await joinCall();
    await connection.play(framesOf(markedFrames(3))).finished;
    const reset = voice.waitFor('daveTransition', (t) => t.kind === 'sole-member-reset', {
      timeoutMs: 15_000,
    });
    voice.peers[0]!.leave();
    await e2ee(connection, (epoch) => epoch === 3);
    voice.peers[1]!.leave();
    await reset;
    await e2ee(connection, (epoch) => epoch === null);
    expect(connection.e2ee).toMatchObject({ protocolVersion: 1, epoch: null });
    expect(connection.privacyCode).toBeNull();

    const newcomer = voice.addPeer({ userId: CAROL, channelId: VOICE_CHANNEL_ID });
    await e2ee(connection, (epoch) => epoch === 1);
    await connection.play(framesOf(markedFrames(3, 30))).finished;
    expect(decryptedBy(newcomer).map(markOf)).toEqual([30, 31, 32]);
    expect(connection.privacyCode).toBe(newcomer.privacyCode(VOICE_CHANNEL_ID));
  });

  it('a dropped op 22 does not stall the bot: audio stays encrypted and the next transition executes', async () => {
    const { voice, connection } = await joinCall();
    await connection.play(framesOf(markedFrames(3))).finished;
    await voice.dave.inject(VOICE_CHANNEL_ID, 'drop-execute');
    const carol = voice.addPeer({ userId: CAROL, channelId: VOICE_CHANNEL_ID });
    await voice.waitFor('daveTransition', (t) => t.added.includes(CAROL), { timeoutMs: 15_000 });
    await connection.play(framesOf(markedFrames(3, 40))).finished;
    expect(decryptedBy(voice.peers[0]!).slice(-3).map(markOf)).toEqual([40, 41, 42]);
    carol.leave();
    await e2ee(connection, (epoch) => epoch === 4);
    expect(connection.privacyCode).toBe(voice.peers[0]!.privacyCode(VOICE_CHANNEL_ID));
  });

  it('a downgrade to version 0 (op 21 + op 22) sends frames with transport encryption only', async () => {
    const { voice, connection } = await joinCall();
    await connection.play(framesOf(markedFrames(3))).finished;
    const downgraded = e2eeState(connection, (state) => state.protocolVersion === 0);
    voice.dave.downgrade(VOICE_CHANNEL_ID);
    await downgraded;
    expect(connection.privacyCode).toBeNull();
    const alice = voice.peers[0]!;
    const before = alice.decrypted.length;
    await connection.play(framesOf(markedFrames(3, 10))).finished;
    const plain = alice.decrypted.slice(before).filter((frame) => !frame.opus?.equals(SILENCE));
    expect(plain.map((frame) => frame.e2ee)).toEqual([false, false, false]);
    expect(plain.map((frame) => markOf(frame.opus))).toEqual([10, 11, 12]);
  });

  it('an upgrade back to version 1 (op 24 epoch 1) forms a new group; no plaintext frame while the version is 1', async () => {
    const { voice, connection } = await joinCall();
    await e2ee(connection, (epoch) => epoch === 2);
    const downgraded = e2eeState(connection, (state) => state.protocolVersion === 0);
    voice.dave.downgrade(VOICE_CHANNEL_ID);
    await downgraded;
    await connection.play(framesOf(markedFrames(3, 10))).finished;
    const upgraded = e2eeState(connection, (state) => state.protocolVersion === 1 && state.epoch !== null);
    voice.dave.upgrade(VOICE_CHANNEL_ID);
    await upgraded;
    await connection.play(framesOf(markedFrames(3, 20))).finished;

    const alice = voice.peers[0]!;
    expect(decryptedBy(alice).slice(-3).map(markOf)).toEqual([20, 21, 22]);
    expect(connection.privacyCode).toBe(alice.privacyCode(VOICE_CHANNEL_ID));
    // UDP sniffed: the only non-silence frames without the DAVE marker are the ones played at version 0.
    const fromBot = voice.frames.filter((frame) => frame.sessionId === voice.sessions[0]!.id);
    const plain = fromBot.filter(
      (frame) =>
        !frame.payload.equals(SILENCE) && !frame.payload.subarray(-2).equals(Buffer.from([0xfa, 0xfa])),
    );
    expect(plain.map((frame) => markOf(frame.payload))).toEqual([10, 11, 12]);
  });

  it('op 25 arriving before op 4 is kept until the group state exists: the group still forms', async () => {
    const { shard, voice } = await rig({
      voice: { defaultChannelKind: 'voice', peers: [{ userId: ALICE, channelId: VOICE_CHANNEL_ID }] },
    });
    voice.dave.sendExternalSenderBeforeSessionDescription();
    const connection = await shard.voice.join(GUILD_ID, VOICE_CHANNEL_ID, { timing: VOICE_TEST_TIMING });
    await e2ee(connection, (epoch) => epoch !== null);
    await connection.play(framesOf(markedFrames(3))).finished;
    const alice = voice.peers[0]!;
    expect(decryptedBy(alice).map(markOf)).toEqual([0, 1, 2]);
    expect(connection.privacyCode).toBe(alice.privacyCode(VOICE_CHANNEL_ID));
  });
});
