import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { GatewayIntentBits } from 'discord-api-types/v10';
import { BucketIdentifyGate, Shard } from '../../src/shard/index.js';
import type { ShardOptions } from '../../src/shard/index.js';
import { FakeGateway, FakeVoiceServer } from '../../src/testing/index.js';
import type { FakeGatewayOptions, FakeVoiceServerOptions } from '../../src/testing/index.js';
import type { VoiceConnection } from '../../src/voice/voice-connection.js';
import { muxOggOpus } from './media/ogg-muxer.js';

export const GUILD_ID = '81384788765712384';
export const STAGE_ID = '81384788765712390';
export const VOICE_CHANNEL_ID = '81384788765712391';

/** Short voice timings: a test never waits on production-scale delays. */
export const VOICE_TEST_TIMING = {
  signallingTimeoutMs: 3_000,
  handshakeTimeoutMs: 3_000,
  backoffBaseMs: 20,
  backoffMaxMs: 100,
} as const;

export interface VoiceRig {
  readonly gateway: FakeGateway;
  readonly voice: FakeVoiceServer;
  readonly shard: Shard;
}

/**
 * Per test file: a FakeVoiceServer attached to a FakeGateway holding one guild (a stage and a voice
 * channel), and a started Shard on it. Everything is torn down after each test: no socket or timer
 * outlives its test.
 */
export function useVoiceRigs() {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const startVoiceServer = async (options: FakeVoiceServerOptions = {}): Promise<FakeVoiceServer> => {
    const server = await FakeVoiceServer.start({ defaultChannelKind: 'stage', ...options });
    cleanups.push(() => server.close());
    return server;
  };

  const rig = async (
    options: {
      readonly voice?: FakeVoiceServerOptions;
      readonly gateway?: FakeGatewayOptions;
      readonly shard?: Partial<ShardOptions>;
    } = {},
  ): Promise<VoiceRig> => {
    const voice = await startVoiceServer(options.voice);
    const gateway = await FakeGateway.start({
      guilds: [
        {
          id: GUILD_ID,
          channels: [
            { id: STAGE_ID, type: 13, name: 'stage' },
            { id: VOICE_CHANNEL_ID, type: 2, name: 'voice' },
          ],
        },
      ],
      voice: { servers: voice },
      ...options.gateway,
    });
    cleanups.push(() => gateway.close());
    const shard = new Shard({
      ...gateway.clientOptions,
      intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildVoiceStates,
      identifyGate: new BucketIdentifyGate({ intervalMs: 0 }),
      timing: { backoffBaseMs: 20, backoffMaxMs: 100 },
      ...options.shard,
    });
    cleanups.push(() => shard.stop());
    await shard.start();
    return { gateway, voice, shard };
  };

  const onCleanup = (cleanup: () => Promise<void>) => cleanups.push(cleanup);
  return { rig, startVoiceServer, onCleanup };
}

/** `count` distinct small Opus-like frames (the voice path does not decode them): `fc i i i`. */
export function markedFrames(count: number, first = 0): Uint8Array[] {
  return Array.from({ length: count }, (_, index) => {
    const mark = first + index;
    return Uint8Array.from([0xfc, mark & 0xff, (mark >> 8) & 0xff, 0x55]);
  });
}

/** An async source of frames, one at a time (as a file or network source would be). */
export async function* framesOf(frames: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const frame of frames) {
    await Promise.resolve(); // one frame per turn, as a real source delivers them
    yield frame;
  }
}

/** A source that yields `frames` and then waits for `release` before ending. */
export function heldSource(frames: readonly Uint8Array[]): {
  readonly source: AsyncGenerator<Uint8Array>;
  readonly release: () => void;
} {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  async function* source() {
    for (const frame of frames) yield frame;
    await released;
  }
  return { source: source(), release };
}

/** Real Opus packets: a 440 Hz tone of `frames` × 20 ms, encoded with opusscript (a dev dependency). */
export function encodeTone(frames: number): Buffer[] {
  const require = createRequire(import.meta.url);
  const OpusScript = require('opusscript') as {
    new (
      rate: number,
      channels: number,
      application: number,
    ): {
      encode(pcm: Buffer, frameSize: number): Buffer;
      delete(): void;
    };
    Application: { AUDIO: number };
  };
  const encoder = new OpusScript(48_000, 2, OpusScript.Application.AUDIO);
  const packets: Buffer[] = [];
  for (let frame = 0; frame < frames; frame++) {
    const pcm = Buffer.alloc(3_840);
    for (let sample = 0; sample < 960; sample++) {
      const t = (frame * 960 + sample) / 48_000;
      const value = Math.round(Math.sin(2 * Math.PI * 440 * t) * 8_000);
      pcm.writeInt16LE(value, sample * 4);
      pcm.writeInt16LE(value, sample * 4 + 2);
    }
    packets.push(Buffer.from(encoder.encode(pcm, 960)));
  }
  encoder.delete();
  return packets;
}

/** Writes an Ogg/Opus file of these packets to a temporary folder; returns its path and a remover. */
export async function writeOggOpus(
  packets: readonly Uint8Array[],
): Promise<{ path: string; remove: () => Promise<void> }> {
  const folder = await mkdtemp(join(tmpdir(), 'statecord-ogg-'));
  const path = join(folder, 'tone.ogg');
  await writeFile(path, muxOggOpus(packets));
  return { path, remove: () => rm(folder, { recursive: true, force: true }) };
}

/** p50/p99/max of |gap − 20 ms| over successive arrivals, in ms. */
export function gapDeviation(arrivals: readonly number[]): { p50: number; p99: number; max: number } {
  const deviations = arrivals
    .slice(1)
    .map((at, index) => Math.abs(at - (arrivals[index] ?? at) - 20))
    .sort((a, b) => a - b);
  const pick = (q: number) =>
    deviations[Math.min(deviations.length - 1, Math.floor(q * deviations.length))] ?? 0;
  return { p50: pick(0.5), p99: pick(0.99), max: deviations.at(-1) ?? 0 };
}

/**
 * Resolves once the connection's DAVE epoch is set and equals `peerEpoch()` (checked at every change).
 * A frame a peer sends under a new epoch's key before this client applied the commit is lost by
 * protocol (docs/protocol/voice.md §4.5): tests of the receive path let the peer speak after this.
 */
export function sameEpoch(connection: VoiceConnection, peerEpoch: () => number | null): Promise<void> {
  const settled = (): boolean => connection.e2ee.epoch !== null && connection.e2ee.epoch === peerEpoch();
  if (settled()) return Promise.resolve();
  return new Promise((resolve) => {
    const listener = (): void => {
      if (!settled()) return;
      connection.off('e2eeChange', listener);
      resolve();
    };
    connection.on('e2eeChange', listener);
  });
}
