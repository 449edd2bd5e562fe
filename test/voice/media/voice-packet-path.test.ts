import { describe, expect, it, vi } from 'vitest';
import {
  createTransportCipher,
  parseRtpHeader,
  RtpPacketizer,
  SILENCE_FRAME,
  VoicePacketReader,
  VoicePacketWriter,
  type FrameTransform,
} from '../../../src/voice/media/index.js';

const KEY = new Uint8Array(32).fill(7);
const OPUS = Uint8Array.of(0xfc, 1, 2, 3, 4);
const SSRC = 0xabcd;

function writer(transform?: FrameTransform) {
  const packetizer = new RtpPacketizer(SSRC, { sequence: 100, timestamp: 9600 });
  const cipher = createTransportCipher('aead_aes256_gcm_rtpsize', KEY);
  return {
    packetizer,
    writer: new VoicePacketWriter({ packetizer, cipher, ...(transform ? { transform } : {}) }),
  };
}

function reader(transform?: FrameTransform, userIdOf = (ssrc: number) => (ssrc === SSRC ? 'u1' : undefined)) {
  return new VoicePacketReader({
    cipher: createTransportCipher('aead_aes256_gcm_rtpsize', KEY),
    userIdOf,
    ...(transform ? { transform } : {}),
  });
}

/** A transform that marks frames, to see where it ran. */
const markOutbound = (opus: Uint8Array): Uint8Array => Uint8Array.from([0xee, ...opus]);
const unmarkInbound = (payload: Uint8Array): Uint8Array => payload.subarray(1);
const marking: FrameTransform = { outbound: markOutbound, inbound: unmarkInbound };

describe('VoicePacketWriter', () => {
  it('packetizes and seals a frame: the receiver reads it back with its RTP fields', () => {
    const { writer: w } = writer();
    const packet = w.packet(OPUS);
    expect(packet).not.toBeNull();
    expect(reader().read(packet ?? new Uint8Array())).toEqual({
      ssrc: SSRC,
      sequence: 100,
      timestamp: 9600,
      userId: 'u1',
      opus: Buffer.from(OPUS),
    });
  });

  it('numbers consecutive packets +1 and +960', () => {
    const { writer: w } = writer();
    w.packet(OPUS);
    const second = parseRtpHeader(w.packet(OPUS) ?? new Uint8Array());
    expect(second).toMatchObject({ sequence: 101, timestamp: 10_560 });
  });

  it('runs the frame transform between Opus and transport encryption', () => {
    const outbound = vi.fn(markOutbound);
    const { writer: w } = writer({ ...marking, outbound });
    const packet = w.packet(OPUS) ?? new Uint8Array();
    expect(outbound).toHaveBeenCalledWith(OPUS);
    const opened = createTransportCipher('aead_aes256_gcm_rtpsize', KEY).open(packet);
    expect(opened).toEqual(Buffer.from([0xee, ...OPUS]));
  });

  it('sends the silence frame without the transform', () => {
    const outbound = vi.fn(markOutbound);
    const { writer: w } = writer({ ...marking, outbound });
    const packet = w.packet(SILENCE_FRAME) ?? new Uint8Array();
    expect(outbound).not.toHaveBeenCalled();
    expect(createTransportCipher('aead_aes256_gcm_rtpsize', KEY).open(packet)).toEqual(
      Buffer.from(SILENCE_FRAME),
    );
  });

  it('sends nothing when the transform drops a frame, but advances the timestamp', () => {
    const { writer: w, packetizer } = writer({ outbound: () => null, inbound: (p) => p });
    expect(w.packet(OPUS)).toBeNull();
    expect(packetizer.sequence).toBe(100);
    expect(packetizer.timestamp).toBe(9600 + 960);
  });

  it('uses a transform swapped in later (E2EE starting mid-session)', () => {
    const { writer: w } = writer();
    w.packet(OPUS);
    w.transform = marking;
    const opened = createTransportCipher('aead_aes256_gcm_rtpsize', KEY, { nonce: 1 }).open(
      w.packet(OPUS) ?? new Uint8Array(),
    );
    expect(opened?.[0]).toBe(0xee);
  });
});

describe('VoicePacketReader', () => {
  it('runs the frame transform after transport decryption, with the SSRC and its user', () => {
    const inbound = vi.fn(unmarkInbound);
    const packet = writer(marking).writer.packet(OPUS) ?? new Uint8Array();
    expect(reader({ ...marking, inbound }).read(packet)?.opus).toEqual(Buffer.from(OPUS));
    expect(inbound).toHaveBeenCalledWith(Buffer.from([0xee, ...OPUS]), SSRC, 'u1');
  });

  it('passes a null user to the transform for an unmapped SSRC', () => {
    const inbound = vi.fn(unmarkInbound);
    const packet = writer(marking).writer.packet(OPUS) ?? new Uint8Array();
    const frame = reader({ ...marking, inbound }, () => undefined).read(packet);
    expect(frame?.userId).toBeNull();
    expect(inbound).toHaveBeenCalledWith(expect.anything(), SSRC, null);
  });

  it('delivers the silence frame without the transform', () => {
    const inbound = vi.fn(unmarkInbound);
    const packet = writer().writer.packet(SILENCE_FRAME) ?? new Uint8Array();
    expect(reader({ ...marking, inbound }).read(packet)?.opus).toEqual(Buffer.from(SILENCE_FRAME));
    expect(inbound).not.toHaveBeenCalled();
  });

  it('gives null when the transform drops the frame', () => {
    const packet = writer().writer.packet(OPUS) ?? new Uint8Array();
    expect(reader({ outbound: (o) => o, inbound: () => null }).read(packet)).toBeNull();
  });

  it('gives null for RTCP and for packets of another key', () => {
    const rtcp = Buffer.concat([Buffer.from([0x81, 0xc9]), Buffer.alloc(30)]);
    expect(reader().read(rtcp)).toBeNull();
    const foreign = new VoicePacketWriter({
      packetizer: new RtpPacketizer(SSRC),
      cipher: createTransportCipher('aead_aes256_gcm_rtpsize', new Uint8Array(32).fill(8)),
    }).packet(OPUS);
    expect(reader().read(foreign ?? new Uint8Array())).toBeNull();
  });
});
