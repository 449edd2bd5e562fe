import { randomBytes } from 'node:crypto';
import { GatewayDispatchEvents, GatewayOpcodes } from 'discord-api-types/v10';
import type {
  APIGuildMember,
  GatewayDispatchPayload,
  GatewayGuildMembersChunkDispatchData,
  GatewayGuildMembersChunkPresence,
  GatewayRequestGuildMembersData,
  GatewaySendPayload,
  Snowflake,
} from 'discord-api-types/v10';
import { GatewayRateLimitedError, RequestTimeoutError } from '../errors.js';

/** All chunks of one op 8 request, put together. */
export interface GuildMembersResult {
  /** The guild asked about. */
  readonly guildId: Snowflake;
  /** Every member of every chunk, in order. */
  readonly members: APIGuildMember[];
  /** Their presences, when `presences: true` was asked (needs the GUILD_PRESENCES intent). */
  readonly presences: GatewayGuildMembersChunkPresence[];
  /** User ids asked for by `user_ids` that are not members. */
  readonly notFound: Snowflake[];
  /** How many GUILD_MEMBERS_CHUNK dispatches the answer took. */
  readonly chunkCount: number;
}

/** Request data without `nonce`: statecord sets the nonce to match the chunks to the request. */
export type RequestGuildMembersOptions = GatewayRequestGuildMembersData extends infer T
  ? T extends unknown
    ? Omit<T, 'nonce'>
    : never
  : never;

interface PendingRequest {
  readonly guildId: Snowflake;
  readonly chunks: GatewayGuildMembersChunkDispatchData[];
  readonly resolve: (result: GuildMembersResult) => void;
  readonly reject: (error: Error) => void;
  readonly timeoutMs: number;
  timer: NodeJS.Timeout;
  received: number;
}

/**
 * Matches GUILD_MEMBERS_CHUNK dispatches to op 8 requests by nonce (chunks of different requests can
 * interleave, docs/protocol/gateway.md §8.1) and fails a request on RATE_LIMITED or when no chunk came in time.
 */
export class MemberRequests {
  readonly #pending = new Map<string, PendingRequest>();
  readonly #prefix = randomBytes(4).toString('hex');
  #counter = 0;

  constructor(private readonly send: (payload: GatewaySendPayload) => Promise<void>) {}

  request(data: RequestGuildMembersOptions, chunkTimeoutMs: number): Promise<GuildMembersResult> {
    // Nonces are at most 32 bytes, else Discord drops them silently (docs/protocol/gateway.md §8.1).
    const nonce = `${this.#prefix}${(this.#counter++).toString(36)}`;
    return new Promise<GuildMembersResult>((resolve, reject) => {
      const pending: PendingRequest = {
        guildId: data.guild_id,
        chunks: [],
        resolve,
        reject,
        timeoutMs: chunkTimeoutMs,
        timer: this.#timeout(nonce, chunkTimeoutMs),
        received: 0,
      };
      this.#pending.set(nonce, pending);
      const payload = { op: GatewayOpcodes.RequestGuildMembers, d: { ...data, nonce } } as GatewaySendPayload;
      this.send(payload).catch((error: unknown) => this.#fail(nonce, toError(error)));
    });
  }

  /** Looks at a dispatch; returns nothing. Cheap for every dispatch that is not a chunk or rate limit. */
  /** Whether a dispatch of this type may answer a pending request (so it must be parsed). */
  waitsFor(name: string): boolean {
    const type = name as GatewayDispatchEvents;
    return (
      this.#pending.size > 0 &&
      (type === GatewayDispatchEvents.GuildMembersChunk || type === GatewayDispatchEvents.RateLimited)
    );
  }

  observe(payload: GatewayDispatchPayload): void {
    if (payload.t === GatewayDispatchEvents.GuildMembersChunk) this.#chunk(payload.d);
    else if (payload.t === GatewayDispatchEvents.RateLimited) {
      const nonce = payload.d.meta.nonce;
      if (nonce !== undefined && this.#pending.has(nonce)) {
        this.#fail(nonce, new GatewayRateLimitedError(payload.d.opcode, payload.d.retry_after));
      }
    }
  }

  /** Fails every pending request (the shard stopped). */
  failAll(error: Error): void {
    for (const nonce of [...this.#pending.keys()]) this.#fail(nonce, error);
  }

  #chunk(data: GatewayGuildMembersChunkDispatchData): void {
    const nonce = data.nonce;
    if (nonce === undefined) return;
    const pending = this.#pending.get(nonce);
    if (pending === undefined) return;
    pending.chunks[data.chunk_index] ??= data;
    pending.received = pending.chunks.filter(Boolean).length;
    clearTimeout(pending.timer);
    if (pending.received < data.chunk_count) {
      pending.timer = this.#timeout(nonce, pending.timeoutMs);
      return;
    }
    this.#pending.delete(nonce);
    const chunks = pending.chunks;
    pending.resolve({
      guildId: pending.guildId,
      members: chunks.flatMap((chunk) => chunk.members),
      presences: chunks.flatMap((chunk) => chunk.presences ?? []),
      notFound: chunks.flatMap((chunk) => (chunk.not_found ?? []) as Snowflake[]),
      chunkCount: data.chunk_count,
    });
  }

  #timeout(nonce: string, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.#fail(
        nonce,
        new RequestTimeoutError(`no GUILD_MEMBERS_CHUNK for request ${nonce} within ${ms} ms`),
      );
    }, ms);
    timer.unref();
    return timer;
  }

  #fail(nonce: string, error: Error): void {
    const pending = this.#pending.get(nonce);
    if (pending === undefined) return;
    this.#pending.delete(nonce);
    clearTimeout(pending.timer);
    pending.reject(error);
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
