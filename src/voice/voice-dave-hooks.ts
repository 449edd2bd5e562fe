/**
 * Where the voice WebSocket hands what belongs to DAVE end-to-end encryption (ops 21–31, binary frames,
 * docs/protocol/voice.md §4). Without DAVE there is none and those frames are ignored. @internal
 */
export interface VoiceDaveHooks {
  /** A binary frame: its opcode and payload (after the sequence number). */
  binary(opcode: number, payload: Uint8Array): void;
  /** A JSON DAVE op (21, 22, 24). */
  json(opcode: number, data: unknown): void;
  /** op 4 SESSION_DESCRIPTION's `dave_protocol_version`. */
  sessionDescribed(protocolVersion: number): void;
}
