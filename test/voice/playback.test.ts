import { describe, expect, it } from 'vitest';
import { VoiceOpcodes } from 'discord-api-types/voice/v8';
import { oggOpusFile } from '../../src/voice/media/index.js';
import type { FakeVoiceFrame, FakeVoiceServer } from '../../src/testing/index.js';
import {
  GUILD_ID,
  STAGE_ID,
  VOICE_TEST_TIMING,
  encodeTone,
  framesOf,
  gapDeviation,
  heldSource,
  markedFrames,
  sameEpoch,
  useVoiceRigs,
  writeOggOpus,
} from './voice-rig.js';

const { rig, startVoiceServer, onCleanup } = useVoiceRigs();

const SILENCE = [0xf8, 0xff, 0xfe];

/** The audio frames (not silence) the voice server decrypted, in arrival order. */
function audio(server: FakeVoiceServer): FakeVoiceFrame[] {
  return server.frames.filter((frame) => !SILENCE.every((byte, index) => frame.opus[index] === byte));
}

/** Resolves once the server decrypted `count` audio frames. */
async function receivedAudio(server: FakeVoiceServer, count: number, timeoutMs = 15_000): Promise<void> {
  if (audio(server).length >= count) return;
  await server.waitFor('audio', () => audio(server).length >= count, { timeoutMs });
}

function markOf(frame: FakeVoiceFrame): number {
  return (frame.opus[1] ?? 0) | ((frame.opus[2] ?? 0) << 8);
}

