import { DAVESession } from '@snazzah/davey';
import { InvalidArgumentError } from '../../../errors.js';
import type { VoiceServerState } from '../voice-state.js';
import type { DaveCall } from './dave-call.js';
import { appendProposalsPayload } from './external-sender.js';
import type { ClientParticipant } from './participant.js';

/** A call's DAVE group as the fake sees it. */
export interface FakeDaveCallSnapshot {
  /** The call's channel id (also the MLS group id). */
  readonly channelId: string;
  /** The call's DAVE protocol version: 0 = no E2EE, 1 = E2EE. */
  readonly protocolVersion: number;
  /** 0 while no group is established. */
  readonly epoch: number;
  /** User id per MLS leaf index (null: a blank leaf). */
  readonly leaves: readonly (string | null)[];
}

/** DAVE faults the fake can inject towards the clients of a call (docs/protocol/voice.md §4.4). */
export type FakeDaveFault =
  /** op 27 with an Add signed by a key that is not the external sender: clients must refuse it. */
  | 'forged-proposal'
  /** op 27 with an Add for a user never announced by op 11: clients must refuse it. */
  | 'unknown-user-add'
  /** The next welcome (op 30) to a client is corrupted: it must answer op 31 and a new key package. */
  | 'corrupt-welcome'
  /** The next op 22 to a client is not sent: it must not stall for ever. */
  | 'drop-execute'
  /** The last commit is announced again (op 29) as a new transition: its epoch is stale, op 31 follows. */
  | 'stale-commit';

/**
 * The DAVE controls of a {@link FakeVoiceServer} (`server.dave`): the state of each call's group and
 * fault injection. Members join and leave with `server.addPeer()` and `peer.leave()`.
 */
export class FakeDaveControl {
  /** @internal */
  constructor(private readonly state: VoiceServerState) {}

  /** The call's group, or null when no client negotiated DAVE in it. */
  call(channelId: string): FakeDaveCallSnapshot | null {
    const call = this.state.dave.calls.get(channelId);
    if (call === undefined) return null;
    return {
      channelId,
      protocolVersion: call.protocolVersion,
      epoch: Number(call.epoch),
      leaves: [...call.leaves],
    };
  }

  /**
   * Ordering control for sessions described from now on: with `enabled`, the external sender (op 25) goes
   * out before Session Description (op 4), which Discord may do (docs/protocol/voice.md §4.4); a client must
   * keep it until its group state exists. Default: op 25 follows op 4.
   */
  sendExternalSenderBeforeSessionDescription(enabled = true): void {
    this.state.dave.externalSenderFirst = enabled;
  }

  /**
   * Downgrades `channelId`'s call to protocol version 0 (op 21 with version 0, then op 22 once every client
   * answered op 23): frames go with transport encryption only. docs/protocol/voice.md §4.4.
   */
  downgrade(channelId: string): void {
    this.#call(channelId).downgrade();
  }

  /**
   * Upgrades `channelId`'s call back to version 1 (op 24 `{ epoch: 1 }`): every member sends a fresh key
   * package and a new group forms. docs/protocol/voice.md §4.4.
   */
  upgrade(channelId: string): void {
    this.#call(channelId).upgrade();
  }

  #call(channelId: string): DaveCall {
    const call = this.state.dave.calls.get(channelId);
    if (call === undefined) throw new InvalidArgumentError(`no DAVE call in channel ${channelId}`);
    return call;
  }

  /** Injects `fault` towards every client session in `channelId`'s call. Resolves once it is sent or armed. */
  async inject(channelId: string, fault: FakeDaveFault): Promise<void> {
    const call = this.state.dave.calls.get(channelId);
    if (call === undefined) throw new InvalidArgumentError(`no DAVE call in channel ${channelId}`);
    const clients = [...call.participants.values()].filter(
      (member): member is ClientParticipant => member.kind === 'client',
    );
    switch (fault) {
      case 'forged-proposal':
      case 'unknown-user-add': {
        const stranger = new DAVESession(1, '999999999999999999', channelId);
        const keyPackage = stranger.getSerializedKeyPackage();
        const sender = this.state.dave.sender;
        const message =
          fault === 'forged-proposal'
            ? await sender.forgeAdd(channelId, call.epoch, keyPackage)
            : await sender.proposeAdd(channelId, call.epoch, keyPackage);
        const payload = appendProposalsPayload([message]);
        for (const client of clients) client.proposals(payload);
        return;
      }
      case 'corrupt-welcome':
        for (const client of clients) client.corruptNextWelcome = true;
        return;
      case 'drop-execute':
        for (const client of clients) client.dropNextExecute = true;
        return;
      case 'stale-commit': {
        const last = call.lastCommit;
        if (last === null) throw new InvalidArgumentError('no commit was announced in this call yet');
        for (const client of clients) client.announceCommit(0xfffe, last);
        return;
      }
    }
  }
}
