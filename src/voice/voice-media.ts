import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { VoiceFrameError } from '../errors.js';
import {
  AudioPlayerCore,
  AudioReceiverCore,
  chooseEncryptionMode,
  createTransportCipher,
  ipDiscoveryRequest,
  parseIpDiscoveryResponse,
  RtpPacketizer,
  VoicePacketReader,
  VoicePacketWriter,
  type PacketSource,
  type PlayOptions,
  VOICE_ENCRYPTION_MODES,
  type VoiceEncryptionMode,
} from './media/index.js';
import { passthroughFrameTransform, type FrameTransform } from './media/frame-transform.js';
import { AudioPlayback } from './audio-playback.js';
import type { VoiceMediaSession, VoiceReadyInfo } from './voice-deps.js';

/** How often IP discovery is asked again while unanswered (a datagram may be lost). */
const DISCOVERY_RETRY_MS = 1_000;

/** Options of a {@link VoiceMedia}. */
export interface VoiceMediaOptions {
  /** Randomness for the RTP start values. */
  readonly random: () => number;
  /** Reports a fault (a garbage packet, a socket error). */
  readonly warn: (error: Error, context: string) => void;
  /** The end-to-end layer (DAVE) on both paths (docs/protocol/voice.md §4.7). Default: none. */
  readonly transform?: FrameTransform;
}

/**
 * The media side of one voice connection: what the handshake told (SSRC, server address, encryption
 * mode, key), the UDP socket of the current voice session (IP discovery, then RTP both ways), the
 * audio player and the receiver. Plain code, outside the machine: the key is a secret and media is
 * the hot path (docs/protocol/voice.md §3). The machine opens and holds media; frames played while it
 * is held (reconnecting, resuming) are dropped. @internal
 */
