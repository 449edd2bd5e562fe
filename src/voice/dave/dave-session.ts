import { DAVESession } from '@snazzah/davey';
import { VoiceE2EEError } from '../../errors.js';
import type { FrameTransform } from '../media/frame-transform.js';
import type { VoiceDaveWriter } from '../voice-dave-hooks.js';

/** Consecutive undecryptable frames outside a transition before recovery (op 31), as @discordjs/voice does. */
export const DEFAULT_DECRYPTION_FAILURE_TOLERANCE = 36;
/** davey's MediaType.AUDIO (a `const enum`, so by value). */
const AUDIO = 0;

/** DAVE protocol frames end with the magic marker `0xFAFA` (docs/protocol/voice.md §4.7). */
export function hasDaveMarker(frame: Uint8Array): boolean {
  const n = frame.length;
  return n >= 2 && frame[n - 1] === 0xfa && frame[n - 2] === 0xfa;
}

/** The call's end-to-end encryption as the API shows it (`connection.e2ee`). */
export interface VoiceE2EEState {
  /** 0: transport encryption only; 1: DAVE. */
  readonly protocolVersion: number;
  /** The MLS epoch; null without a group. */
  readonly epoch: number | null;
  /** User ids in the group (the bot included). */
  readonly members: readonly string[];
}

/** Frames the DAVE layer did not carry, by reason. */
export interface VoiceE2EEStats {
  /** Frames not sent because the call requires E2EE and no group key existed yet (never sent in clear). */
  readonly unencryptedDropped: number;
  /** Frames davey failed to encrypt (dropped). */
  readonly encryptFailures: number;
  /** Received frames that did not decrypt (dropped). */
  readonly decryptFailures: number;
}

/** What the DAVE session reports to its connection. */
export interface VoiceDaveSessionHooks {
  readonly userId: () => string;
  readonly channelId: () => string;
  readonly warn: (error: Error, context: string) => void;
  /** The machine's view changed (a transition executed, a group formed or ended). */
  readonly changed: (state: VoiceE2EEState) => void;
  /** Too many consecutive frames failed to decrypt: the machine recovers. */
  readonly decryptFailing: () => void;
  /** Whether frames can be sent: no E2EE, or a group key exists. Playback is held meanwhile. */
  readonly sendable: (ready: boolean) => void;
}

/**
 * The `@snazzah/davey` session of one voice connection and the frame transform on both media paths
 * (docs/protocol/voice.md §4.7): Opus → DAVE encrypt on send, DAVE decrypt → Opus on receive. When the
 * call's protocol version is above 0 and no group key exists, a frame is dropped and counted — never sent
 * in clear into an E2EE call. The machine (machines/voice-dave.machine.ts) decides every lifecycle step;
 * this holds the state those steps act on. @internal
 */
export class VoiceDaveSession implements FrameTransform {
  session: DAVESession | null = null;
  protocolVersion = 0;
  state: VoiceE2EEState = { protocolVersion: 0, epoch: null, members: [] };
  /** op 25, kept for a session created later (it may precede op 4, §4.4). */
  externalSender: Buffer | null = null;
  /** Users ops 11/13 say are in the call: only their Adds are accepted (§4.4). */
  readonly recognised = new Set<string>();
  /** The open voice WebSocket, where ops 23/26/28/31 go; null while none is open. */
  writer: VoiceDaveWriter | null = null;
  /** A commit/welcome was applied and op 22 has not executed it yet: decrypt failures are expected. */
  inTransition = false;
  #unencryptedDropped = 0;
  #encryptFailures = 0;
  #decryptFailures = 0;
  #consecutiveFailures = 0;
  #failingReported = false;

  constructor(
    readonly hooks: VoiceDaveSessionHooks,
    readonly tolerance = DEFAULT_DECRYPTION_FAILURE_TOLERANCE,
  ) {}

  get stats(): VoiceE2EEStats {
    return {
      unencryptedDropped: this.#unencryptedDropped,
      encryptFailures: this.#encryptFailures,
      decryptFailures: this.#decryptFailures,
    };
  }

