import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AudioPlayerStatus,
  EndBehaviorType,
  Networking,
  NetworkingStatusCode,
  StreamType,
  VoiceConnectionStatus,
  createAudioPlayer,
  createAudioResource,
  entersState,
  joinVoiceChannel,
  type DiscordGatewayAdapterLibraryMethods,
  type VoiceConnection,
} from '@discordjs/voice';
import { GatewayDispatchEvents, GatewayIntentBits, GatewayOpcodes } from 'discord-api-types/v10';
import { FakeGateway, FakeVoiceServer, type FakeVoiceServerOptions } from '../../../src/testing/index.js';
import { RawClient } from '../raw-client.js';
import { selfSignedCertificate } from './tls-cert.js';
import { BOT_ID, GUILD_ID, opusFrames } from './voice-harness.js';

/**
 * A client we did not write, @discordjs/voice 0.19.2 (daveEncryption off, stage channel), against the
 * fake voice server: it connects, negotiates each AEAD mode, sends Opus the fake decrypts frame for frame,
 * receives the fake peer's audio, heartbeats with the right `seq_ack` and resumes after a 4015 — the fake
 * behaves like Discord to it (DESIGN.md "The fake servers are a product"; docs/protocol/voice.md §4.8, §5.1).
 *
 * @discordjs/voice always connects to `wss://${endpoint}?v=8`, so the fake serves TLS here with a throwaway
 * self-signed certificate from the `openssl` CLI, and certificate checks are off in this file only
 * (NODE_TLS_REJECT_UNAUTHORIZED=0, restored afterwards; vitest runs each file in its own worker).
 */

const STAGE = '81384788765712390';
const SESSION_ID = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const certificate = selfSignedCertificate();
if (certificate === null) {
  if (process.env['CI'] === 'true')
    throw new Error('openssl is required for the @discordjs/voice conformance test');
  console.warn(
    'skipping the @discordjs/voice conformance test: install openssl (e.g. apt-get install openssl)',
  );
}

const cleanups: (() => Promise<void> | void)[] = [];
let previousTlsSetting: string | undefined;

beforeAll(() => {
  previousTlsSetting = process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
  process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';
});

afterAll(() => {
  if (previousTlsSetting === undefined) delete process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
  else process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = previousTlsSetting;
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startTlsServer(options: FakeVoiceServerOptions = {}): Promise<FakeVoiceServer> {
  const server = await FakeVoiceServer.start({ ...options, tls: certificate! });
  cleanups.push(() => server.close());
  return server;
}

/** Resolves when `networking` reaches `code`; rejects if it closes first. */
function reach(networking: Networking, code: NetworkingStatusCode, timeoutMs = 10_000): Promise<void> {
  if (networking.state.code === code) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`Networking did not reach ${code}`)), timeoutMs);
    const onChange = (_old: unknown, next: { code: NetworkingStatusCode }): void => {
      if (next.code === code) done(resolve);
    };
    const onClose = (closeCode: number): void => fail(new Error(`Networking closed with ${closeCode}`));
    const done = (then: () => void): void => {
      clearTimeout(timer);
      networking.off('stateChange', onChange);
      networking.off('close', onClose);
      then();
    };
    const fail = (error: Error): void => done(() => reject(error));
    networking.on('stateChange', onChange);
    networking.on('close', onClose);
  });
}

/** Prepares and dispatches each frame through @discordjs/voice's own packet path. */
function play(networking: Networking, frames: readonly Buffer[]): void {
  for (const frame of frames) {
    networking.prepareAudioPacket(frame);
    networking.dispatchAudio();
  }
}

