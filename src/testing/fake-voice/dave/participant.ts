import { VoiceOpcodes } from 'discord-api-types/voice/v8';
import type { VoiceSession } from '../session.js';

/**
 * Someone in a DAVE call as the fake's group logic sees it: a client session (messages go over its voice
 * WebSocket) or a fake call member (messages go straight to its davey session). docs/protocol/voice.md §4.4.
 */
export interface DaveParticipant {
  readonly userId: string;
  readonly kind: 'client' | 'peer';
  externalSender(payload: Uint8Array): void;
  proposals(payload: Uint8Array): void;
  announceCommit(transitionId: number, commit: Uint8Array): void;
  welcome(transitionId: number, welcome: Uint8Array): void;
  prepareTransition(transitionId: number, protocolVersion: number): void;
  executeTransition(transitionId: number): void;
  prepareEpoch(epoch: number, protocolVersion: number): void;
  /** Fake members only: whether to answer proposals with a commit. */
  setCommits?(commits: boolean): void;
}

/** u16 BE transition id + payload: ops 29 and 30 (docs/protocol/voice.md §4.3). */
export function withTransitionId(transitionId: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(2 + payload.length);
  out.writeUInt16BE(transitionId, 0);
  out.set(payload, 2);
  return out;
}

/** A client session in a DAVE call: every message is sequenced (and so replayed after a resume). */
export class ClientParticipant implements DaveParticipant {
  readonly kind = 'client';
  /** Set by fault injection: the next op 22 to this client is not sent. */
  dropNextExecute = false;
  /** Set by fault injection: the next welcome to this client is corrupted. */
  corruptNextWelcome = false;

  constructor(readonly session: VoiceSession) {}

  get userId(): string {
    return this.session.userId;
  }

  externalSender(payload: Uint8Array): void {
    this.session.sendSequencedBinary(VoiceOpcodes.DaveMlsExternalSender, payload);
  }
  proposals(payload: Uint8Array): void {
    this.session.sendSequencedBinary(VoiceOpcodes.DaveMlsProposals, payload);
  }
  announceCommit(transitionId: number, commit: Uint8Array): void {
    const payload = withTransitionId(transitionId, commit);
    this.session.sendSequencedBinary(VoiceOpcodes.DaveMlsAnnounceCommitTransition, payload);
  }
  welcome(transitionId: number, welcome: Uint8Array): void {
    const payload = withTransitionId(transitionId, welcome);
    if (this.corruptNextWelcome) {
      this.corruptNextWelcome = false;
      // Flip bytes in the middle: the HPKE-sealed group secrets no longer open.
      for (let i = Math.floor(payload.length / 2); i < payload.length / 2 + 8; i++) payload[i]! ^= 0xff;
    }
    this.session.sendSequencedBinary(VoiceOpcodes.DaveMlsWelcome, payload);
  }
  prepareTransition(transitionId: number, protocolVersion: number): void {
    const d = { transition_id: transitionId, protocol_version: protocolVersion };
    this.session.sendSequenced(VoiceOpcodes.DavePrepareTransition, d);
  }
  executeTransition(transitionId: number): void {
    if (this.dropNextExecute) {
      this.dropNextExecute = false;
      return;
    }
    this.session.sendSequenced(VoiceOpcodes.DaveExecuteTransition, { transition_id: transitionId });
  }
  prepareEpoch(epoch: number, protocolVersion: number): void {
    this.session.sendSequenced(VoiceOpcodes.DavePrepareEpoch, { epoch, protocol_version: protocolVersion });
  }
}
