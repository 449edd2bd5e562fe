import type { Peer } from '../peer.js';
import type { VoiceSession } from '../session.js';
import { DaveCall, type DaveCallEvents } from './dave-call.js';
import { DaveExternalSender } from './external-sender.js';
import { ClientParticipant } from './participant.js';
import { DavePeerMember, type DavePeerReplies } from './peer-member.js';

/** How long the fake waits for every client's op 23 before it executes a transition anyway. */
export const DAVE_TRANSITION_TIMEOUT_MS = 3000;

/**
 * The DAVE side of a fake voice server: one external sender (as Discord's voice gateway has), one
 * {@link DaveCall} per channel with a client that negotiated protocol version 1, each fake member's davey
 * session per call, and the routing of ops 23/26/28/31 to the right call (docs/protocol/voice.md §4).
 */
export class DaveCalls {
  readonly sender = new DaveExternalSender();
  readonly calls = new Map<string, DaveCall>();
  /** When set, a session's op 25 is sent before its Session Description (op 4) instead of after it. */
  externalSenderFirst = false;
  private readonly clients = new Map<VoiceSession, ClientParticipant>();
  private readonly members = new Map<Peer, Map<string, DavePeerMember>>();
  private readonly replies: DavePeerReplies;

  constructor(
    private readonly events: DaveCallEvents,
    private readonly peersIn: (channelId: string) => readonly Peer[],
  ) {
    this.replies = {
      keyPackage: (from, kp) => this.calls.get(from.channelId)?.keyPackage(from.userId, kp),
      commitWelcome: (from, commit, welcome) =>
        this.calls
          .get(from.channelId)
          ?.commitWelcome(from.userId, welcome === null ? commit : Buffer.concat([commit, welcome])),
      transitionReady: (from, id) => this.calls.get(from.channelId)?.transitionReady(from.userId, id),
      invalidCommitWelcome: (from, id) =>
        this.calls.get(from.channelId)?.invalidCommitWelcome(from.userId, id),
    };
  }

  /** op 4 went out with version 1: the session joins its call's group (op 25 follows at once). */
  sessionDescribed(session: VoiceSession): void {
    if (this.clients.has(session)) return;
    const call = this.call(session.channelId);
    const participant = new ClientParticipant(session);
    this.clients.set(session, participant);
    for (const member of this.peerMembers(session.channelId)) member.recognised.add(session.userId);
    call.join(participant);
  }

  /** The client's participant (fault injection), or undefined. */
  client(session: VoiceSession): ClientParticipant | undefined {
    return this.clients.get(session);
  }

  keyPackage(session: VoiceSession, payload: Uint8Array): void {
    if (this.clients.has(session)) this.calls.get(session.channelId)?.keyPackage(session.userId, payload);
  }

  commitWelcome(session: VoiceSession, payload: Uint8Array): void {
    if (this.clients.has(session)) this.calls.get(session.channelId)?.commitWelcome(session.userId, payload);
  }

  transitionReady(session: VoiceSession, transitionId: number): void {
    this.calls.get(session.channelId)?.transitionReady(session.userId, transitionId);
  }

  invalidCommitWelcome(session: VoiceSession, transitionId: number): void {
    this.calls.get(session.channelId)?.invalidCommitWelcome(session.userId, transitionId);
  }

  /** The session ended: it leaves its call's group. */
  sessionEnded(session: VoiceSession): void {
    if (!this.clients.delete(session)) return;
    const call = this.calls.get(session.channelId);
    for (const member of this.peerMembers(session.channelId)) member.recognised.delete(session.userId);
    call?.leave(session.userId);
  }

  /** A fake member arrived: it joins every DAVE call it is in, as a pending member. */
  peerArrived(peer: Peer): void {
    for (const call of this.calls.values()) {
      if (peer.isIn('', call.channelId)) this.addMember(call, peer);
    }
  }

  /** A fake member left: it leaves every call's group. */
  peerLeft(peer: Peer): void {
    const byChannel = this.members.get(peer);
    if (byChannel === undefined) return;
    this.members.delete(peer);
    for (const channelId of byChannel.keys()) {
      for (const member of this.peerMembers(channelId)) member.recognised.delete(peer.userId);
      this.calls.get(channelId)?.leave(peer.userId);
    }
  }

  /** A fake member's davey session in `channelId`'s call, if it is in it. */
  member(peer: Peer, channelId: string): DavePeerMember | undefined {
    return this.members.get(peer)?.get(channelId);
  }

  close(): void {
    for (const call of this.calls.values()) call.close();
  }

  private call(channelId: string): DaveCall {
    let call = this.calls.get(channelId);
    if (call !== undefined) return call;
    call = new DaveCall(channelId, this.sender, this.events, DAVE_TRANSITION_TIMEOUT_MS);
    this.calls.set(channelId, call);
    for (const peer of this.peersIn(channelId)) this.addMember(call, peer);
    return call;
  }

  private addMember(call: DaveCall, peer: Peer): void {
    const member = new DavePeerMember(peer.userId, call.channelId, this.replies);
    for (const other of call.participants.keys()) member.recognised.add(other);
    for (const other of this.peerMembers(call.channelId)) other.recognised.add(peer.userId);
    let byChannel = this.members.get(peer);
    if (byChannel === undefined) this.members.set(peer, (byChannel = new Map<string, DavePeerMember>()));
    byChannel.set(call.channelId, member);
    call.join(member);
    member.start();
  }

  private peerMembers(channelId: string): DavePeerMember[] {
    const out: DavePeerMember[] = [];
    for (const byChannel of this.members.values()) {
      const member = byChannel.get(channelId);
      if (member !== undefined) out.push(member);
    }
    return out;
  }
}
