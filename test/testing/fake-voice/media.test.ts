import { describe, expect, it } from 'vitest';
import { DEFAULT_PEER_USER_ID } from '../../../src/testing/index.js';
import { sealPacket } from './client-crypto.js';
import { BOT_ID, opusFrames, useFakeVoice } from './voice-harness.js';

const MODES = ['aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize'] as const;

/** UDP media (docs/protocol/voice.md §3.2–§3.5): RTP, the two AEAD modes, Speaking before audio, the peer. */
describe('FakeVoiceServer media', () => {
  const { start, grant, connected } = useFakeVoice();

  it.each(MODES)(
    '%s: decrypts what the client sealed and records each frame with its RTP fields',
    async (mode) => {
      const server = await start();
      const client = await connected(server, mode);
      client.client.speaking(client.ready.ssrc);
      const frames = opusFrames(5);
      const sent = frames.map((frame) => client.sendOpus(frame));
      await server.waitFor('audio', () => server.frames.length === 5);
      const session = server.sessions[0]!;
      expect(session.frames.map((f) => f.opus)).toEqual(frames);
      expect(session.frames.map((f) => [f.seq, f.timestamp, f.nonce])).toEqual(
        sent.map((packet) => [
          packet.readUInt16BE(2),
          packet.readUInt32BE(4),
          packet.readUInt32BE(packet.length - 4),
        ]),
      );
      expect(session.frames[0]).toMatchObject({
        ssrc: client.ready.ssrc,
        userId: BOT_ID,
        sessionId: client.grant.sessionId,
      });
      expect(session.frames.every((f) => f.payload.equals(f.opus) && f.arrivedAt > 0)).toBe(true);
      expect(server.peer.heard.map((f) => f.opus)).toEqual(frames);
      expect(server.stats).toMatchObject({ framesReceived: 5, decryptFailures: 0, nonceViolations: 0 });
    },
  );

  it.each(MODES)(
    '%s: the peer announces its SSRC (op 5), then speaks audio the client decrypts',
    async (mode) => {
      const server = await start();
      const client = await connected(server, mode);
      const frames = opusFrames(4, 9);
      const done = server.peer.speak(frames, { intervalMs: 20 });
      const speaking = await client.client.waitForOp(5);
      expect(speaking.d).toEqual({ user_id: DEFAULT_PEER_USER_ID, ssrc: server.peer.ssrc, speaking: 1 });
      expect(speaking.seq).not.toBeNull();
      await done;
      await client.udp.waitForAudio(4);
      const audio = client.udp.audio(mode, client.key);
      expect(audio.map((a) => a.opus)).toEqual(frames);
      expect(audio.every((a) => a.ssrc === server.peer.ssrc)).toBe(true);
      const seqs = audio.map((a) => a.seq);
      expect(seqs.slice(1).map((s, i) => (s - seqs[i]! + 65_536) % 65_536)).toEqual([1, 1, 1]);
      const stamps = audio.map((a) => a.timestamp);
      expect(stamps.slice(1).map((t, i) => (t - stamps[i]! + 2 ** 32) % 2 ** 32)).toEqual([960, 960, 960]);
      expect(server.peer.sent).toHaveLength(4);
    },
  );

  it('paces the peer at 20 ms by default, and sends at once with intervalMs 0', async () => {
    const server = await start();
    const client = await connected(server);
    server.peer.setSpeaking();
    await client.client.waitForOp(5);
    const started = Date.now();
    await server.peer.speak(opusFrames(6), {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    await server.peer.speak(opusFrames(6), { intervalMs: 0 });
    await client.udp.waitForAudio(12);
  });

  it('sends no audio to a deafened member', async () => {
    const server = await start();
    const deaf = await connected(server, 'aead_aes256_gcm_rtpsize', {
      grant: grant(server, { selfDeaf: true }),
    });
    await server.peer.speak(opusFrames(3), { intervalMs: 0 });
    await deaf.client.waitForOp(5);
    expect(server.peer.sent).toHaveLength(0);
  });

  it('drops RTP that no Speaking preceded (after the grace) and records the violation', async () => {
    const server = await start({ speakingGraceMs: 50 });
    const client = await connected(server);
    const violation = server.waitFor('violation');
    client.sendOpus(opusFrames(1)[0]!);
    expect(await violation).toMatchObject({ kind: 'rtp-before-speaking', ssrc: client.ready.ssrc });
    expect(server.frames).toHaveLength(0);
    expect(server.stats.rtpBeforeSpeaking).toBe(1);
  });

  it('accepts RTP without Speaking with rtpBeforeSpeaking "accept", still recording the violation', async () => {
    const server = await start({ speakingGraceMs: 0, rtpBeforeSpeaking: 'accept' });
    const client = await connected(server);
    const audio = server.waitFor('audio');
    client.sendOpus(opusFrames(1)[0]!);
    await audio;
    expect(server.violations.map((v) => v.kind)).toEqual(['rtp-before-speaking']);
  });

  it('accepts RTP that overtook its Speaking on the other transport within the grace', async () => {
    const server = await start({ speakingGraceMs: 5000 });
    const client = await connected(server);
    const frames = opusFrames(3);
    for (const frame of frames) client.sendOpus(frame);
    // Once the server handled them (it holds them), Speaking arrives: they are released in order.
    await client.udp.flush(client.ready.ssrc, client.ready.port);
    expect(server.frames).toHaveLength(0);
    client.client.speaking(client.ready.ssrc);
    await server.waitFor('audio', () => server.frames.length === 3);
    expect(server.frames.map((f) => f.opus)).toEqual(frames);
    expect(server.violations).toEqual([]);
  });

  it('ignores a Speaking with another SSRC, recording the violation', async () => {
    const server = await start({ speakingGraceMs: 50 });
    const client = await connected(server);
    const mismatch = server.waitFor('violation');
    client.client.speaking(client.ready.ssrc + 1);
    expect(await mismatch).toMatchObject({ kind: 'speaking-ssrc-mismatch' });
    expect(server.sessions[0]!.speaking).toBe(0);
  });

  it('counts packets that do not authenticate (a wrong key) and drops them', async () => {
    const server = await start();
    const client = await connected(server);
    client.client.speaking(client.ready.ssrc);
    const failure = server.waitFor('violation');
    const header = Buffer.from(client.sendOpus(opusFrames(1)[0]!).subarray(0, 12));
    header.writeUInt16BE(header.readUInt16BE(2) + 1, 2);
    client.udp.send(
      sealPacket(client.mode, Buffer.alloc(32, 1), header, 99, Buffer.from([1, 2, 3])),
      client.ready.port,
    );
    await server.waitFor('audio');
    expect(await failure).toMatchObject({ kind: 'decrypt-failure' });
    expect(server.stats.decryptFailures).toBe(1);
    expect(server.sessions[0]!.decryptFailures).toBe(1);
  });

  it('authenticates CSRCs and the extension preamble as AAD and strips the encrypted extension body', async () => {
    const server = await start();
    const client = await connected(server);
    client.client.speaking(client.ready.ssrc);
    // CC=1, X=1: 12 + 4 (CSRC) + 4 (preamble 0xBEDE, 1 word) unencrypted; the 4-byte body is encrypted.
    const header = Buffer.alloc(20);
    header[0] = 0x80 | 0x10 | 0x01;
    header[1] = 0x78;
    header.writeUInt16BE(7, 2);
    header.writeUInt32BE(960, 4);
    header.writeUInt32BE(client.ready.ssrc, 8);
    header.writeUInt32BE(42, 12);
    header.writeUInt16BE(0xbede, 16);
    header.writeUInt16BE(1, 18);
    const opus = Buffer.from([0xfc, 0xff, 0xfe]);
    const body = Buffer.concat([Buffer.from([0x10, 0xaa, 0, 0]), opus]);
    client.udp.send(sealPacket(client.mode, client.key, header, 1, body), client.ready.port);
    expect((await server.waitFor('audio')).opus).toEqual(opus);
  });

  it('counts RTP of an unknown SSRC and keep-alives, and drops both', async () => {
    const server = await start();
    const client = await connected(server);
    const unknown = server.waitFor('violation');
    client.udp.send(
      sealPacket(
        client.mode,
        client.key,
        Buffer.from('80780001000003c000000001', 'hex'),
        1,
        Buffer.from([1]),
      ),
      client.ready.port,
    );
    expect(await unknown).toMatchObject({ kind: 'unknown-ssrc', ssrc: 1 });
    const keepalive = Buffer.alloc(8);
    client.udp.send(keepalive, client.ready.port);
    await client.udp.flush(client.ready.ssrc, client.ready.port);
    expect(server.stats).toMatchObject({ unknownSsrcPackets: 1, keepalives: 1 });
  });
});
