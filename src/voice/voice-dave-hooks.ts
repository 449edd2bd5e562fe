import type { VoiceEvent } from '../../machines/index.js';

/** How DAVE writes to the voice WebSocket: JSON ops 23/31 and binary ops 26/28 (docs/protocol/voice.md §2.1). */
export interface VoiceDaveWriter {
  json(opcode: number, data: unknown): void;
  binary(opcode: number, payload: Uint8Array): void;
}

/**
 * Where the voice WebSocket hands what belongs to DAVE end-to-end encryption (ops 21–31, binary frames,
 * docs/protocol/voice.md §4). Without DAVE there is none and those frames are ignored. @internal
 */
export interface VoiceDaveHooks {
  /** A binary frame: its opcode and payload (after the sequence number). */
  binary(opcode: number, payload: Uint8Array, sendBack: (event: VoiceEvent) => void): void;
  /** A JSON DAVE op (21, 22, 24). */
  json(opcode: number, data: unknown, sendBack: (event: VoiceEvent) => void): void;
  /** The socket opened (a writer) or went away (null): where ops 23, 26, 28 and 31 go. */
  attach(writer: VoiceDaveWriter | null): void;
}
