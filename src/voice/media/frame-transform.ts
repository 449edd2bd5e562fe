/**
 * A transform of one media frame between Opus and the transport: on send between the Opus frame and
 * RTP + transport encryption, on receive between transport decryption and delivery. DAVE end-to-end
 * encryption plugs in here (docs/protocol/voice.md §4.7); without it the frame passes unchanged.
 *
 * The packet paths never hand the Opus silence frame to a transform (it is never E2E-encrypted and is
 * accepted in any mode, §3.5, §4.7). A transform must not keep or modify the frames it is given.
 */
export interface FrameTransform {
  /** Send side: the frame to packetize for `opus`, or null to send nothing this tick. */
  outbound(opus: Uint8Array): Uint8Array | null;
  /**
   * Receive side: the Opus frame in `payload` from `ssrc`, whose user is `userId` (null when op 5 has
   * not mapped the SSRC yet), or null to drop it (e.g. it did not decrypt).
   */
  inbound(payload: Uint8Array, ssrc: number, userId: string | null): Uint8Array | null;
}

/** The transform of a session without E2EE: every frame passes unchanged. */
export const passthroughFrameTransform: FrameTransform = {
  outbound: (opus) => opus,
  inbound: (payload) => payload,
};
