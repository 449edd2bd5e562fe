import { decodeMlsMessage } from 'ts-mls';
import { appendProposalsPayload, type DaveExternalSender, splitCommitWelcome } from './external-sender.js';
import type { DaveParticipant } from './participant.js';

/** What the call reports to the server's records. */
export interface DaveCallEvents {
  transition(record: DaveTransitionRecord): void;
  rejected(userId: string, reason: string): void;
}

/** One MLS transition the fake ran (docs/protocol/voice.md §4.4). */
export interface DaveTransitionRecord {
  /** The call's channel id (also the MLS group id). */
  readonly channelId: string;
  /** The transition id announced with op 21/29/30 (0 for a sole-member reset). */
  readonly transitionId: number;
  /** The MLS epoch the group is in after this transition. */
  readonly epoch: number;
  /** User id whose commit won the epoch; null when the server itself reset or changed the group. */
  readonly committer: string | null;
  /** User ids the transition added to the group. */
  readonly added: readonly string[];
  /** User ids the transition removed from the group. */
  readonly removed: readonly string[];
  /** Why the transition ran: a member's winning commit, a sole-member reset, or a protocol downgrade/upgrade. */
  readonly kind: 'commit' | 'sole-member-reset' | 'downgrade' | 'upgrade';
  /** When the server announced it, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/** Proposals sent and not yet committed. */
interface Outstanding {
  readonly epoch: bigint;
  /** Per committer, who its commit adds (in proposal order); for an established group, the same for all. */
  readonly adds: ReadonlyMap<string, readonly string[]>;
  readonly removes: readonly number[];
}

/** A transition waiting for op 23 from its client recipients. */
interface Pending {
  readonly id: number;
  readonly awaiting: Set<string>;
  readonly timer: NodeJS.Timeout;
}

/**
 * One call's MLS group as the voice server sees it (docs/protocol/voice.md §4.2–§4.4): group id = the channel
 * id, the server's external sender, a leaf per member, Add/Remove proposals on join/leave, the first valid
 * commit per epoch wins (op 29 to members, op 30 to joiners), op 22 once every client sent op 23 (or the
 * transition timeout passed), sole-member reset, recovery after op 31 (Remove + re-Add).
 */
export class DaveCall {
  readonly participants = new Map<string, DaveParticipant>();
  epoch = 0n;
  protocolVersion = 1;
  /** Leaf index → user id (null: blank), as RFC 9420 fills leftmost blanks and trims trailing ones. */
  leaves: (string | null)[] = [];
  private readonly keyPackages = new Map<string, Uint8Array>();
  private readonly removals = new Set<number>();
  private outstanding: Outstanding | null = null;
  private pending: Pending | null = null;
  private nextTransitionId = 1;
  private work: Promise<void> = Promise.resolve();
  /** The last commit announced (op 29), for the stale-commit fault. */
  lastCommit: Uint8Array | null = null;

  constructor(
    readonly channelId: string,
    private readonly sender: DaveExternalSender,
    private readonly events: DaveCallEvents,
    private readonly transitionTimeoutMs: number,
  ) {}

  /** A member joins the call: it gets op 25 and answers with its key package. */
  join(participant: DaveParticipant): void {
    this.participants.set(participant.userId, participant);
    participant.externalSender(this.sender.encoded);
  }

  /** op 26: a fresh key package; the member is (re-)added at the next proposal round. */
  keyPackage(userId: string, keyPackage: Uint8Array): void {
    // Version 0 has no group: a key package waits for the upgrade's op 24 (docs/protocol/voice.md §4.4).
    if (!this.participants.has(userId) || this.protocolVersion === 0) return;
    const leaf = this.leaves.indexOf(userId);
    if (leaf !== -1) this.removals.add(leaf);
    this.keyPackages.set(userId, keyPackage);
    this.schedule();
  }