describe.skipIf(certificate === null)('@discordjs/voice against FakeVoiceServer', () => {
  it.each([
    ['aead_aes256_gcm_rtpsize', undefined],
    ['aead_xchacha20_poly1305_rtpsize', ['aead_xchacha20_poly1305_rtpsize', 'aead_aes256_gcm_rtpsize']],
    ['aead_xchacha20_poly1305_rtpsize', ['aead_xchacha20_poly1305_rtpsize']],
  ] as const)(
    'Networking selects %s from %j, sends frames the fake decrypts, and resumes after 4015',
    async (mode, modes) => {
      const server = await startTlsServer({ heartbeatIntervalMs: 250, ...(modes ? { modes } : {}) });
      expect(server.url).toBe(`wss://${server.endpoint}`);
      const grant = server.authorize({
        guildId: GUILD_ID,
        channelId: STAGE,
        userId: BOT_ID,
        sessionId: SESSION_ID,
      });
      const networking = new Networking(
        {
          channelId: STAGE,
          endpoint: server.endpoint,
          serverId: GUILD_ID,
          sessionId: SESSION_ID,
          token: grant.token,
          userId: BOT_ID,
        },
        { daveEncryption: false },
      );
      const errors: Error[] = [];
      networking.on('error', (error) => errors.push(error));
      cleanups.push(() => networking.destroy());
      await reach(networking, NetworkingStatusCode.Ready);
      const session = server.sessions[0]!;
      expect(session.mode).toBe(mode);
      expect(server.received[0]).toMatchObject({ op: 0, d: { max_dave_protocol_version: 0 } });

      const frames = opusFrames(5);
      play(networking, frames);
      await server.waitFor('audio', () => session.frames.length === 5, { timeoutMs: 10_000 });
      expect(session.frames.map((f) => f.opus)).toEqual(frames);
      expect(server.peer.heard.map((f) => f.opus)).toEqual(frames);
      const seqs = session.frames.map((f) => f.seq);
      expect(seqs.slice(1).map((s, i) => (s - seqs[i]! + 65_536) % 65_536)).toEqual([1, 1, 1, 1]);
      expect(session.frames.map((f) => f.nonce)).toEqual([1, 2, 3, 4, 5]);
      expect(server.violations).toEqual([]);

      // Its heartbeats acknowledge the last seq the fake sent.
      await server.waitFor('heartbeat', (h) => h.sessionId === session.id && h.seqAck === h.lastSeqSent, {
        timeoutMs: 15_000,
      });

      // A 4015 is resumable: Resume with seq_ack, then audio continues on the same UDP association and key.
      const resumed = server.waitFor('resume', undefined, { timeoutMs: 10_000 });
      server.connections[0]!.close(4015);
      expect(await resumed).toMatchObject({ outcome: 'resumed', seqAck: session.lastSeq, replayed: 0 });
      await reach(networking, NetworkingStatusCode.Ready);
      const more = opusFrames(3, 1);
      play(networking, more);
      await server.waitFor('audio', () => session.frames.length === 8, { timeoutMs: 10_000 });
      expect(session.frames.slice(5).map((f) => [f.opus, f.nonce])).toEqual(more.map((f, i) => [f, 6 + i]));
      expect(server.stats).toMatchObject({ identifies: 1, resumes: 1, decryptFailures: 0 });
      expect(errors).toEqual([]);
    },
  );

  it('joins through FakeGateway (op 4), plays an Opus stream the peer hears frame for frame, and hears the peer', async () => {
    const server = await startTlsServer();
    const gateway = await FakeGateway.start({
      guilds: [{ id: GUILD_ID, channels: [{ id: STAGE, type: 13 }] }],
      voice: { servers: server },
      heartbeatIntervalMs: 10_000,
    });
    cleanups.push(() => gateway.close());
    const shard = await RawClient.connect(gateway.url);
    cleanups.push(() => shard.socket.terminate());
    await shard.waitForOp(GatewayOpcodes.Hello);
    shard.identify(gateway.options.token, {
      intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildVoiceStates,
    });
    await shard.waitForDispatch(GatewayDispatchEvents.Ready);

    // The adapter: op 4 goes out on the shard, the two voice dispatches come back to @discordjs/voice.
    let library: DiscordGatewayAdapterLibraryMethods | null = null;
    shard.socket.on('message', (data: Buffer) => {
      const payload = JSON.parse(data.toString('utf8')) as { t: string | null; d: never };
      if (payload.t === GatewayDispatchEvents.VoiceStateUpdate) library?.onVoiceStateUpdate(payload.d);
      if (payload.t === GatewayDispatchEvents.VoiceServerUpdate) library?.onVoiceServerUpdate(payload.d);
    });
    const connection: VoiceConnection = joinVoiceChannel({
      guildId: GUILD_ID,
      channelId: STAGE,
      selfDeaf: false,
      daveEncryption: false,
      group: 'statecord-fake-voice',
      adapterCreator: (methods) => {
        library = methods;
        return {
          sendPayload: (payload) => {
            shard.send(payload);
            return true;
          },
          destroy: () => {
            library = null;
          },
        };
      },
    });
    cleanups.push(() => connection.destroy());
    await entersState(connection, VoiceConnectionStatus.Ready, 10_000);
    expect(gateway.received.find((f) => f.op === GatewayOpcodes.VoiceStateUpdate)?.d).toMatchObject({
      guild_id: GUILD_ID,
      channel_id: STAGE,
    });

    // Send: an AudioPlayer plays a stream of Opus packets at 20 ms, then five silence frames.
    const player = createAudioPlayer();
    connection.subscribe(player);
    const frames = opusFrames(10);
    player.play(createAudioResource(Readable.from(frames), { inputType: StreamType.Opus }));
    await entersState(player, AudioPlayerStatus.Playing, 10_000);
    await server.waitFor('audio', () => server.peer.heard.length > frames.length, { timeoutMs: 10_000 });
    await entersState(player, AudioPlayerStatus.Idle, 10_000);
    const heard = server.peer.heard.map((f) => f.opus);
    expect(heard.slice(0, frames.length)).toEqual(frames);
    // Then silence (`F8 FF FE`) until the player goes idle: @discordjs/voice 0.19.2 prepares five, sends four.
    const silence = Buffer.from([0xf8, 0xff, 0xfe]);
    expect(heard.slice(frames.length).every((frame) => frame.equals(silence))).toBe(true);
    expect(server.violations).toEqual([]);

    // Receive: the peer's Speaking maps its SSRC, then @discordjs/voice decrypts each of its packets.
    const stream = connection.receiver.subscribe(server.peer.userId, {
      end: { behavior: EndBehaviorType.Manual },
    });
    const received: Buffer[] = [];
    const peerFrames = opusFrames(6, 4);
    const all = new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => {
        received.push(chunk);
        if (received.length === peerFrames.length) resolve();
      });
    });
    const mapped = new Promise((resolve) => connection.receiver.ssrcMap.once('create', resolve));
    server.peer.setSpeaking();
    await mapped;
    await server.peer.speak(peerFrames);
    await all;
    expect(received).toEqual(peerFrames);

    // Leaving: op 4 with channel_id null; the fake gateway answers and ends the voice session.
    const ended = server.waitFor('sessionEnd', undefined, { timeoutMs: 10_000 });
    connection.disconnect();
    await ended;
    expect(gateway.voice.states).toEqual([]);
  });
});
