import { DAVESession } from '@snazzah/davey';
import type { DaveParticipant } from './participant.js';

/** What a fake member answers, as a client would over its WebSocket (ops 23, 26, 28, 31). */
export interface DavePeerReplies {
  keyPackage(from: DavePeerMember, keyPackage: Uint8Array): void;
  commitWelcome(from: DavePeerMember, commit: Uint8Array, welcome: Uint8Array | null): void;
  transitionReady(from: DavePeerMember, transitionId: number): void;
  invalidCommitWelcome(from: DavePeerMember, transitionId: number): void;
}

/** The Opus silence frame, never DAVE-encrypted (docs/protocol/voice.md §4.7). */
const SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);

/**
 * A fake call member's DAVE side: a real `@snazzah/davey` session driven the way a real client drives it
 * (docs/protocol/voice.md §4.4–§4.5). `commits` says whether it answers proposals with a commit; the call
 * lets clients commit first so their commit path is the one exercised.
 */
export class DavePeerMember implements DaveParticipant {
  readonly kind = 'peer';
  readonly session: DAVESession;
  /** User ids this member knows are in the call (ops 11/13): Adds for others are refused. */
  readonly recognised = new Set<string>();
  commits = false;
  /** The call's protocol version as this member last executed it (0 after a downgrade). */
  protocolVersion = 1;
  /** Protocol version per prepared transition id (op 21), applied at its op 22. */
  private readonly preparedVersions = new Map<number, number>();
  /** Frames this member could not decrypt, by reason. */
  readonly decryptErrors: string[] = [];

  constructor(
    readonly userId: string,
    readonly channelId: string,
    private readonly replies: DavePeerReplies,
  ) {
    this.session = new DAVESession(1, userId, channelId);
  }

  setCommits(commits: boolean): void {
    this.commits = commits;
  }

  /** Sends a fresh key package (op 26): after joining and after every reset. */
  start(): void {
    this.replies.keyPackage(this, this.session.getSerializedKeyPackage());
  }

  externalSender(payload: Uint8Array): void {
    this.session.setExternalSender(Buffer.from(payload));
  }

  proposals(payload: Uint8Array): void {
    if (Number(this.session.status) === 0) return; // INACTIVE: no external sender yet
    let result;
    try {
      result = this.session.processProposals(payload[0]!, Buffer.from(payload.subarray(1)), [
        ...this.recognised,
      ]);
    } catch {
      return; // an unknown user's Add or a forged proposal: refused, no commit
    }
    const { commit, welcome } = result;
    // After the current delivery: every member must hold the proposals before any commit is applied.
    if (this.commits && commit !== undefined) {
      queueMicrotask(() => this.replies.commitWelcome(this, commit, welcome ?? null));
    }
  }

  announceCommit(transitionId: number, commit: Uint8Array): void {
    this.apply(transitionId, () => this.session.processCommit(Buffer.from(commit)));
  }

  welcome(transitionId: number, welcome: Uint8Array): void {
    this.apply(transitionId, () => this.session.processWelcome(Buffer.from(welcome)));
  }

  prepareTransition(transitionId: number, protocolVersion: number): void {
    this.preparedVersions.set(transitionId, protocolVersion);
    if (transitionId === 0) this.executeTransition(0);
    else this.replies.transitionReady(this, transitionId);
  }

  /** op 22: a prepared downgrade takes effect (no group; frames from others may still be DAVE for 10 s). */
  executeTransition(transitionId: number): void {
    const version = this.preparedVersions.get(transitionId);
    this.preparedVersions.delete(transitionId);
    if (version !== 0 || this.protocolVersion === 0) return;
    this.protocolVersion = 0;
    this.session.reset();
    this.session.setPassthroughMode(true, 10);
  }

  prepareEpoch(epoch: number, protocolVersion: number): void {
    if (epoch !== 1) return;
    this.protocolVersion = protocolVersion;
    this.session.reinit(protocolVersion, this.userId, this.channelId);
    this.start();
  }

  /** Encrypts an Opus frame for the call; silence and a member without keys send it as it is. */
  encrypt(opus: Buffer): Buffer {
    if (this.protocolVersion === 0 || !this.session.ready || opus.equals(SILENCE)) return opus;
    return this.session.encryptOpus(opus);
  }

  /** Decrypts `sender`'s frame; null (and the reason recorded) when it does not decrypt. */
  decrypt(sender: string, payload: Buffer): Buffer | null {
    if (payload.equals(SILENCE)) return payload;
    try {
      return this.session.decrypt(sender, 0, payload);
    } catch (error) {
      this.decryptErrors.push(error instanceof Error ? error.message : String(error));
      return null;
    }
  }

  private apply(transitionId: number, step: () => void): void {
    try {
      step();
    } catch {
      this.replies.invalidCommitWelcome(this, transitionId);
      this.session.reinit(1, this.userId, this.channelId);
      this.start();
      return;
    }
    if (transitionId !== 0) this.replies.transitionReady(this, transitionId);
  }
}
