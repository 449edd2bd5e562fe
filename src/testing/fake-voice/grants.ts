import { randomBytes } from 'node:crypto';
import type { VoiceChannelKind } from './options.js';
import type { VoiceGrant, VoiceSignalling } from './types.js';

/** A grant with the fields the server changes over its life. */
export class Grant implements VoiceGrant {
  selfMute: boolean;
  selfDeaf: boolean;
  revoked = false;

  constructor(
    readonly guildId: string,
    readonly channelId: string,
    readonly userId: string,
    readonly sessionId: string,
    readonly token: string,
    readonly endpoint: string,
    readonly channelKind: VoiceChannelKind,
    flags: { selfMute: boolean; selfDeaf: boolean },
    /** The gateway that issued it, for faults that are gateway dispatches; null when a test called `authorize`. */
    readonly signalling: VoiceSignalling | null,
  ) {
    this.selfMute = flags.selfMute;
    this.selfDeaf = flags.selfDeaf;
  }
}

/** Voice tokens look like 16 hex characters, as real ones do. */
export function newVoiceToken(): string {
  return randomBytes(8).toString('hex');
}

/** The Identify check's verdict on the four values of op 0 (docs/protocol/voice.md §1.2, §2.5). */
export type GrantCheck =
  | { readonly ok: true; readonly grant: Grant }
  /** 4011: no live grant for this guild; 4004: bad token or identity; 4006: a revoked token. */
  | { readonly ok: false; readonly closeCode: 4004 | 4006 | 4011 };

/**
 * Every grant a server issued, by token. Revoked grants stay, so that a stale token is told apart from
 * a wrong one (4006 rather than 4004).
 */
export class GrantRegistry {
  private readonly byToken = new Map<string, Grant>();

  add(grant: Grant): void {
    this.byToken.set(grant.token, grant);
  }

  get(token: string): Grant | undefined {
    return this.byToken.get(token);
  }

  /** Live grants, optionally of one guild and user. */
  live(guildId?: string, userId?: string): Grant[] {
    return [...this.byToken.values()].filter(
      (grant) =>
        !grant.revoked &&
        (guildId === undefined || grant.guildId === guildId) &&
        (userId === undefined || grant.userId === userId),
    );
  }

  /**
   * Checks an Identify, in this order (the docs leave it open): a revoked token of this guild (4006); no
   * live grant for `server_id` (4011); an unknown token (4004); a token issued to another user or voice
   * session (4004: it does not authenticate them).
   */
  check(serverId: string, userId: string, sessionId: string, token: string): GrantCheck {
    const grant = this.byToken.get(token);
    if (grant?.guildId === serverId && grant.revoked) return { ok: false, closeCode: 4006 };
    if (this.live(serverId).length === 0) return { ok: false, closeCode: 4011 };
    if (grant === undefined || grant.revoked || grant.guildId !== serverId) {
      return { ok: false, closeCode: 4004 };
    }
    if (grant.userId !== userId || grant.sessionId !== sessionId) return { ok: false, closeCode: 4004 };
    return { ok: true, grant };
  }
}
