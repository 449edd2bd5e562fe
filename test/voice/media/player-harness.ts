import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  AudioPlayerCore,
  FrameScheduler,
  isSilenceFrame,
  type AudioPlayerCoreOptions,
  type AudioSink,
} from '../../../src/voice/media/index.js';
import { FakeMediaClock } from './fake-media-clock.js';

/** What a sink saw, in order: `speaking:on`, `speaking:off`, `silence`, or a frame's first byte as `#n`. */
export type SinkEntry = { readonly at: number; readonly what: string };

/** A player on a fake clock whose sink records everything. */
export function playerHarness(options: Omit<AudioPlayerCoreOptions, 'scheduler'> = {}) {
  const clock = new FakeMediaClock();
  const scheduler = new FrameScheduler({ clock, earlyMs: 0 });
  const log: SinkEntry[] = [];
  const sink: AudioSink = {
    sendOpus: (frame) =>
      log.push({ at: clock.now(), what: isSilenceFrame(frame) ? 'silence' : `#${frame[0]}` }),
    setSpeaking: (on) => log.push({ at: clock.now(), what: on ? 'speaking:on' : 'speaking:off' }),
  };
  const player = new AudioPlayerCore(sink, { ...options, scheduler });
  return {
    clock,
    player,
    sink,
    log,
    /** The sink log without times. */
    seen: () => log.map((entry) => entry.what),
    /** Lets the source and the pump run (promises, stream callbacks). */
    settle: async () => {
      for (let i = 0; i < 5; i++) await nextTurn();
    },
    /** Moves time in 1 ms steps, letting the source run between them. */
    run: async (ms: number) => {
      for (let i = 0; i < ms; i++) {
        clock.advance(1);
        for (let j = 0; j < 3; j++) await nextTurn();
      }
    },
  };
}

/** Opus-looking packets whose first byte is their number (1, 2, …). */
export function packets(count: number, from = 1): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.from([from + i, 0xaa, 0xbb]));
}

/** An async iterable of `items` that records whether it was closed early. */
export function trackedSource(items: readonly Uint8Array[]) {
  const state = { closed: false, done: false };
  async function* generate(): AsyncGenerator<Uint8Array> {
    try {
      for (const item of items) {
        await Promise.resolve();
        yield item;
      }
      state.done = true;
    } finally {
      state.closed = true;
    }
  }
  return { source: generate(), state };
}

/** A source fed by hand: `push` a packet, `end()` it, or `fail(error)`. */
export function manualSource() {
  const queue: Uint8Array[] = [];
  let ended = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const resolve = wake;
    wake = null;
    resolve?.();
  };
  async function* generate(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const next = queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (failure !== null) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }
  return {
    source: generate(),
    push: (packet: Uint8Array) => (queue.push(packet), notify()),
    end: () => ((ended = true), notify()),
    fail: (error: Error) => ((failure = error), notify()),
  };
}
