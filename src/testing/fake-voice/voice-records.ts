import type {
  FakeVoiceFrame,
  FakeVoiceServerStats,
  VoiceCloseRecord,
  VoiceHeartbeatRecord,
  VoiceReceivedFrame,
  VoiceViolation,
  VoiceViolationKind,
  VoiceSentFrame,
} from './records.js';
import type { FakeVoiceServerEvents } from './types.js';

/** Emits one event of the public server. */
export type VoiceEmit = <K extends keyof FakeVoiceServerEvents>(
  event: K,
  ...args: FakeVoiceServerEvents[K]
) => void;

type Counter = Exclude<keyof FakeVoiceServerStats, 'closesByCode' | 'dropped' | 'delayed'>;
type DirectionCounter = 'dropped' | 'delayed';

/** What a fake voice server records and counts, and the emitter its handlers report through. */
export class VoiceRecords {
  readonly received: VoiceReceivedFrame[] = [];
  readonly closes: VoiceCloseRecord[] = [];
  readonly heartbeats: VoiceHeartbeatRecord[] = [];
  readonly frames: FakeVoiceFrame[] = [];
  readonly violations: VoiceViolation[] = [];
  private readonly counters: Record<Counter, number> = {
    connections: 0,
    identifies: 0,
    resumes: 0,
    framesReceived: 0,
    decryptFailures: 0,
    nonceViolations: 0,
    rtpBeforeSpeaking: 0,
    unknownSsrcPackets: 0,
    keepalives: 0,
    discoveries: 0,
    datagramsSent: 0,
  };
  private readonly directional = {
    dropped: { inbound: 0, outbound: 0 },
    delayed: { inbound: 0, outbound: 0 },
  };
  private readonly closeCounts = {
    server: {} as Record<number, number>,
    client: {} as Record<number, number>,
  };

  constructor(readonly emit: VoiceEmit) {}

  count(counter: Counter): void {
    this.counters[counter] += 1;
  }

  countDirectional(counter: DirectionCounter, direction: 'inbound' | 'outbound'): void {
    this.directional[counter][direction] += 1;
  }

  stats(): FakeVoiceServerStats {
    return {
      ...this.counters,
      dropped: { ...this.directional.dropped },
      delayed: { ...this.directional.delayed },
      closesByCode: { server: { ...this.closeCounts.server }, client: { ...this.closeCounts.client } },
    };
  }

  recordClose(record: VoiceCloseRecord): void {
    this.closes.push(record);
    const side = record.initiator === 'server' ? this.closeCounts.server : this.closeCounts.client;
    side[record.code] = (side[record.code] ?? 0) + 1;
    this.emit('close', record);
  }

  /** A message went out on connection `connectionId`: reported as a `sent` event (not kept). */
  recordSent(connectionId: number, sessionId: string | null, data: string | Buffer): void {
    const at = Date.now();
    let frame: VoiceSentFrame;
    if (typeof data === 'string') {
      // The fake built the text itself (serializeVoiceFrame or a test's sendRaw): it may be anything.
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        parsed = null;
      }
      const message = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<
        string,
        unknown
      >;
      frame = {
        connectionId,
        sessionId,
        op: typeof message['op'] === 'number' ? message['op'] : -1,
        seq: typeof message['seq'] === 'number' ? message['seq'] : null,
        d: message['d'] ?? null,
        binary: false,
        at,
      };
    } else {
      frame = {
        connectionId,
        sessionId,
        op: data.length >= 3 ? data[2]! : -1,
        seq: data.length >= 2 ? data.readUInt16BE(0) : null,
        d: null,
        binary: true,
        at,
      };
    }
    this.emit('sent', frame);
  }

  violation(
    kind: VoiceViolationKind,
    session: { readonly id: string } | null,
    ssrc: number | null,
    detail: string,
  ): void {
    const record: VoiceViolation = { kind, sessionId: session?.id ?? null, ssrc, detail, at: Date.now() };
    this.violations.push(record);
    this.emit('violation', record);
  }
}
