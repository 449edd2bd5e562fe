import { randomInt } from 'node:crypto';
import { VoiceOpcodes } from 'discord-api-types/voice/v8';
import { InvalidArgumentError } from '../../errors.js';
import type { VoiceConnection } from './connection.js';
import { Grant, GrantRegistry, newVoiceToken } from './grants.js';
import {
  isSnowflake,
  type FakeVoicePeerInit,
  type ResolvedFakeVoiceServerOptions,
  type VoiceChannelKind,
} from './options.js';
import type { DaveCalls } from './dave/dave-calls.js';
import { Peer } from './peer.js';
import { VoiceSession, type VoiceSessionOwner } from './session.js';
import { UdpFaults } from './udp-faults.js';
import { UpgradeHold } from './upgrade-hold.js';
import type { VoiceUdp } from './udp-socket.js';
import type { VoiceGrantRequest, VoiceSignalling } from './types.js';
import { VoiceRecords, type VoiceEmit } from './voice-records.js';

/** A live session's socket, able to close; the connection class implements it. */
export interface ClosableOwner extends VoiceSessionOwner {
  closeWith(code: number, reason?: string): void;
}

/**
 * Everything the sockets of one fake voice server share: options, grants, sessions, call members,
 * UDP faults, records and timers. Handlers receive it instead of the public {@link FakeVoiceServer}.
 */
export class VoiceServerState extends VoiceRecords {
  readonly grants = new GrantRegistry();
  /** Live sessions by token (one per grant). */
  readonly sessions = new Map<string, VoiceSession>();
  readonly bySsrc = new Map<number, VoiceSession>();
  readonly connections = new Map<number, VoiceConnection>();
  readonly peers: Peer[] = [];
  readonly faults = new UdpFaults();
  /** Upgrade requests held by `holdUpgrades`. */
  readonly upgrades = new UpgradeHold();
  /** DAVE: the external sender, one MLS group per call, the members' davey sessions. */
  readonly dave: DaveCalls;
  endpoint = '';
  udp: VoiceUdp | null = null;
  closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Set<() => void>();
  private readonly usedSsrcs = new Set<number>();
  private nextConnectionId = 1;

  constructor(
    readonly options: ResolvedFakeVoiceServerOptions,
    emit: VoiceEmit,
    /** The DAVE side's class, loaded lazily (`load-fake-dave.ts`: its MLS sender needs optional peers). */
    Dave: typeof DaveCalls,
  ) {
    super(emit);
    for (const peer of options.peers) this.peers.push(new Peer(this, peer.userId, peer.channelId ?? null));
    this.dave = new Dave(
      {
        transition: (record) => this.emit('daveTransition', record),
        rejected: (userId, reason) => this.emit('daveRejected', { userId, reason, at: Date.now() }),
      },
      (channelId) => this.peers.filter((peer) => peer.present && peer.isIn('', channelId)),
    );
  }

  allocateConnectionId(): number {
    this.count('connections');
    return this.nextConnectionId++;
  }

  /** A random non-zero u32 no other session or member of this server uses. */
  allocateSsrc(): number {
    let ssrc: number;
    do ssrc = randomInt(1, 2 ** 32 - 1);
    while (this.usedSsrcs.has(ssrc));
    this.usedSsrcs.add(ssrc);
    return ssrc;
  }

