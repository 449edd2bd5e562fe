/**
 * Where a voice sender's CPU goes, by what each self-time sample belongs to: the UDP send, the AEAD,
 * statecord's media code, the audio source, GC, … (a `.cpuprofile` cut to a window, as
 * `bench/lib/profile.ts` does; native work counts in the JS function that called it).
 */
import { readFileSync } from 'node:fs';

interface Node {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
}

interface Profile {
  readonly nodes: readonly Node[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileShare {
  readonly what: string;
  readonly share: number;
}

const CATEGORIES: ReadonlyArray<readonly [string, (url: string, name: string) => boolean]> = [
  [
    'UDP send: dgram `send` → native `sendmsg` (doSend), the per-send address lookup on `nextTick`',
    (url) =>
      /^node:(dgram|dns|internal\/dgram|internal\/process\/task_queues|internal\/async_hooks|net|internal\/net)$/.test(
        url,
      ),
  ],
  [
    'AEAD: node:crypto (`createCipheriv` per packet: a `Cipheriv` stream object and an OpenSSL context; update/final/tag) and @noble/ciphers',
    (url) =>
      /^node:(crypto|internal\/crypto\/|internal\/streams\/lazy_transform)/.test(url) ||
      url.includes('@noble/ciphers') ||
      /transport-cipher\.js$/.test(url),
  ],
  ['garbage collector', (_url, name) => name === '(garbage collector)'],
  ['Buffer allocation', (url) => /^node:(buffer|internal\/buffer)$/.test(url)],
  [
    'statecord media: FrameScheduler, AudioPacer, AudioPlayerCore, TrackBuffer, VoicePacketWriter, VoiceMedia',
    (url) => /\/src\/voice\//.test(url),
  ],
  [
    'the audio source (an object-mode Readable: stream internals, events)',
    (url) =>
      /^node:(internal\/streams\/|events$)/.test(url) || /\/bench\/voice\/pacing-client\.js$/.test(url),
  ],
  ['timers', (url) => /^node:internal\/timers$/.test(url)],
  [
    'gateway, voice WebSocket, xstate',
    (url) => /\/(src\/(gateway|shard|manager|util)|machines)\/|\/(ws|xstate)\//.test(url),
  ],
];

/** Self time of the samples inside [startUs, endUs], by category (largest first), and the total in ms. */
export function splitProfile(
  path: string,
  window: { startUs: number; endUs: number },
): { sampledMs: number; shares: ProfileShare[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  let time = profile.startTime;
  let sampled = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i] ?? 0;
    const duration = profile.timeDeltas[i + 1] ?? 0;
    if (time < window.startUs || time > window.endUs) continue;
    const frame = byId.get(profile.samples[i] ?? -1)?.callFrame;
    if (frame === undefined || frame.functionName === '(idle)') continue;
    const category =
      CATEGORIES.find(([, matches]) => matches(frame.url, frame.functionName))?.[0] ?? 'other (program, …)';
    totals.set(category, (totals.get(category) ?? 0) + duration);
    sampled += duration;
  }
  return {
    sampledMs: sampled / 1000,
    shares: [...totals.entries()]
      .map(([what, us]) => ({ what, share: sampled === 0 ? 0 : us / sampled }))
      .sort((a, b) => b.share - a.share),
  };
}