export class VoiceMedia implements VoiceMediaSession {
  /** Our SSRC (op 2 READY); 0 before. */
  ssrc = 0;
  /** The mode chosen at READY from the server's list (§3.3). */
  mode: VoiceEncryptionMode | null = null;
  /** Other users' audio. */
  readonly receiver = new AudioReceiverCore();
  /** Speaking changes of other users (set by the connection). */
  onSpeaking: (userId: string, speaking: boolean) => void = () => undefined;
  readonly #options: VoiceMediaOptions;
  #server: { readonly ip: string; readonly port: number } | null = null;
  #packetizer: RtpPacketizer | null = null;
  #writer: VoicePacketWriter | null = null;
  #reader: VoicePacketReader | null = null;
  #socket: Socket | null = null;
  #open = false;
  /** The machine says ready (`openMedia`/`holdMedia`). */
  #machineOpen = false;
  /** The end-to-end layer can carry frames: no E2EE in the call, or a group key exists (§4.7). */
  #e2eeReady = true;
  #discovery: {
    readonly onFound: (address: string, port: number) => void;
    readonly timer: NodeJS.Timeout;
  } | null = null;
  #player: AudioPlayerCore | null = null;
  /** The player was paused because media was held (not by the user): it resumes with media. */
  #autoPaused = false;
  #setSpeaking: (speaking: boolean) => void = () => undefined;
  #garbage = 0;
  #dropped = 0;

  constructor(options: VoiceMediaOptions) {
    this.#options = options;
    this.receiver.on('speaking.start', ({ userId }) => this.onSpeaking(userId, true));
    this.receiver.on('speaking.end', ({ userId }) => this.onSpeaking(userId, false));
  }

  /** Datagrams that were neither a discovery answer nor an authentic audio packet. */
  get garbagePackets(): number {
    return this.#garbage;
  }

  /** Frames played while media was held (the connection was not ready). */
  get droppedFrames(): number {
    return this.#dropped;
  }

  ready(info: VoiceReadyInfo): boolean {
    this.ssrc = info.ssrc;
    this.#server = { ip: info.ip, port: info.port };
    this.mode = chooseEncryptionMode(info.modes);
    // A new session: new SSRC, new RTP counters (a resume keeps them, and never comes here).
    this.#packetizer = new RtpPacketizer(info.ssrc, { random: this.#options.random });
    this.#writer = null;
    this.#reader = null;
    return this.mode !== null;
  }

  describe(mode: string, secretKey: Uint8Array): void {
    if (this.#packetizer === null) throw new VoiceFrameError('SESSION_DESCRIPTION before READY');
    if (!isEncryptionMode(mode)) {
      throw new VoiceFrameError(
        `SESSION_DESCRIPTION names the unknown mode ${JSON.stringify(mode.slice(0, 60))}`,
      );
    }
    const cipher = createTransportCipher(mode, secretKey);
    const transform = this.#options.transform ?? passthroughFrameTransform;
    this.#writer = new VoicePacketWriter({ packetizer: this.#packetizer, cipher, transform });
    this.#reader = new VoicePacketReader({
      cipher,
      transform,
      userIdOf: (ssrc) => this.receiver.userIdOf(ssrc),
    });
  }

  mapSsrc(ssrc: number, userId: string): void {
    this.receiver.mapSsrc(ssrc, userId);
  }

  forgetUser(userId: string): void {
    this.receiver.unmapUser(userId);
  }

  /** IP discovery (§3.1) on this session's socket, asked again until answered or stopped. */
  discover(onFound: (address: string, port: number) => void): void {
    const server = this.#server;
    if (server === null) return;
    this.#stopDiscovery();
    const socket = this.#ensureSocket(server.ip);
    const request = ipDiscoveryRequest(this.ssrc);
    const ask = () => socket.send(request, server.port, server.ip);
    const timer = setInterval(ask, DISCOVERY_RETRY_MS);
    timer.unref();
    this.#discovery = { onFound, timer };
    ask();
  }

  /** SESSION_DESCRIPTION came and the machine is ready: frames flow (a held playback goes on). */
  openMedia(): void {
    this.#machineOpen = true;
    this.#gate();
  }

  /**
   * Whether the end-to-end layer can carry frames. While a call requires DAVE and no group key exists,
   * playback is held like while reconnecting: nothing is sent in clear into an E2EE call, nothing is lost.
   */
  setEndToEndReady(ready: boolean): void {
    this.#e2eeReady = ready;
    this.#gate();
  }

  #gate(): void {
    const open = this.#machineOpen && this.#e2eeReady;
    if (open === this.#open) return;
    if (open) this.#resumeMedia();
    else this.#pauseMedia();
  }

  #resumeMedia(): void {
    this.#open = true;
    if (!this.#autoPaused) return;
    // Called while the machine enters `ready`: its Speaking (op 5) for the resumed audio would wait in
    // the actor's mailbox behind the first packet. Resumed once the machine settled, op 5 goes first
    // (docs/protocol/voice.md §2.3 step 5, §2.4).
    queueMicrotask(() => {
      if (!this.#open || !this.#autoPaused) return;
      this.#autoPaused = false;
      this.#player?.resume();
    });
  }

  /**
   * Not ready (resuming, reconnecting): the playing source pauses where it is, so that no frame is
   * lost to a connection that cannot carry it, and goes on when media opens again.
   */
  holdMedia(): void {
    this.#machineOpen = false;
    this.#gate();
  }

  #pauseMedia(): void {
    this.#open = false;
    if (this.#player?.interrupt() === true) this.#autoPaused = true;
  }

  /** Closes this session's UDP socket (the session is over; a resume never gets here). */
  closeSocket(): void {
    this.#stopDiscovery();
    this.#open = false;
    this.#machineOpen = false;
    const socket = this.#socket;
    this.#socket = null;
    if (socket !== null) {
      socket.removeAllListeners('message');
      socket.close();
    }
  }

  /** Plays a source (replacing the one playing); `setSpeaking` sends op 5 through the machine. */
  play(source: PacketSource, options: PlayOptions, setSpeaking: (speaking: boolean) => void): AudioPlayback {
    this.#setSpeaking = setSpeaking;
    const player = (this.#player ??= new AudioPlayerCore({
      sendOpus: (frame) => this.#sendOpus(frame),
      setSpeaking: (on) => this.#setSpeaking(on),
    }));
    const track = player.play(source, options);
    // Played while media is held: it starts paused and goes on when the connection is ready.
    if (!this.#open && player.pause()) this.#autoPaused = true;
    return new AudioPlayback(track, player);
  }

  /** Stops everything: the player, the receiver, the socket. */
  close(): void {
    this.#player?.stop();
    this.receiver.destroy();
    this.closeSocket();
  }

  #sendOpus(frame: Uint8Array): void {
    const writer = this.#writer;
    const server = this.#server;
    const socket = this.#socket;
    if (!this.#open || writer === null || server === null || socket === null) {
      this.#dropped += 1;
      return;
    }
    const packet = writer.packet(frame);
    if (packet !== null) socket.send(packet, server.port, server.ip);
  }

  #ensureSocket(ip: string): Socket {
    if (this.#socket !== null) return this.#socket;
    const socket = createSocket(isIPv6(ip) ? 'udp6' : 'udp4');
    // First: a socket without an 'error' listener crashes the process.
    socket.on('error', (error) => this.#options.warn(error, 'voice UDP socket error'));
    socket.on('message', (packet) => this.#onPacket(packet));
    this.#socket = socket;
    return socket;
  }

  #onPacket(packet: Buffer): void {
    const discovery = this.#discovery;
    if (discovery !== null) {
      const found = parseIpDiscoveryResponse(packet, this.ssrc);
      if (found !== null) {
        this.#stopDiscovery();
        discovery.onFound(found.address, found.port);
        return;
      }
    }
    const frame = this.#reader?.read(packet) ?? null;
    if (frame !== null) {
      if (frame.ssrc !== this.ssrc)
        this.receiver.push(frame.ssrc, frame.sequence, frame.timestamp, frame.opus);
      return;
    }
    this.#garbage += 1;
    // One warning, then a count: a flood of garbage must not flood the warnings.
    if (this.#garbage === 1) {
      this.#options.warn(
        new VoiceFrameError(`a UDP datagram of ${packet.length} bytes was not an authentic audio packet`),
        'voice UDP packets are being ignored (see garbagePackets)',
      );
    }
  }

  #stopDiscovery(): void {
    if (this.#discovery === null) return;
    clearInterval(this.#discovery.timer);
    this.#discovery = null;
  }
}

function isEncryptionMode(mode: string): mode is VoiceEncryptionMode {
  return (VOICE_ENCRYPTION_MODES as readonly string[]).includes(mode);
}