  /** A timer that `shutdown()` clears. */
  schedule(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  /** Resolves true after `ms`, or false at once when the server closes first. */
  sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = (): void => {
        this.sleepers.delete(wake);
        resolve(false);
      };
      this.sleepers.add(wake);
      this.schedule(() => {
        this.sleepers.delete(wake);
        resolve(!this.closed);
      }, ms);
    });
  }

  /** The kind of a call: the server's `channels` entry, else what the gateway said, else the default. */
  channelKindFor(channelId: string, given: VoiceChannelKind | undefined): VoiceChannelKind {
    return this.options.channels[channelId] ?? given ?? this.options.defaultChannelKind;
  }

  /**
   * Registers an Identify to accept (what the main gateway does before VOICE_SERVER_UPDATE). A member has one
   * voice state per guild, so older live grants of the same guild and user are revoked (their sockets stay
   * open until the caller closes them).
   */
  authorize(request: VoiceGrantRequest, signalling: VoiceSignalling | null): Grant {
    const { guildId, channelId, userId, sessionId } = request;
    if (![guildId, channelId, userId].every(isSnowflake)) {
      throw new InvalidArgumentError('authorize needs snowflake guildId, channelId and userId');
    }
    if (typeof sessionId !== 'string' || sessionId.length === 0) {
      throw new InvalidArgumentError('authorize needs a non-empty sessionId');
    }
    const token = request.token ?? newVoiceToken();
    if (token.length === 0 || this.grants.get(token) !== undefined) {
      throw new InvalidArgumentError('authorize needs a token not used before on this server');
    }
    for (const old of this.grants.live(guildId, userId)) this.revoke(old, null);
    const grant = new Grant(
      guildId,
      channelId,
      userId,
      sessionId,
      token,
      this.endpoint,
      this.channelKindFor(channelId, request.channelKind),
      { selfMute: request.selfMute ?? false, selfDeaf: request.selfDeaf ?? false },
      signalling,
    );
    this.grants.add(grant);
    return grant;
  }

  /**
   * Withdraws a grant: Identify/Resume with its token get 4006 from now on. With a `closeCode`, its live
   * session ends too and the socket is closed with that code; with null the socket stays open until the
   * client leaves (the session then ends, unresumable). Idempotent; a later call may still close.
   */
  revoke(grant: Grant, closeCode: number | null): void {
    grant.revoked = true;
    if (closeCode === null) return;
    const session = this.sessions.get(grant.token);
    if (session === undefined) return;
    const owner = session.connection as ClosableOwner | null;
    if (owner !== null) owner.closeWith(closeCode);
    if (session.status !== 'destroyed') this.destroySession(session);
  }

  /** Adds a call member; the sessions of its calls get Clients Connect (op 11, docs/protocol/voice.md §2.2). */
  addPeer(init: FakeVoicePeerInit): Peer {
    if (!isSnowflake(init.userId) || (init.channelId !== undefined && !isSnowflake(init.channelId))) {
      throw new InvalidArgumentError('a peer needs snowflake user and channel ids');
    }
    if (this.peers.some((peer) => peer.present && peer.userId === init.userId)) {
      throw new InvalidArgumentError(`peer ${init.userId} is already in a call`);
    }
    const peer = new Peer(this, init.userId, init.channelId ?? null);
    this.peers.push(peer);
    for (const session of this.sessions.values()) {
      if (peer.isIn(session.guildId, session.channelId) && session.userId !== peer.userId) {
        session.sendSequenced(VoiceOpcodes.ClientsConnect, { user_ids: [peer.userId] });
      }
    }
    // Clients learn of the member (op 11) before its Add proposal can reach them.
    this.dave.peerArrived(peer);
    return peer;
  }

  /** Live sessions of one call. */
  sessionsInCall(guildId: string, channelId: string): VoiceSession[] {
    return [...this.sessions.values()].filter(
      (session) => session.guildId === guildId && session.channelId === channelId,
    );
  }

  /** Members present in one call (a peer without a channel is in every call). */
  peersInCall(guildId: string, channelId: string): Peer[] {
    return this.peers.filter((peer) => peer.present && peer.isIn(guildId, channelId));
  }

  /** User ids of everyone else in `session`'s call, for Clients Connect (op 11). */
  othersInCall(session: VoiceSession): string[] {
    const ids = new Set<string>();
    for (const peer of this.peersInCall(session.guildId, session.channelId)) ids.add(peer.userId);
    for (const other of this.sessionsInCall(session.guildId, session.channelId)) ids.add(other.userId);
    ids.delete(session.userId);
    return [...ids];
  }

  /** Starts a session for an accepted Identify; a session the grant had is replaced (its socket closed with 4014). */
  startSession(grant: Grant, maxDaveProtocolVersion: number): VoiceSession {
    const previous = this.sessions.get(grant.token);
    if (previous !== undefined) {
      (previous.connection as ClosableOwner | null)?.closeWith(4014);
      if (previous.status !== 'destroyed') this.destroySession(previous);
    }
    const session = new VoiceSession(this, grant, maxDaveProtocolVersion);
    this.sessions.set(grant.token, session);
    this.bySsrc.set(session.ssrc, session);
    return session;
  }

  /** Tells the rest of the call that `session`'s user arrived (op 11, docs/protocol/voice.md §2.2). */
  announceArrival(session: VoiceSession): void {
    for (const other of this.sessionsInCall(session.guildId, session.channelId)) {
      if (other !== session && other.userId !== session.userId) {
        other.sendSequenced(VoiceOpcodes.ClientsConnect, { user_ids: [session.userId] });
      }
    }
  }

  /** Keeps a session resumable for `sessionTtlMs` after its socket went away. */
  detachSession(session: VoiceSession, owner: VoiceSessionOwner): void {
    session.detach(owner, this.options.sessionTtlMs, () => this.destroySession(session));
  }

  /** Ends a session for good; the rest of the call gets Client Disconnect (op 13). */
  destroySession(session: VoiceSession): void {
    if (this.sessions.get(session.token) === session) this.sessions.delete(session.token);
    if (this.bySsrc.get(session.ssrc) === session) this.bySsrc.delete(session.ssrc);
    session.markDestroyed();
    this.dave.sessionEnded(session);
    const stillThere = this.sessionsInCall(session.guildId, session.channelId);
    if (!stillThere.some((other) => other.userId === session.userId)) {
      for (const other of stillThere) {
        other.sendSequenced(VoiceOpcodes.ClientDisconnect, { user_id: session.userId });
      }
    }
    this.emit('sessionEnd', { sessionId: session.id, userId: session.userId, at: Date.now() });
  }

  /** Stops every timer and sleeper; sessions end without notifying anyone. */
  shutdown(): void {
    this.closed = true;
    this.upgrades.clear();
    this.dave.close();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of [...this.sleepers]) wake();
    this.faults.clear();
    for (const session of [...this.sessions.values()]) {
      this.sessions.delete(session.token);
      session.markDestroyed();
    }
    this.bySsrc.clear();
  }
}
