import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { GatewayOpcodes } from 'discord-api-types/v10';
import type { FakeGateway, IdentifyAttempt, ReceivedFrame } from '../fake-gateway/index.js';
import type {
  FakeVoiceConnection,
  FakeVoiceServer,
  FakeVoiceServerEvents,
  VoiceCloseRecord,
  VoiceDatagramRecord,
} from '../fake-voice/index.js';
import type { VoiceTraceEntry, VoiceUserEntry } from './voice-protocol-trace.js';

/** Node's channel for outgoing HTTP requests: `ws` opens every WebSocket with one (the upgrade request). */
const HTTP_REQUEST_CHANNEL = 'http.client.request.start';

type EntryWithoutTime = VoiceTraceEntry extends infer E ? (E extends unknown ? Omit<E, 'at'> : never) : never;

/**
 * Records what one voice model path makes observable, as a {@link VoiceTraceEntry} list for the voice
 * protocol oracles: op 4 and new sessions as the {@link FakeGateway} saw them, dials, connections, frames
 * both ways, closes, datagrams and violations as the {@link FakeVoiceServer} saw them, and the run's own
 * notes (dispatches it made the gateway send, user calls, time, UDP fences). One path at a time per pair
 * of servers.
 */
export class VoicePathTrace {
  readonly entries: VoiceTraceEntry[] = [];
  /** Voice connections, by id, as the server accepted them. */
  readonly connections: FakeVoiceConnection[] = [];
  /** Called with every voice connection the server accepts, before Hello (the runner's hook). */
  onConnection: (connection: FakeVoiceConnection) => void = () => undefined;
  readonly #injected = new Set<number>();
  readonly #stop: Array<() => void> = [];
  #dials = 0;
  #upgrades = 0;
  #fencePort: number | null = null;
  #fences = 0;
  #fenceAfter: 'step' | 'destroyed' = 'step';

  /**
   * @param clock - the path's clock, stamped on every entry
   * @param onChange - called after every new entry (the runner's waits wake up on it)
   */
  constructor(
    private readonly gateway: FakeGateway,
    private readonly voice: FakeVoiceServer,
    private readonly clock: { readonly now: number },
    private readonly onChange: () => void = () => undefined,
  ) {
    const host = voice.endpoint;
    const onRequest = (message: unknown) => {
      const request = (message as { request?: ClientRequest }).request;
      if (request?.getHeader('host') === host && request.getHeader('upgrade') === 'websocket')
        this.#dials += 1;
      this.onChange();
    };
    subscribe(HTTP_REQUEST_CHANNEL, onRequest);
    this.#stop.push(() => unsubscribe(HTTP_REQUEST_CHANNEL, onRequest));
    this.#onGateway('frame', (frame: ReceivedFrame) => {
      if (frame.op !== GatewayOpcodes.VoiceStateUpdate) return;
      const d = frame.d as {
        guild_id: string;
        channel_id: string | null;
        self_mute: boolean;
        self_deaf: boolean;
      };
      this.#push({
        kind: 'op4',
        guildId: d.guild_id,
        channelId: d.channel_id,
        selfMute: d.self_mute,
        selfDeaf: d.self_deaf,
      });
    });
    this.#onGateway('identify', (attempt: IdentifyAttempt) => {
      if (attempt.outcome === 'ready' && attempt.sessionId !== null)
        this.#push({ kind: 'gatewaySession', sessionId: attempt.sessionId });
    });
    this.#onVoice('upgrade', (record) => {
      this.#upgrades += 1;
      this.#push({ kind: 'upgrade', url: record.url });
    });
    this.#onVoice('connection', (connection) => {
      this.connections.push(connection);
      this.onConnection(connection);
      this.#push({ kind: 'open', conn: connection.id });
    });
    this.#onVoice('frame', (frame) =>
      this.#push({ kind: 'received', conn: frame.connectionId, op: frame.op, d: frame.d }),
    );
    this.#onVoice('sent', (frame) =>
      this.#push({ kind: 'sent', conn: frame.connectionId, op: frame.op, d: frame.d, seq: frame.seq }),
    );
    this.#onVoice('close', (record: VoiceCloseRecord) =>
      this.#push({
        kind: 'closed',
        conn: record.connectionId,
        code: record.code,
        by: record.initiator,
        injected: record.initiator === 'server' && this.#injected.has(record.connectionId),
      }),
    );
    this.#onVoice('datagram', (record: VoiceDatagramRecord) => {
      if (record.from.port === this.#fencePort && record.kind === 'other') {
        this.#fences += 1;
        this.#push({ kind: 'fence', after: this.#fenceAfter });
        return;
      }
      this.#push({ kind: 'datagram', type: record.kind, ssrc: record.ssrc });
    });
    this.#onVoice('violation', (violation) =>
      this.#push({
        kind: 'violation',
        violation: violation.kind,
        ssrc: violation.ssrc,
        detail: violation.detail,
      }),
    );
  }

  /** WebSocket upgrade requests the client started to the voice server (seen a tick after they are made). */
  get dials(): number {
    return this.#dials;
  }

  /** Upgrade requests the voice server received. */
  get upgrades(): number {
    return this.#upgrades;
  }

  /** UDP fences that arrived. */
  get fences(): number {
    return this.#fences;
  }

  /** Datagrams from this local port are the run's fences, not the client's. */
  set fencePort(port: number) {
    this.#fencePort = port;
  }

  /** What the next fences mark: the end of a step, or the destroyed connection. */
  set fenceAfter(after: 'step' | 'destroyed') {
    this.#fenceAfter = after;
  }

  /** The run is about to close (or drop) connection `conn` from the server side: a fault, not a verdict. */
  inject(conn: number, code: number): void {
    this.#injected.add(conn);
    this.#push({ kind: 'inject', conn, code });
  }

  /** Whether the server saw connection `conn` end. */
  isClosed(conn: number): boolean {
    return this.entries.some((entry) => entry.kind === 'closed' && entry.conn === conn);
  }

  /** The run made the main gateway dispatch this, or refused an upgrade, or the user called something. */
  note(entry: EntryWithoutTime): void {
    this.#push(entry);
  }

  user(action: VoiceUserEntry['action']): void {
    this.#push({ kind: 'user', action });
  }

  time(ms: number): void {
    this.#push({ kind: 'time', ms });
  }

  detach(): void {
    for (const stop of this.#stop.splice(0)) stop();
  }

  #push(entry: EntryWithoutTime): void {
    this.entries.push({ ...entry, at: this.clock.now });
    this.onChange();
  }

  #onVoice<K extends keyof FakeVoiceServerEvents>(
    event: K,
    listener: (value: FakeVoiceServerEvents[K][0]) => void,
  ): void {
    // EventEmitter's listener type for a generic key does not resolve; the key ties the two together.
    const wrapped = listener as never;
    this.voice.on(event, wrapped);
    this.#stop.push(() => this.voice.off(event, wrapped));
  }

  #onGateway(
    event: 'frame' | 'identify',
    listener: ((frame: ReceivedFrame) => void) | ((attempt: IdentifyAttempt) => void),
  ): void {
    const wrapped = listener as never;
    this.gateway.on(event, wrapped);
    this.#stop.push(() => this.gateway.off(event, wrapped));
  }
}