  /** The 30-digit voice privacy code, or null before a group is established. */
  get privacyCode(): string | null {
    // At version 0 (after a downgrade) there is no E2EE, whatever davey's reset session still reports.
    const code =
      this.protocolVersion > 0 && this.session?.ready === true ? this.session.voicePrivacyCode : '';
    return code === '' ? null : code;
  }

  /** The 45-digit verification code shared with `userId`; rejects with `VoiceE2EEError` without a group. */
  async verificationCode(userId: string): Promise<string> {
    const session = this.session;
    if (session?.ready !== true) throw new VoiceE2EEError('no end-to-end encrypted group (DAVE) yet');
    try {
      return await session.getVerificationCode(userId);
    } catch (error) {
      throw new VoiceE2EEError(`no verification code for user ${userId}`, error);
    }
  }

  /** A new voice session (another voice server): its external sender and group start from nothing. */
  newVoiceSession(): void {
    this.session = null;
    this.externalSender = null;
    this.protocolVersion = 0;
    this.inTransition = false;
    this.state = { protocolVersion: 0, epoch: null, members: [] };
  }

  /** A fresh local state for `version` (new or reinitialised davey session); returns the key package. */
  start(version: number): Buffer {
    const userId = this.hooks.userId();
    const channelId = this.hooks.channelId();
    if (this.session === null) this.session = new DAVESession(version, userId, channelId);
    else this.session.reinit(version, userId, channelId);
    this.protocolVersion = version;
    this.#consecutiveFailures = 0;
    this.#failingReported = false;
    if (this.externalSender !== null && Number(this.session.status) === 0) {
      this.session.setExternalSender(this.externalSender);
    }
    this.hooks.sendable(version === 0);
    return this.session.getSerializedKeyPackage();
  }

  /** Transport encryption only (version 0): receive passthrough for frames still in flight. */
  stop(): void {
    this.protocolVersion = 0;
    this.session?.reset();
    this.session?.setPassthroughMode(true, 10);
    this.hooks.sendable(true);
  }

  /** A commit or welcome applied: the group key exists from now on. */
  applied(): void {
    this.hooks.sendable(this.protocolVersion === 0 || this.session?.ready === true);
  }

  setExternalSender(payload: Buffer): void {
    this.externalSender = payload;
    if (this.session !== null && Number(this.session.status) === 0) this.session.setExternalSender(payload);
  }

  /** The machine executed a step: the API's view follows. */
  changed(state: VoiceE2EEState): void {
    this.protocolVersion = state.protocolVersion;
    this.inTransition = false;
    this.state = state;
    this.hooks.changed(state);
  }

  outbound(opus: Uint8Array): Uint8Array | null {
    if (this.protocolVersion === 0) return opus;
    const session = this.session;
    if (session === null || !session.ready) {
      this.#unencryptedDropped += 1;
      return null;
    }
    try {
      return session.encryptOpus(Buffer.from(opus.buffer, opus.byteOffset, opus.byteLength));
    } catch (error) {
      this.#encryptFailures += 1;
      if (this.#encryptFailures === 1) {
        this.hooks.warn(new VoiceE2EEError('a frame did not DAVE-encrypt', error), 'frames are dropped');
      }
      return null;
    }
  }

  inbound(payload: Uint8Array, _ssrc: number, userId: string | null): Uint8Array | null {
    const session = this.session;
    if (session === null || userId === null) return this.protocolVersion === 0 ? payload : null;
    // Without a group key (still pending) a member sends in clear; a DAVE frame cannot be read then.
    if (!session.ready) return hasDaveMarker(payload) ? null : payload;
    if (this.protocolVersion === 0 && !hasDaveMarker(payload)) return payload;
    try {
      const opus = session.decrypt(
        userId,
        AUDIO,
        Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
      );
      this.#consecutiveFailures = 0;
      return opus;
    } catch {
      this.#decryptFailures += 1;
      if (!this.inTransition) this.#countFailure();
      return null;
    }
  }

  #countFailure(): void {
    this.#consecutiveFailures += 1;
    if (this.#consecutiveFailures <= this.tolerance || this.#failingReported) return;
    this.#failingReported = true;
    this.hooks.decryptFailing();
  }
}
