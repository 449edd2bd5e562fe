import type { AudioPlayback } from '../../voice/audio-playback.js';
import type { VoiceConnection } from '../../voice/voice-connection.js';

/**
 * The user's audio in a voice model run: `play()` starts an endless source of small Opus frames (the
 * player sends Speaking on before the first one, docs/protocol/voice.md §3.5), `stop()` stops it (five
 * silence frames, then Speaking off). Audio keeps flowing in real time while it plays, so every ready
 * connection of the run carries media for the oracles to judge.
 */
export class VoicePlayer {
  #playback: AudioPlayback | null = null;

  /** Starts playing on `connection` (replacing what played). */
  play(connection: VoiceConnection): void {
    let count = 0;
    // An endless source, always ready: the player takes a frame per 20 ms tick.
    const source: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.resolve({ done: false, value: Uint8Array.of(0xfc, count++ & 0xff, 0x5a) }),
      }),
    };
    this.#playback = connection.play(source);
    this.#playback.finished.catch(() => undefined);
  }

  /**
   * While the playback plays, a condition that holds once it handed `frames` more frames to the
   * connection (one per 20 ms tick): by then whatever it sends in the connection's present state is on
   * the wire. Null when it does not play (paused, ended, never started).
   */
  ticked(frames = 2): (() => boolean) | null {
    const playback = this.#playback;
    if (playback?.state !== 'playing') return null;
    const from = playback.framesSent;
    return () => playback.framesSent >= from + frames || playback.state !== 'playing';
  }

  /** Stops the playback: silence, then Speaking off. */
  stop(): void {
    this.#playback?.stop();
  }

  /** Stops it and waits until it ended (at most `timeoutMs`: a connection that went away ends it too). */
  async finish(timeoutMs = 2_000): Promise<void> {
    const playback = this.#playback;
    if (playback === null) return;
    playback.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      playback.finished.catch(() => undefined),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }
}