describe('playing audio (docs/protocol/voice.md §3.2–§3.5)', () => {
  it('an Ogg/Opus file: the voice server gets exactly its packets, once, in order, 20 ms apart in RTP time', async () => {
    const packets = encodeTone(100); // 2 s
    const file = await writeOggOpus(packets);
    onCleanup(file.remove);
    const { shard, voice } = await rig();
    const connection = await shard.voice.join(GUILD_ID, STAGE_ID, { timing: VOICE_TEST_TIMING });

    const playback = connection.play(oggOpusFile(file.path));
    await playback.finished;
    await receivedAudio(voice, packets.length);

    const frames = audio(voice);
    expect(frames.map((frame) => frame.opus.toString('hex'))).toEqual(
      packets.map((packet) => packet.toString('hex')),
    );
    const seqs = frames.map((frame) => frame.seq);
    const stamps = frames.map((frame) => frame.timestamp);
    expect(seqs.slice(1).map((seq, i) => (seq - seqs[i]! + 65_536) % 65_536)).toEqual(
      Array(frames.length - 1).fill(1),
    );
    expect(stamps.slice(1).map((stamp, i) => (stamp - stamps[i]! + 2 ** 32) % 2 ** 32)).toEqual(
      Array(frames.length - 1).fill(960),
    );
    // Five silence frames after the end (§3.5), then speaking off.
    const silences = () => voice.frames.length - audio(voice).length;
    if (silences() < 5) await voice.waitFor('audio', () => silences() >= 5, { timeoutMs: 5_000 });
    expect(silences()).toBe(5);
    expect(voice.violations).toEqual([]);
    const deviation = gapDeviation(frames.map((frame) => frame.arrivedAt));
    console.log(
      `voice pacing, ${frames.length} frames on loopback: |gap − 20 ms| p50 ${deviation.p50} ms, p99 ${deviation.p99} ms, max ${deviation.max} ms`,
    );
  });

  it('Speaking (op 5) goes out before the first packet', async () => {
    const { shard, voice } = await rig();
    const connection = await shard.voice.join(GUILD_ID, STAGE_ID, { timing: VOICE_TEST_TIMING });
    await connection.play(framesOf(markedFrames(3))).finished;
    await receivedAudio(voice, 3);
    const speaking = voice.received.find((frame) => Number(frame.op) === Number(VoiceOpcodes.Speaking));
    expect(speaking?.d).toMatchObject({ speaking: 1, delay: 0 });
    expect(speaking!.at).toBeLessThanOrEqual(audio(voice)[0]!.arrivedAt);
    expect(voice.violations).toEqual([]);
  });

  it('across a voice WebSocket drop the session resumes (op 7), and every frame arrives exactly once', async () => {
    const { shard, voice } = await rig();
    const connection = await shard.voice.join(GUILD_ID, STAGE_ID, { timing: VOICE_TEST_TIMING });
    const frames = markedFrames(60);
    const held = heldSource(frames);
    const playback = connection.play(held.source);
    await receivedAudio(voice, 10);

    const resumed = new Promise((resolve) => connection.once('reconnected', resolve));
    voice.connections.find((candidate) => candidate.open)?.terminate();
    expect(await resumed).toEqual({ resumed: true });
    await receivedAudio(voice, frames.length);
    held.release();
    await playback.finished;

    expect(voice.received.filter((frame) => Number(frame.op) === Number(VoiceOpcodes.Resume))).toHaveLength(
      1,
    );
    expect(voice.received.filter((frame) => Number(frame.op) === Number(VoiceOpcodes.Identify))).toHaveLength(
      1,
    );
    expect(audio(voice).map(markOf)).toEqual(frames.map((_, index) => index));
  });

  it('a new endpoint (VOICE_SERVER_UPDATE) mid-play identifies afresh on the new server, and the rest arrives there', async () => {
    const { shard, voice } = await rig();
    const second = await startVoiceServer();
    const connection = await shard.voice.join(GUILD_ID, STAGE_ID, { timing: VOICE_TEST_TIMING });
    const frames = markedFrames(60);
    const held = heldSource(frames);
    const playback = connection.play(held.source);
    await receivedAudio(voice, 10);

    const reconnected = new Promise((resolve) => connection.once('reconnected', resolve));
    voice.moveEndpoint({ to: second });
    expect(await reconnected).toEqual({ resumed: false });
    await receivedAudio(second, 1);
    held.release();
    await playback.finished;

    expect(
      second.received.filter((frame) => Number(frame.op) === Number(VoiceOpcodes.Identify)),
    ).toHaveLength(1);
    expect(second.received.filter((frame) => Number(frame.op) === Number(VoiceOpcodes.Resume))).toHaveLength(
      0,
    );
    const marks = [...audio(voice), ...audio(second)].map(markOf);
    // Once each, in order; frames in flight while the endpoint moved may be lost with the old server.
    expect(marks).toEqual([...marks].sort((a, b) => a - b));
    expect(new Set(marks).size).toBe(marks.length);
    expect(marks.at(-1)).toBe(frames.length - 1);
  });

  it('the shard resuming its own gateway connection does not disturb voice', async () => {
    const { shard, voice, gateway } = await rig();
    const connection = await shard.voice.join(GUILD_ID, STAGE_ID, { timing: VOICE_TEST_TIMING });
    const frames = markedFrames(40);
    const held = heldSource(frames);
    const playback = connection.play(held.source);
    await receivedAudio(voice, 5);

    const resumed = new Promise((resolve) => shard.once('reconnected', resolve));
    gateway.connections.find((candidate) => candidate.open)?.terminate();
    expect(await resumed).toMatchObject({ isNewSession: false });
    await receivedAudio(voice, frames.length);
    held.release();
    await playback.finished;

    expect(connection.state).toBe('ready');
    expect(audio(voice).map(markOf)).toEqual(frames.map((_, index) => index));
    expect(voice.received.filter((frame) => Number(frame.op) === Number(VoiceOpcodes.Identify))).toHaveLength(
      1,
    );
  });
});

describe('receiving audio', () => {
  it('a subscription to a speaking user yields exactly the frames it sent', async () => {
    const { shard, voice } = await rig();
    const connection = await shard.voice.join(GUILD_ID, STAGE_ID, { timing: VOICE_TEST_TIMING });
    const peer = voice.peer;
    // The stream ends after this much silence: long enough that a stalled event loop is not silence.
    const stream = connection.receiver.subscribe(peer.userId, { endAfterSilenceMs: 2000 });
    const speaking = new Promise((resolve) => connection.once('speaking', resolve));
    const sent = markedFrames(25, 1000);
    // The call uses DAVE: a frame sent with a new epoch's key before this client applied the commit
    // cannot be decrypted (docs/protocol/voice.md §4.5, "others may drop a few frames"). This test is
    // about the receiver, so the peer speaks once both sides share the epoch.
    await sameEpoch(connection, () => peer.daveEpoch(STAGE_ID));

    await peer.speak(sent);
    const got: Buffer[] = [];
    for await (const packet of stream) got.push(Buffer.from(packet as Uint8Array));

    expect(await speaking).toEqual({ userId: peer.userId, speaking: true });
    expect(got.map((packet) => packet.toString('hex'))).toEqual(
      sent.map((frame) => Buffer.from(frame).toString('hex')),
    );
  });
});
