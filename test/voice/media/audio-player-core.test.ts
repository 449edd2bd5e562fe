import { describe, expect, it } from 'vitest';
import {
  AudioPlayerCore,
  AudioSinkError,
  AudioSourceError,
  FrameScheduler,
  type AudioTrackEndReason,
} from '../../../src/voice/media/index.js';
import { manualSource, packets, playerHarness, trackedSource } from './player-harness.js';

const FIVE_SILENCES = ['silence', 'silence', 'silence', 'silence', 'silence'];

describe('AudioPlayerCore', () => {
  it('turns Speaking on before the first frame', async () => {
    const h = playerHarness();
    h.player.play(trackedSource(packets(3)).source);
    await h.run(2);
    expect(h.seen().slice(0, 2)).toEqual(['speaking:on', '#1']);
  });

  it('sends one frame per 20 ms tick', async () => {
    const h = playerHarness();
    h.player.play(trackedSource(packets(4)).source);
    await h.run(70);
    const frames = h.log.filter((entry) => entry.what.startsWith('#'));
    expect(frames.map((entry) => entry.what)).toEqual(['#1', '#2', '#3', '#4']);
    // Tick n is due at start + 20n; the first runs on the next timer turn (Node's 1 ms minimum).
    const start = (frames[0]?.at ?? 0) - 1;
    expect(frames.map((entry) => entry.at - start)).toEqual([1, 20, 40, 60]);
  });

  it('at the end of the source sends five silence frames, one per tick, then Speaking off', async () => {
    const h = playerHarness();
    const track = h.player.play(trackedSource(packets(2)).source);
    await h.run(200);
    expect(h.seen()).toEqual(['speaking:on', '#1', '#2', ...FIVE_SILENCES, 'speaking:off']);
    const silences = h.log.filter((entry) => entry.what === 'silence').map((entry) => entry.at);
    expect(silences.slice(1).map((at, i) => at - (silences[i] ?? 0))).toEqual([20, 20, 20, 20]);
    expect(track.state).toBe('ended');
    expect(h.player.state).toBe('idle');
  });

  it('resolves finished and emits start, then end (finished)', async () => {
    const h = playerHarness();
    const track = h.player.play(trackedSource(packets(2)).source);
    const events: string[] = [];
    track.on('start', () => events.push('start'));
    track.on('end', ({ reason }) => events.push(`end:${reason}`));
    await h.run(200);
    await expect(track.finished).resolves.toBeUndefined();
    expect(events).toEqual(['start', 'end:finished']);
  });

  it('counts the frames and silence frames it sent', async () => {
    const h = playerHarness();
    const track = h.player.play(trackedSource(packets(3)).source);
    await h.run(200);
    expect([track.framesSent, track.silenceFramesSent, track.underruns]).toEqual([3, 5, 0]);
  });

  it('stop() sends five silence frames, Speaking off, ends with reason stopped and closes the source', async () => {
    const h = playerHarness();
    const { source, state } = trackedSource(packets(100));
    const track = h.player.play(source);
    const ended: AudioTrackEndReason[] = [];
    track.on('end', ({ reason }) => ended.push(reason));
    await h.run(41);
    h.player.stop();
    await h.run(200);
    expect(h.seen()).toEqual(['speaking:on', '#1', '#2', '#3', ...FIVE_SILENCES, 'speaking:off']);
    await expect(track.finished).resolves.toBeUndefined();
    expect(ended).toEqual(['stopped']);
    expect(state.closed).toBe(true);
    expect(state.done).toBe(false);
  });

  it('stop() before the first frame ends at once, without silence or Speaking', async () => {
    const h = playerHarness();
    const manual = manualSource();
    const track = h.player.play(manual.source);
    h.player.stop();
    await h.run(100);
    expect(h.seen()).toEqual([]);
    expect(track.state).toBe('ended');
  });

  it('an empty source ends without Speaking', async () => {
    const h = playerHarness();
    const track = h.player.play(trackedSource([]).source);
    await h.run(50);
    expect(h.seen()).toEqual([]);
    await expect(track.finished).resolves.toBeUndefined();
  });

  it('pause() sends five silence frames, Speaking off, then nothing while paused', async () => {
    const h = playerHarness();
    const track = h.player.play(trackedSource(packets(100)).source);
    await h.run(21);
    expect(h.player.pause()).toBe(true);
    await h.run(1000);
    expect(h.seen()).toEqual(['speaking:on', '#1', '#2', ...FIVE_SILENCES, 'speaking:off']);
    expect(track.state).toBe('paused');
  });

  it('resume() turns Speaking on again and continues with the next packet', async () => {
    const h = playerHarness();
    h.player.play(trackedSource(packets(100)).source);
    await h.run(21);
    h.player.pause();
    await h.run(500);
    expect(h.player.resume()).toBe(true);
    await h.run(25);
    expect(h.seen().slice(-3)).toEqual(['speaking:on', '#3', '#4']);
  });

  it('interrupt() pauses at once without silence, and resume() turns Speaking on again before the next frame', async () => {
    const h = playerHarness();
    const track = h.player.play(trackedSource(packets(100)).source);
    await h.run(21);
    expect(h.player.interrupt()).toBe(true);
    expect(track.state).toBe('paused');
    await h.run(200);
    expect(h.seen()).toEqual(['speaking:on', '#1', '#2']);
    expect(h.player.resume()).toBe(true);
    await h.run(25);
    expect(h.seen().slice(-3)).toEqual(['speaking:on', '#3', '#4']);
  });

  it('interrupt() during the silence of a pause completes the pause, and a resume speaks again first', async () => {
    const h = playerHarness();
    h.player.play(trackedSource(packets(100)).source);
    await h.run(21);
    h.player.pause();
    await h.run(30);
    expect(h.player.interrupt()).toBe(false);
    await h.run(200);
    expect(h.seen().filter((what) => what === 'silence').length).toBeLessThan(5);
    expect(h.player.resume()).toBe(true);
    await h.run(25);
    expect(h.seen().slice(-3)).toEqual(['speaking:on', '#3', '#4']);
  });

  it('pause() and resume() answer false when there is nothing to pause or resume', () => {
    const h = playerHarness();
    expect(h.player.pause()).toBe(false);
    expect(h.player.resume()).toBe(false);
  });

  it('a source slower than real time skips ticks (counted) and never bursts to catch up', async () => {
    const h = playerHarness();
    const manual = manualSource();
    const track = h.player.play(manual.source);
    manual.push(Buffer.from([1]));
    await h.run(5);
    await h.run(60); // three ticks without data
    manual.push(Buffer.from([2]));
    manual.push(Buffer.from([3]));
    await h.run(45);
    const frames = h.log.filter((entry) => entry.what.startsWith('#'));
    expect(frames.map((entry) => entry.what)).toEqual(['#1', '#2', '#3']);
    expect((frames[2]?.at ?? 0) - (frames[1]?.at ?? 0)).toBe(20);
    expect(track.underruns).toBe(3);
  });

  it('does not count the wait for the first packet as underruns', async () => {
    const h = playerHarness();
    const manual = manualSource();
    const track = h.player.play(manual.source);
    await h.run(300);
    manual.push(Buffer.from([1]));
    await h.run(5);
    expect(h.seen()).toEqual(['speaking:on', '#1']);
    expect(track.underruns).toBe(0);
  });

  it('catches up after an event-loop stall with the frames owed, one per timer turn', async () => {
    const h = playerHarness();
    h.player.play(trackedSource(packets(20)).source);
    await h.run(2);
    h.clock.stall(65);
    await h.run(3);
    // Frame 1 went out at 2 (due 1); frames due at 21, 41 and 61 are owed at 67.
    const late = h.log.filter((entry) => entry.at >= 67 && entry.at <= 69);
    expect(late).toEqual([
      { at: 67, what: '#2' },
      { at: 68, what: '#3' },
      { at: 69, what: '#4' },
    ]);
  });

  it('a failing source rejects finished with AudioSourceError, after the silence frames', async () => {
    const h = playerHarness();
    const manual = manualSource();
    const track = h.player.play(manual.source);
    const errors: unknown[] = [];
    const ends: string[] = [];
    track.on('error', (error) => errors.push(error));
    track.on('end', ({ reason }) => ends.push(reason));
    manual.push(Buffer.from([1]));
    await h.run(5);
    const cause = new Error('ffmpeg died');
    manual.fail(cause);
    await h.run(200);
    await expect(track.finished).rejects.toBeInstanceOf(AudioSourceError);
    await track.finished.catch((error: unknown) => expect((error as Error).cause).toBe(cause));
    expect(h.seen()).toEqual(['speaking:on', '#1', ...FIVE_SILENCES, 'speaking:off']);
    expect(errors).toHaveLength(1);
    expect(ends).toEqual(['failed']);
    expect(track.state).toBe('failed');
  });

  it('a failed track whose finished nobody awaits does not crash the process', async () => {
    const h = playerHarness();
    const manual = manualSource();
    h.player.play(manual.source);
    manual.fail(new Error('nobody listens'));
    await h.run(50);
    expect(h.player.state).toBe('idle');
  });

  it('rejects a source chunk that is not an Opus packet', async () => {
    const h = playerHarness();
    const source = (async function* () {
      await Promise.resolve();
      yield 'not a packet' as unknown as Uint8Array;
    })();
    const track = h.player.play(source);
    await h.run(30);
    await expect(track.finished).rejects.toBeInstanceOf(AudioSourceError);
  });

  it('play() during a track replaces it at once: reason replaced, no silence between', async () => {
    const h = playerHarness();
    const first = trackedSource(packets(100));
    const track = h.player.play(first.source);
    await h.run(21);
    const next = h.player.play(trackedSource(packets(2, 50)).source);
    await h.run(200);
    await expect(track.finished).resolves.toBeUndefined();
    expect(first.state.closed).toBe(true);
    expect(h.seen()).toEqual(['speaking:on', '#1', '#2', '#50', '#51', ...FIVE_SILENCES, 'speaking:off']);
    expect(h.player.track).toBeNull();
    expect(next.state).toBe('ended');
  });

  it('reports a sink that throws as AudioSinkError and stops ticking', async () => {
    const h = playerHarness();
    let sends = 0;
    const player = new AudioPlayerCore(
      {
        sendOpus: () => {
          if (++sends === 2) throw new Error('socket closed');
        },
        setSpeaking: () => undefined,
      },
      { scheduler: new FrameScheduler({ clock: h.clock }) },
    );
    const track = player.play(trackedSource(packets(10)).source);
    await h.run(100);
    await expect(track.finished).rejects.toBeInstanceOf(AudioSinkError);
    expect(sends).toBe(2);
    expect(player.state).toBe('idle');
  });
});
