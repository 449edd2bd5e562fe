import type { GatewayConnection } from './connection.js';
import { IdentifyLimits } from './identify-limits.js';
import { applyMessageContentIntent, isDispatchAllowed } from './intents.js';
import type { FakeGuild, ResolvedFakeGatewayOptions } from './options.js';
import { shardIdForGuild } from './routing.js';
import type { Session, SessionOwner } from './session.js';
import type {
  CloseRecord,
  DispatchRecord,
  FakeGatewayEvents,
  IdentifyLogEntry,
  ReceivedFrame,
  FakeGatewayStats,
} from './types.js';
import { VoiceBridge } from './voice-bridge.js';

export type Emit = <K extends keyof FakeGatewayEvents>(event: K, ...args: FakeGatewayEvents[K]) => void;

type Counter = Exclude<keyof FakeGatewayStats, 'closesByCode'>;

/**
 * Everything the connections of one fake gateway share: options, sessions, guilds, limits and records.
 * Handlers receive it instead of the public {@link FakeGateway}, so the public class stays a thin facade.
 */
export class GatewayState {
  readonly sessions = new Map<string, Session>();
  readonly connections = new Map<number, GatewayConnection>();
  readonly guilds: ReadonlyMap<string, FakeGuild>;
  readonly received: ReceivedFrame[] = [];
  readonly identifyLog: IdentifyLogEntry[] = [];
  readonly closes: CloseRecord[] = [];
  readonly limits: IdentifyLimits;
  /** Last full member-list request (op 8 `query:""`, `limit:0`) per guild, for the 1-per-30-s rule. */
  readonly fullMemberRequests = new Map<string, number>();
  private readonly counters: Record<Counter, number> = {
    identifies: 0,
    resumes: 0,
    identifyRateViolations: 0,
    sessionStartLimitExceeded: 0,
    connections: 0,
  };
  private readonly closeCounts = {
    server: {} as Record<number, number>,
    client: {} as Record<number, number>,
  };
  /** Set when the session-start budget ran out with `sessionStartLimitAction: 'terminate'` ("token reset"). */
  tokenRevoked = false;
  /** Connections still to receive op 7 before Hello. */
  reconnectsBeforeHello: number;
  url = '';
  /** `shards` of `GET /gateway/bot`: the `shardCount` option until a test changes it (resharding). */
  recommendedShards: number;
  /** Voice: op 4 answers, voice servers, the bot's voice states (docs/protocol/voice.md §1). */
  readonly voice: VoiceBridge;
  private nextConnectionId = 1;

  constructor(
    readonly options: ResolvedFakeGatewayOptions,
    readonly emit: Emit,
  ) {
    this.guilds = new Map(options.guilds.map((guild) => [guild.id, guild]));
    this.limits = new IdentifyLimits(options, Date.now());
    this.reconnectsBeforeHello = options.sendReconnectBeforeHello;
    this.recommendedShards = options.shardCount;
    this.voice = new VoiceBridge(this);
  }

  get botUserId(): string {
    return this.options.user.id;
  }

  allocateConnectionId(): number {
    this.count('connections');
    return this.nextConnectionId++;
  }

  /**
   * Whether an Identify or Resume `token` is the bot's. A leading `Bot ` is accepted as Discord does
   * (docs/protocol/gateway.md §3.1: `@discordeno/gateway` sends `Bot <token>` and connects).
   */
  isTokenAccepted(token: string): boolean {
    const bare = token.startsWith('Bot ') ? token.slice(4) : token;
    return !this.tokenRevoked && bare === this.options.token;
  }

  count(counter: Counter): void {
    this.counters[counter] += 1;
  }

  recordClose(record: CloseRecord): void {
    this.closes.push(record);
    const side = record.initiator === 'server' ? this.closeCounts.server : this.closeCounts.client;
    side[record.code] = (side[record.code] ?? 0) + 1;
    this.emit('close', record);
  }

  stats(): FakeGatewayStats {
    return {
      ...this.counters,
      closesByCode: { server: { ...this.closeCounts.server }, client: { ...this.closeCounts.client } },
    };
  }

  /**
   * Gives one dispatch to one session, as Discord would: dropped when its intent was not requested,
   * message content blanked without MESSAGE_CONTENT, then sequenced and buffered (and sent if connected).
   */
  dispatchToSession(session: Session, t: string, d: unknown): DispatchRecord | null {
    if (session.status === 'destroyed') return null;
    if (!isDispatchAllowed(t, d, session.intents, this.botUserId)) return null;
    const data = applyMessageContentIntent(t, d, session.intents, this.botUserId);
    const delivered = session.status === 'connected';
    const entry = session.dispatch(t, data);
    const record: DispatchRecord = {
      sessionId: session.id,
      shardId: session.shardId,
      t,
      s: entry.s,
      delivered,
    };
    this.emit('dispatch', record);
    return record;
  }

  /** A guild the session's shard holds, or undefined (requests about other guilds get no answer). */
  guildOnShard(session: Session, guildId: string): FakeGuild | undefined {
    const guild = this.guilds.get(guildId);
    if (guild === undefined || shardIdForGuild(guild.id, session.shardCount) !== session.shardId)
      return undefined;
    return guild;
  }

  /** Keeps the session resumable for `sessionTtlMs` after its connection went away. */
  detachSession(session: Session, owner: SessionOwner): void {
    session.detach(owner, this.options.sessionTtlMs, () => this.destroySession(session));
  }

  destroySession(session: Session): void {
    session.destroy();
    this.sessions.delete(session.id);
    // "The main gateway session was dropped": its voice sessions end with 4014 (docs/protocol/voice.md §1.2).
    this.voice.onSessionEnded(session);
  }
}
