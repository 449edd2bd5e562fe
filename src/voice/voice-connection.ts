import type { ActorRefFrom, SnapshotFrom } from 'xstate';
import type { VoiceDisconnection, VoiceEmitted, voiceMachine } from '../../machines/index.js';
import {
  InvalidArgumentError,
  ListenerError,
  VoiceDisconnectedError,
  VoiceLeftError,
  VoiceTimeoutError,
} from '../errors.js';
import { handledRejection, StartWaiters } from '../shard/start-waiters.js';
import { reportUnheardWarning } from '../util/process-warning.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { AudioPlayback, AudioSource, PlayOptions } from './audio-playback.js';
import type { VoiceDaveSession, VoiceE2EEState, VoiceE2EEStats } from './dave/dave-session.js';
import type { VoiceMedia } from './voice-media.js';
import type { VoiceReceiver } from './voice-receiver.js';
import { voiceStatus } from './voice-status.js';
import type { VoiceConnectionStatus } from './voice-status.js';

/** A running voice machine: a child of its shard's actor. */
export type VoiceActorRef = ActorRefFrom<typeof voiceMachine>;

/** Events of a {@link VoiceConnection}. */
export interface VoiceConnectionEvents {
  /** Ready for the first time: media flows. */
  ready: {
    /** The channel the bot is connected in. */
    readonly channelId: string;
  };
  /** Ready again after a reconnect: `resumed` (the session was resumed) or a fresh session. */
  reconnected: {
    /** True when the voice session was resumed; false when a fresh one was established. */
    readonly resumed: boolean;
  };
  /** Disconnected, with why (`CloseCode` with the code, `EndpointRemoved`, `TimedOut`, `Left`, …). */
  disconnected: VoiceDisconnection;
  /** The lifecycle state changed. */
  stateChange: {
    /** The status before. */
    readonly from: VoiceConnectionStatus;
    /** The status now. */
    readonly to: VoiceConnectionStatus;
  };
  /** A user started or stopped speaking (their audio arrives through `receiver`). */
  speaking: {
    /** The user whose speaking state changed. */
    readonly userId: string;
    /** True when they started speaking, false when they stopped. */
    readonly speaking: boolean;
  };
  /** The call's end-to-end encryption changed: a group formed, a member joined or left (new epoch), E2EE ended. */
  e2eeChange: VoiceE2EEState;
  /** A fault the connection recovers from (a failed socket, an unreadable frame or packet, a throwing listener). */
  warning: {
    /** What went wrong (a statecord error with a `code` where statecord raised it). */
    readonly error: Error;
    /** Where it happened and what the connection does about it, in words. */
    readonly context: string;
  };
}

/**
 * One voice connection of a guild (Discore's `DiscordVoiceConnection`), owned by the shard that holds
 * the guild. Its lifecycle is the `voiceMachine` (statecord/machines), a child actor of the shard's.
 * Created by `shard.voice.join()` (or `manager.voice.join()`).
 *
 * @example
 * ```ts
 * import { oggOpusFile } from 'statecord';
 * import type { Shard } from 'statecord';
 *
 * declare const shard: Shard; // a started shard with the GuildVoiceStates intent
 * const connection = await shard.voice.join(process.env.GUILD_ID!, process.env.CHANNEL_ID!);
 * await connection.play(oggOpusFile('./song.ogg')).finished;
 * await connection.leave();
 * ```
 */
export class VoiceConnection extends TypedEmitter<VoiceConnectionEvents> {
  /** The guild this connection belongs to. */
  readonly guildId: string;
  readonly #actor: VoiceActorRef;
  readonly #media: VoiceMedia;
  readonly #dave: VoiceDaveSession;
  readonly #readyWaiters = new StartWaiters();
  #status: VoiceConnectionStatus = 'idle';
  #hasBeenReady = false;
  #ping: number | null = null;
  #left = false;
  #done: Promise<void>;
  #markDone!: () => void;

  /** @internal */
  constructor(init: {
    readonly guildId: string;
    readonly actor: VoiceActorRef;
    readonly media: VoiceMedia;
    readonly dave: VoiceDaveSession;
  }) {
    super();
    this.guildId = init.guildId;
    this.#actor = init.actor;
    this.#media = init.media;
    this.#dave = init.dave;
    this.#done = new Promise((resolve) => (this.#markDone = resolve));
    this.#wire();
  }