  /** op 28: the first valid commit for the outstanding proposals wins; later or stale ones are ignored. */
  commitWelcome(userId: string, payload: Uint8Array): void {
    const outstanding = this.outstanding;
    const adds = outstanding?.adds.get(userId);
    const split = splitCommitWelcome(payload);
    if (outstanding === null || adds === undefined || split === null) {
      return this.events.rejected(userId, 'commit without outstanding proposals for it');
    }
    if (commitEpoch(split.commit) !== outstanding.epoch)
      return this.events.rejected(userId, 'stale-epoch commit');
    if (adds.length > 0 !== (split.welcome !== null)) return this.events.rejected(userId, 'welcome mismatch');
    this.outstanding = null;
    this.lastCommit = split.commit;
    const before = new Set(this.leaves.filter((leaf): leaf is string => leaf !== null));
    const removed = outstanding.removes.map((leaf) => this.leaves[leaf]).filter((id): id is string => !!id);
    if (outstanding.epoch === 0n) this.leaves = [userId];
    for (const leaf of outstanding.removes) this.leaves[leaf] = null;
    for (const id of adds) {
      const blank = this.leaves.indexOf(null);
      if (blank === -1) this.leaves.push(id);
      else this.leaves[blank] = id;
    }
    while (this.leaves.length > 0 && this.leaves[this.leaves.length - 1] === null) this.leaves.pop();
    this.epoch = outstanding.epoch + 1n;
    const id = this.allocateTransitionId();
    const recipients: DaveParticipant[] = [];
    for (const member of this.participants.values()) {
      const isJoiner = adds.includes(member.userId);
      const stays = outstanding.epoch === 0n ? member.userId === userId : before.has(member.userId);
      if (!isJoiner && !(stays && !removed.includes(member.userId))) continue;
      recipients.push(member);
    }
    this.startTransition(id, recipients);
    for (const member of recipients) {
      if (adds.includes(member.userId)) member.welcome(id, split.welcome!);
      else member.announceCommit(id, split.commit);
    }
    if (this.pending?.id === id && this.pending.awaiting.size === 0) this.execute();
    this.events.transition({
      channelId: this.channelId,
      transitionId: id,
      epoch: Number(this.epoch),
      committer: userId,
      added: adds,
      removed,
      kind: 'commit',
      at: Date.now(),
    });
  }

  /** op 23. */
  transitionReady(userId: string, transitionId: number): void {
    const pending = this.pending;
    if (pending?.id !== transitionId) return;
    pending.awaiting.delete(userId);
    if (pending.awaiting.size === 0) this.execute();
  }

  /** op 31: the member failed to apply the transition; it will send a new key package and be re-added. */
  invalidCommitWelcome(userId: string, transitionId: number): void {
    const leaf = this.leaves.indexOf(userId);
    if (leaf !== -1) this.removals.add(leaf);
    this.transitionReady(userId, transitionId);
  }

  /** A member left (op 13): its leaf is removed, or the last one left resets (op 24 epoch 1 + op 21 id 0). */
  leave(userId: string): void {
    if (!this.participants.delete(userId)) return;
    this.keyPackages.delete(userId);
    const leaf = this.leaves.indexOf(userId);
    if (leaf !== -1) this.removals.add(leaf);
    if (this.pending !== null) this.transitionReady(userId, this.pending.id);
    if (this.participants.size === 1 && this.epoch > 0n) return this.soleMemberReset();
    this.schedule();
  }

  /**
   * Downgrade to protocol version 0 (docs/protocol/voice.md §4.4): op 21 `{ transition_id, protocol_version:
   * 0 }` to every member; op 22 once each client sent op 23 (or the timeout passed). The group is dropped.
   */
  downgrade(): void {
    this.resetGroup();
    this.protocolVersion = 0;
    const id = this.allocateTransitionId();
    const members = [...this.participants.values()];
    this.startTransition(id, members);
    for (const member of members) member.prepareTransition(id, 0);
    this.record(id, 0, 'downgrade');
  }

  /**
   * Upgrade back to version 1 (docs/protocol/voice.md §4.4): op 24 `{ epoch: 1, protocol_version: 1 }` to
   * every member; each answers with a fresh key package (op 26) and the group forms again as at creation.
   */
  upgrade(): void {
    this.resetGroup();
    this.protocolVersion = 1;
    for (const member of this.participants.values()) member.prepareEpoch(1, 1);
    this.record(0, 1, 'upgrade');
  }

  private record(transitionId: number, epoch: number, kind: DaveTransitionRecord['kind']): void {
    const at = Date.now();
    this.events.transition({
      channelId: this.channelId,
      transitionId,
      epoch,
      committer: null,
      added: [],
      removed: [],
      kind,
      at,
    });
  }

  /** Ends timers (server shutdown). */
  close(): void {
    if (this.pending !== null) clearTimeout(this.pending.timer);
    this.pending = null;
  }

  /** The one remaining member starts over in a new group (docs/protocol/voice.md §4.4). */
  private soleMemberReset(): void {
    this.resetGroup();
    const id = 0;
    for (const member of this.participants.values()) {
      member.prepareEpoch(1, this.protocolVersion);
      member.prepareTransition(id, this.protocolVersion);
    }
    this.events.transition({
      channelId: this.channelId,
      transitionId: 0,
      epoch: 1,
      committer: null,
      added: [],
      removed: [],
      kind: 'sole-member-reset',
      at: Date.now(),
    });
  }

