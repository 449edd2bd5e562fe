/**
 * The Opus silence frame `F8 FF FE` (docs/protocol/voice.md §3.5). Five are sent when audio stops so
 * the receivers' decoders do not interpolate; DAVE never encrypts it and receivers accept it in any
 * mode (§4.7). One shared instance: never write to it.
 */
export const SILENCE_FRAME: Uint8Array = Uint8Array.of(0xf8, 0xff, 0xfe);

/** Silence frames sent when audio stops or pauses (docs/protocol/voice.md §3.5). */
export const SILENCE_FRAMES_ON_STOP = 5;

/** Whether `frame` is exactly the Opus silence frame. */
export function isSilenceFrame(frame: Uint8Array): boolean {
  return frame.length === 3 && frame[0] === 0xf8 && frame[1] === 0xff && frame[2] === 0xfe;
}
