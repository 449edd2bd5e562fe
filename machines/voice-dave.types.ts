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
  | {
      /** Discriminant. */
      type: 'dave.protocol';
      /** The DAVE protocol version the server chose: 0 = no E2EE, 1 = E2EE. */
      version: number;
    }
  /** op 25 (binary): the voice gateway's MLS external sender. */
  | {
      /** Discriminant. */
      type: 'dave.externalSender';
      /** The serialized MLS external sender (op 25 body after the opcode). */
      payload: Uint8Array;
    }
  /** op 27 (binary): Add/Remove proposals from the external sender. */
  | {
      /** Discriminant. */
      type: 'dave.proposals';
      /** The op 27 body: operation type and serialized MLS proposals. */
      payload: Uint8Array;
    }
  /** op 29 (binary): the commit that won this epoch. */
  | {
      /** Discriminant. */
      type: 'dave.commit';
      /** The transition this commit belongs to (executed later by op 22). */
      transitionId: number;
      /** The serialized MLS commit message. */
      payload: Uint8Array;
    }
  /** op 30 (binary): a welcome into the group. */
  | {
      /** Discriminant. */
      type: 'dave.welcome';
      /** The transition this welcome belongs to (executed later by op 22). */
      transitionId: number;
      /** The serialized MLS welcome message. */
      payload: Uint8Array;
    }
  /** op 21 (JSON). */
  | {
      /** Discriminant. */
      type: 'dave.prepareTransition';
      /** The announced transition; 0 means execute immediately. */
      transitionId: number;
      /** The DAVE protocol version in force after the transition (0 = downgrade to no E2EE). */
      version: number;
    }
  /** op 22 (JSON). */
  | {
      /** Discriminant. */
      type: 'dave.executeTransition';
      /** The previously prepared transition to execute now. */
      transitionId: number;
    }
  /** op 24 (JSON). */
  | {
      /** Discriminant. */
      type: 'dave.prepareEpoch';
      /** The upcoming MLS epoch; 1 means a new group is being created. */
      epoch: number;
      /** The DAVE protocol version of that epoch. */
      version: number;
    }
  /** More consecutive frames than the tolerance failed to decrypt outside a transition. */
  | {
      /** Discriminant. */
      type: 'dave.decryptFailing';
    }
  /** The adapter answered proposals with our commit (op 28 sent). */
  | {
      /** Discriminant. */
      type: 'mls.committed';
    }
  /** The adapter applied a commit or welcome: the new epoch and members. */
  | {
      /** Discriminant. */
      type: 'mls.applied';
      /** The transition the applied commit or welcome belongs to. */
      transitionId: number;
      /** The MLS epoch the group is now in. */
      epoch: number;
      /** User ids in the group after applying it (ourselves included). */
      members: readonly string[];
    }
  /** The commit or welcome could not be applied. */
  | {
      /** Discriminant. */
      type: 'mls.invalid';
      /** The transition whose commit or welcome was rejected (reported with op 31). */
      transitionId: number;
    };

/** Commands to the MLS adapter (`src/voice/dave/`): it owns the davey session and writes ops 23/26/28/31. */
export type VoiceDaveCommand =
  /** A fresh local group state for `version` and a fresh key package (op 26). */
  | {
      /** Discriminant. */
      type: 'start';
      /** The DAVE protocol version to create the local group state for. */
      version: number;
    }
  /** Transport encryption only: no E2EE, receive passthrough. */
  | {
      /** Discriminant. */
      type: 'stop';
    }
  /** Hand the voice gateway's external sender (op 25) to the MLS session. */
  | {
      /** Discriminant. */
      type: 'setExternalSender';
      /** The serialized MLS external sender. */
      payload: Uint8Array;
    }
  /** Apply op 27 proposals and answer with our commit (op 28) when there is one. */
  | {
      /** Discriminant. */
      type: 'processProposals';
      /** The op 27 body: operation type and serialized MLS proposals. */
      payload: Uint8Array;
    }
  /** Apply the winning commit (op 29); the adapter answers `mls.applied` or `mls.invalid`. */
  | {
      /** Discriminant. */
      type: 'applyCommit';
      /** The transition the commit belongs to. */
      transitionId: number;
      /** The serialized MLS commit message. */
      payload: Uint8Array;
    }
  /** Join the group from a welcome (op 30); the adapter answers `mls.applied` or `mls.invalid`. */
  | {
      /** Discriminant. */
      type: 'applyWelcome';
      /** The transition the welcome belongs to. */
      transitionId: number;
      /** The serialized MLS welcome message. */
      payload: Uint8Array;
    }
  /** op 23 `{transition_id}`. */
  | {
      /** Discriminant. */
      type: 'transitionReady';
      /** The transition we are ready to execute. */
      transitionId: number;
    }
  /** Receivers accept unencrypted frames for `expirySec` (a downgrade or an upgrade is under way). */
  | {
      /** Discriminant. */
      type: 'passthrough';
      /** How long receivers keep accepting unencrypted frames, in seconds. */
      expirySec: number;
    }
  /** op 31 `{transition_id}`; the fresh local state and key package follow with `start`. */
  | {
      /** Discriminant. */
      type: 'recover';
      /** The transition whose commit or welcome was invalid. */
      transitionId: number;
    }
  /** The call's E2EE state changed (version, epoch, members): media and the API follow it. */
  | {
      /** Discriminant. */
      type: 'changed';
      /** The call's DAVE protocol version now in force: 0 = no E2EE, 1 = E2EE. */
      protocolVersion: number;
      /** The MLS epoch of our group; null while we have none. */
      epoch: number | null;
      /** User ids in our group (ourselves included). */
      members: readonly string[];
    };

/** Input of the DAVE region (and of its MLS adapter). */
export interface VoiceDaveInput {
  /** The guild of the voice connection: the key of its MLS session in the adapter. */
  readonly guildId: string;
}