  /** The lifecycle state. */
  get state(): VoiceConnectionStatus {
    return this.#status;
  }

  /** The channel the bot is in, as Discord last said (or the one asked for, before it said). */
  get channelId(): string {
    const context = this.#actor.getSnapshot().context;
    return context.joinedChannelId ?? context.channelId;
  }

  /** Round trip of the last acknowledged voice heartbeat, in ms; null before the first. */
  get ping(): number | null {
    return this.#ping;
  }

  /** Why the connection is disconnected, while it is. */
  get disconnection(): VoiceDisconnection | null {
    return this.#actor.getSnapshot().context.disconnection;
  }

  /**
   * The call's end-to-end encryption (DAVE, docs/protocol/voice.md §4): protocol version (0 = transport
   * encryption only), MLS epoch and the members of the group.
   */
  get e2ee(): VoiceE2EEState {
    return this.#dave.state;
  }

  /** Frames the end-to-end layer did not carry (never sent in clear; dropped and counted). */
  get e2eeStats(): VoiceE2EEStats {
    return this.#dave.stats;
  }

  /**
   * The voice privacy code: 30 digits in groups of 5, equal on every member's screen when nobody is in
   * the middle. Null until an E2EE group is established.
   */
  get privacyCode(): string | null {
    return this.#dave.privacyCode;
  }

  /**
   * The 45-digit verification code shared with `userId` (compare it out of band to verify that user's
   * key). Rejects with `VoiceE2EEError` when there is no E2EE group or the user is not in it.
   */
  verificationCode(userId: string): Promise<string> {
    return this.#dave.verificationCode(userId);
  }

  /** What other users in the channel send: subscribe to a user's Opus packets. */
  get receiver(): VoiceReceiver {
    return this.#media.receiver;
  }

  /** The voice machine's snapshot (no secrets in it). */
  get snapshot(): SnapshotFrom<typeof voiceMachine> {
    return this.#actor.getSnapshot();
  }