  private resetGroup(): void {
    this.close();
    this.epoch = 0n;
    this.leaves = [];
    this.removals.clear();
    this.keyPackages.clear();
    this.outstanding = null;
  }

  private allocateTransitionId(): number {
    const id = this.nextTransitionId;
    this.nextTransitionId = id >= 0xffff ? 1 : id + 1;
    return id;
  }

  private startTransition(id: number, recipients: readonly DaveParticipant[]): void {
    const awaiting = new Set(recipients.filter((member) => member.kind === 'client').map((m) => m.userId));
    const timer = setTimeout(() => this.execute(), this.transitionTimeoutMs);
    timer.unref();
    this.pending = { id, awaiting, timer };
  }

  /** op 22 to every member; then the next proposal round, if anything changed meanwhile. */
  private execute(): void {
    const pending = this.pending;
    if (pending === null) return;
    clearTimeout(pending.timer);
    this.pending = null;
    for (const member of this.participants.values()) member.executeTransition(pending.id);
    this.schedule();
  }

  /** Proposal rounds are built asynchronously (ts-mls signs with WebCrypto) but strictly one after another. */
  private schedule(): void {
    this.work = this.work.then(() => this.proposeRound()).catch(() => {});
  }

  private async proposeRound(): Promise<void> {
    if (this.pending !== null || this.outstanding !== null || this.protocolVersion === 0) return;
    if (this.epoch === 0n) return this.proposeCreation();
    const members = this.leaves.filter((id): id is string => id !== null && this.participants.has(id));
    const joiners = [...this.keyPackages.keys()].filter((id) => this.participants.has(id));
    const removes = [...this.removals].filter((leaf) => leaf < this.leaves.length).sort((a, b) => a - b);
    const stays = members.filter((id) => !removes.includes(this.leaves.indexOf(id)));
    if ((joiners.length === 0 && removes.length === 0) || stays.length === 0) return;
    const epoch = this.epoch;
    const messages: Uint8Array[] = [];
    for (const leaf of removes) messages.push(await this.sender.proposeRemove(this.channelId, epoch, leaf));
    for (const id of joiners)
      messages.push(await this.sender.proposeAdd(this.channelId, epoch, this.keyPackages.get(id)!));
    if (epoch !== this.epoch || this.outstanding !== null || this.pending !== null) return this.schedule();
    for (const id of joiners) this.keyPackages.delete(id);
    this.removals.clear();
    const adds = new Map(stays.map((id) => [id, joiners] as const));
    this.outstanding = { epoch, adds, removes };
    const payload = appendProposalsPayload(messages);
    this.deliverProposals(new Map(stays.map((id) => [id, payload] as const)));
  }

  /** No group yet: every pending member gets Adds for the other pending members; the first commit creates it. */
  private async proposeCreation(): Promise<void> {
    const pendingMembers = [...this.keyPackages.keys()].filter((id) => this.participants.has(id));
    if (pendingMembers.length < 2) return;
    const adds = new Map<string, string[]>();
    const payloads = new Map<string, Buffer>();
    for (const committer of pendingMembers) {
      const others = pendingMembers.filter((id) => id !== committer);
      const messages: Uint8Array[] = [];
      for (const id of others)
        messages.push(await this.sender.proposeAdd(this.channelId, 0n, this.keyPackages.get(id)!));
      adds.set(committer, others);
      payloads.set(committer, appendProposalsPayload(messages));
    }
    if (this.epoch !== 0n || this.outstanding !== null) return;
    for (const id of pendingMembers) this.keyPackages.delete(id);
    this.outstanding = { epoch: 0n, adds, removes: [] };
    this.deliverProposals(payloads);
  }

  /** Clients first: a fake member commits only when no client can, so clients' commit path is exercised. */
  private deliverProposals(payloads: ReadonlyMap<string, Buffer>): void {
    const members = [...payloads.keys()].map((id) => this.participants.get(id)!);
    const clientCommits = members.some((member) => member.kind === 'client');
    for (const member of members) member.setCommits?.(!clientCommits);
    for (const member of members) member.proposals(payloads.get(member.userId)!);
  }
}

/** The epoch a commit was made in (PublicMessage content), or -1n when it does not parse. */
function commitEpoch(commit: Uint8Array): bigint {
  const decoded = decodeMlsMessage(commit, 0);
  if (decoded === undefined || decoded[0].wireformat !== 'mls_public_message') return -1n;
  return decoded[0].publicMessage.content.epoch;
}
