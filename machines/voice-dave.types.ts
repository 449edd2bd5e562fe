/** What the DAVE region knows (docs/protocol/voice.md §4): no key material, only the call's public facts. */
export interface VoiceDaveContext {
  /** The guild of the voice connection: how the adapter finds its MLS session. */
  readonly guildId: string;
  /** The call's DAVE protocol version: 0 = transport encryption only (passthrough), 1 = E2EE. */
  protocolVersion: number;
  /** The MLS epoch of our group; null while we have none. */
  epoch: number | null;
  /** User ids in our group (ourselves included), as of the last applied commit or welcome. */
  members: readonly string[];
  /** Transitions prepared (op 21, or our applied commit/welcome) and not executed yet: id → version. */
  pendingTransitions: Readonly<Record<string, number>>;
  /** The transition we sent op 23 for and wait to see executed (op 22). */
  transitionId: number | null;
  /** How many times we reported an invalid commit/welcome (op 31) or decrypt failures. */
  recoveries: number;
}

/** Events of the DAVE region: protocol ops (payloads stay opaque) and results of the MLS adapter. */
export type VoiceDaveEvent =
  /** op 4 SESSION_DESCRIPTION's `dave_protocol_version`. */
  | { type: 'dave.protocol'; version: number }
  /** op 25 (binary): the voice gateway's MLS external sender. */
  | { type: 'dave.externalSender'; payload: Uint8Array }
  /** op 27 (binary): Add/Remove proposals from the external sender. */
  | { type: 'dave.proposals'; payload: Uint8Array }
  /** op 29 (binary): the commit that won this epoch. */
  | { type: 'dave.commit'; transitionId: number; payload: Uint8Array }
  /** op 30 (binary): a welcome into the group. */
  | { type: 'dave.welcome'; transitionId: number; payload: Uint8Array }
  /** op 21 (JSON). */
  | { type: 'dave.prepareTransition'; transitionId: number; version: number }
  /** op 22 (JSON). */
  | { type: 'dave.executeTransition'; transitionId: number }
  /** op 24 (JSON). */
  | { type: 'dave.prepareEpoch'; epoch: number; version: number }
  /** More consecutive frames than the tolerance failed to decrypt outside a transition. */
  | { type: 'dave.decryptFailing' }
  /** The adapter answered proposals with our commit (op 28 sent). */
  | { type: 'mls.committed' }
  /** The adapter applied a commit or welcome: the new epoch and members. */
  | { type: 'mls.applied'; transitionId: number; epoch: number; members: readonly string[] }
  /** The commit or welcome could not be applied. */
  | { type: 'mls.invalid'; transitionId: number };

/** Commands to the MLS adapter (`src/voice/dave/`): it owns the davey session and writes ops 23/26/28/31. */
export type VoiceDaveCommand =
  /** A fresh local group state for `version` and a fresh key package (op 26). */
  | { type: 'start'; version: number }
  /** Transport encryption only: no E2EE, receive passthrough. */
  | { type: 'stop' }
  | { type: 'setExternalSender'; payload: Uint8Array }
  | { type: 'processProposals'; payload: Uint8Array }
  | { type: 'applyCommit'; transitionId: number; payload: Uint8Array }
  | { type: 'applyWelcome'; transitionId: number; payload: Uint8Array }
  /** op 23 `{transition_id}`. */
  | { type: 'transitionReady'; transitionId: number }
  /** Receivers accept unencrypted frames for `expirySec` (a downgrade or an upgrade is under way). */
  | { type: 'passthrough'; expirySec: number }
  /** op 31 `{transition_id}`; the fresh local state and key package follow with `start`. */
  | { type: 'recover'; transitionId: number }
  /** The call's E2EE state changed (version, epoch, members): media and the API follow it. */
  | { type: 'changed'; protocolVersion: number; epoch: number | null; members: readonly string[] };

/** Input of the DAVE region (and of its MLS adapter). */
export interface VoiceDaveInput {
  readonly guildId: string;
}