  /**
   * Plays Opus audio: Opus packets (an `AsyncIterable<Uint8Array>` or a `Readable`), an Ogg/Opus
   * stream or file (`oggOpusFile(path)`), or PCM through an Opus encoder. A playing source is
   * replaced. Frames are sent while the connection is ready and dropped while it reconnects.
   */
  play(source: AudioSource, options: PlayOptions = {}): AudioPlayback {
    return this.#media.play(source, options, (speaking) =>
      this.#actor.send({ type: 'voice.speak', speaking }),
    );
  }

  /** Moves to another channel of the guild (op 4); the connection reconnects to it by itself. */
  move(channelId: string): void {
    if (!/^\d{1,20}$/.test(channelId)) throw new InvalidArgumentError('channelId must be a snowflake string');
    this.#actor.send({ type: 'voice.move', channelId });
  }

  /** Mutes or deafens the bot (op 4). */
  setSelf(options: { readonly selfMute: boolean; readonly selfDeaf: boolean }): void {
    this.#actor.send({ type: 'voice.setSelf', selfMute: options.selfMute, selfDeaf: options.selfDeaf });
  }

  /** Asks again after a disconnection; resolves when ready. */
  rejoin(): Promise<void> {
    const ready = this.whenReady();
    this.#actor.send({ type: 'voice.rejoin' });
    return ready;
  }

  /**
   * Leaves the channel (op 4 with no channel) and destroys the connection: no socket or timer is left.
   * Resolves once it is destroyed. A pending join rejects with `VoiceLeftError`.
   */
  async leave(): Promise<void> {
    if (!this.#left) {
      this.#left = true;
      this.#readyWaiters.settle(new VoiceLeftError(this.guildId));
      if (this.#actor.getSnapshot().status === 'active') this.#actor.send({ type: 'voice.leave' });
    }
    await this.#done;
  }

  /** Resolves when ready (at once if it is); rejects if disconnected or left first. @internal */
  whenReady(): Promise<void> {
    if (this.#status === 'ready') return Promise.resolve();
    if (this.#status === 'destroyed') return handledRejection(new VoiceLeftError(this.guildId));
    return this.#readyWaiters.add();
  }

  /** A main-gateway update for this connection (VOICE_STATE_UPDATE, VOICE_SERVER_UPDATE). @internal */
  forward(
    event:
      | { type: 'gateway.voiceState'; sessionId: string; channelId: string | null }
      | { type: 'gateway.voiceServer'; endpoint: string | null },
  ): void {
    if (this.#actor.getSnapshot().status === 'active') this.#actor.send(event);
  }

  /** Starts signalling (op 4). @internal */
  join(): void {
    this.#actor.send({ type: 'voice.join' });
  }

  /** The owning shard's news: it re-identified, or stopped for good. @internal */
  shardChanged(change: 'sessionReplaced' | 'unavailable'): void {
    if (this.#actor.getSnapshot().status !== 'active') return;
    this.#actor.send({ type: change === 'sessionReplaced' ? 'shard.sessionReplaced' : 'shard.unavailable' });
  }

  /** A media observation (ping, warnings). @internal */
  observePing(latencyMs: number): void {
    this.#ping = latencyMs;
  }

  /** The DAVE region executed a step: the API's view changed. @internal */
  e2eeChanged(state: VoiceE2EEState): void {
    this.emit('e2eeChange', state);
  }

  /** Too many frames failed to decrypt: the DAVE region recovers (op 31). @internal */
  daveDecryptFailing(): void {
    if (this.#actor.getSnapshot().status === 'active') this.#actor.send({ type: 'dave.decryptFailing' });
  }

  /** Reports a fault the connection recovers from. @internal */
  warn(error: Error, context: string): void {
    if (!this.emit('warning', { error, context })) reportUnheardWarning(error, context);
  }

  /** Resolves once the connection is destroyed. @internal */
  get destroyed(): Promise<void> {
    return this.#done;
  }

  #wire(): void {
    this.#media.onSpeaking = (userId, speaking) => this.emit('speaking', { userId, speaking });
    this.#actor.on('*', (emitted: VoiceEmitted) => this.#onEmitted(emitted));
    this.#actor.subscribe({
      next: (snapshot) => {
        const to = snapshot.status === 'done' ? 'destroyed' : voiceStatus(snapshot.value);
        if (to !== this.#status) {
          const from = this.#status;
          this.#status = to;
          this.emit('stateChange', { from, to });
        }
        if (snapshot.status === 'done') this.#finish();
      },
      error: (error) => {
        this.warn(
          error instanceof Error ? error : new Error(String(error)),
          'the voice machine stopped with an error',
        );
        this.#finish();
      },
      complete: () => this.#finish(),
    });
  }

  #onEmitted(emitted: VoiceEmitted): void {
    switch (emitted.type) {
      case 'voice.ready':
        this.#readyWaiters.settle(null);
        if (!this.#hasBeenReady) {
          this.#hasBeenReady = true;
          this.emit('ready', { channelId: this.channelId });
        } else this.emit('reconnected', { resumed: emitted.resumed });
        return;
      case 'voice.disconnected': {
        const { disconnection } = emitted;
        if (disconnection.reason !== 'Left') {
          this.#readyWaiters.settle(
            new VoiceDisconnectedError(this.guildId, disconnection.reason, disconnection.closeCode),
          );
        }
        this.emit('disconnected', disconnection);
        return;
      }
      case 'voice.timedOut':
        this.warn(new VoiceTimeoutError(this.guildId, emitted.awaited), 'the voice connection retries');
        return;
      case 'gateway.updateVoiceState':
        // Sent by the shard (ShardVoice listens to this too).
        return;
    }
  }

  #finish(): void {
    if (this.#status !== 'destroyed') {
      const from = this.#status;
      this.#status = 'destroyed';
      this.emit('stateChange', { from, to: 'destroyed' });
    }
    this.#readyWaiters.settle(new VoiceLeftError(this.guildId));
    this.#media.close();
    this.#markDone();
  }

  protected override onListenerError(event: string, error: unknown): void {
    const wrapped = new ListenerError(event, error);
    if (event === 'warning') reportUnheardWarning(wrapped);
    else this.warn(wrapped, `a listener for "${event}" failed`);
  }
}
