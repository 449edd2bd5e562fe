import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Networking, NetworkingStatusCode } from '@discordjs/voice';
import { FakeVoiceServer } from '../../../src/testing/index.js';
import { selfSignedCertificate } from './tls-cert.js';
import { BOT_ID, GUILD_ID, opusFrames } from './voice-harness.js';

/**
 * @discordjs/voice 0.19.2 (a client we did not write) with DAVE on, against the fake in a normal (non-stage)
 * channel: it negotiates protocol version 1, creates the MLS group with the fake's member through the
 * fake's external sender, and every frame it sends arrives encrypted twice — the fake removes the transport
 * layer, the member's own davey session the DAVE layer (docs/protocol/voice.md §4.4–§4.8). Same TLS setup
 * as discordjs-voice.test.ts.
 */

const VOICE_CHANNEL = '81384788765712391';
const SESSION_ID = 'da7eda7eda7eda7eda7eda7eda7eda7e';
const certificate = selfSignedCertificate();
if (certificate === null) {
  if (process.env['CI'] === 'true') throw new Error('openssl is required for the @discordjs/voice DAVE test');
  console.warn('skipping the @discordjs/voice DAVE test: install openssl (e.g. apt-get install openssl)');
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

/** Networking with DAVE on, connected to a fresh server's non-stage call. */
async function connect(): Promise<{ server: FakeVoiceServer; networking: Networking; errors: Error[] }> {
  const server = await FakeVoiceServer.start({ tls: certificate!, defaultChannelKind: 'voice' });
  cleanups.push(() => server.close());
  const grant = server.authorize({
    guildId: GUILD_ID,
    channelId: VOICE_CHANNEL,
    userId: BOT_ID,
    sessionId: SESSION_ID,
  });
  const networking = new Networking(
    {
      channelId: VOICE_CHANNEL,
      endpoint: server.endpoint,
      serverId: GUILD_ID,
      sessionId: SESSION_ID,
      token: grant.token,
      userId: BOT_ID,
    },
    {},
  );
  const errors: Error[] = [];
  networking.on('error', (error) => errors.push(error));
  cleanups.push(() => networking.destroy());
  return { server, networking, errors };
}

/** Resolves when `networking` emits `transitioned` with an id satisfying `predicate`. */
function transitioned(
  networking: Networking,
  predicate: (id: number) => boolean = () => true,
): Promise<number> {
  return new Promise((resolve) => {
    const listener = (id: number): void => {
      if (!predicate(id)) return;
      networking.off('transitioned', listener);
      resolve(id);
    };
    networking.on('transitioned', listener);
  });
}

function ready(networking: Networking): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (networking.state.code !== NetworkingStatusCode.Ready) return;
      networking.off('stateChange', check);
      resolve();
    };
    networking.on('stateChange', check);
    check();
  });
}

function play(networking: Networking, frames: readonly Buffer[]): void {
  for (const frame of frames) {
    networking.prepareAudioPacket(frame);
    networking.dispatchAudio();
  }
}

function daveOf(networking: Networking): { voicePrivacyCode: string | null } {
  const state = networking.state as { dave?: { voicePrivacyCode: string | null } };
  return state.dave!;
}

describe.skipIf(certificate === null)('@discordjs/voice with DAVE against FakeVoiceServer', () => {
  it('creates the group with the fake member, whose davey session decrypts every frame it sends', async () => {
    const { server, networking, errors } = await connect();
    const established = transitioned(networking, (id) => id !== 0);
    await ready(networking);
    expect(server.received[0]).toMatchObject({ op: 0, d: { max_dave_protocol_version: 1 } });
    await established;
    expect(server.dave.call(VOICE_CHANNEL)).toMatchObject({ epoch: 1, leaves: [BOT_ID, server.peer.userId] });
    expect(daveOf(networking).voicePrivacyCode).toBe(server.peer.privacyCode(VOICE_CHANNEL));

    const frames = opusFrames(5);
    play(networking, frames);
    await server.waitFor('audio', () => server.peer.decrypted.length === 5, { timeoutMs: 10_000 });
    const heard = server.peer.decrypted;
    expect(heard.every((frame) => frame.e2ee)).toBe(true);
    expect(heard.map((frame) => frame.opus)).toEqual(frames);
    expect(server.frames.every((frame) => !frame.payload.equals(frame.opus))).toBe(true);
    expect(errors).toEqual([]);
  });

  it('a member joining and leaving mid-call moves the epoch, and the others still decrypt', async () => {
    const { server, networking, errors } = await connect();
    const established = transitioned(networking, (id) => id !== 0);
    await ready(networking);
    await established;

    const joined = transitioned(networking, (id) => id !== 0);
    const third = server.addPeer({ userId: '333333333333333333', channelId: VOICE_CHANNEL });
    await joined;
    expect(server.dave.call(VOICE_CHANNEL)?.epoch).toBe(2);
    expect(third.privacyCode(VOICE_CHANNEL)).toBe(daveOf(networking).voicePrivacyCode);
    play(networking, opusFrames(3, 1));
    await server.waitFor('audio', () => third.decrypted.length === 3, { timeoutMs: 10_000 });
    expect(third.decrypted.map((frame) => frame.opus)).toEqual(opusFrames(3, 1));

    const left = transitioned(networking, (id) => id !== 0);
    third.leave();
    await left;
    expect(server.dave.call(VOICE_CHANNEL)).toMatchObject({ epoch: 3, leaves: [BOT_ID, server.peer.userId] });
    const before = server.peer.decrypted.length;
    play(networking, opusFrames(3, 2));
    await server.waitFor('audio', () => server.peer.decrypted.length === before + 3, { timeoutMs: 10_000 });
    expect(server.peer.decrypted.slice(before).map((frame) => frame.opus)).toEqual(opusFrames(3, 2));
    expect(errors).toEqual([]);
  });
});
