import type { RedisScriptClient } from '../client.js';
import {
  abortScript,
  announceScript,
  checkScript,
  commitScript,
  countScript,
  readScript,
  reportScript,
} from './reshard-scripts.js';

/** The reshard under way as a member reads it from `{p}:reshard` (docs/protocol/resharding.md §4). */
export interface ReshardRecord {
  readonly id: string;
  readonly from: number;
  readonly to: number;
  readonly phase: 'start' | 'commit' | 'abort';
  /** The lease value `<member>|<fence>` of every old shard when the reshard was announced. */
  readonly owners: readonly string[];
  /** The coordinator's `dedupeWindowMs` and `guildsTimeoutMs`. */
  readonly dedupeWindowMs: number;
  readonly guildsTimeoutMs: number;
  /** Why it was aborted ('' unless aborted). */
  readonly reason: string;
  /** The fences the commit set, per new shard id (`j >= from`). */
  readonly fences: ReadonlyMap<number, number>;
}

/** What the coordinator's periodic check found. */
export interface ReshardCheck {
  /** New shards reported loaded. */
  readonly loaded: number;
  /** Why a member gave up ('' when none did). */
  readonly failed: string;
  /** The first old shard whose lease changed owner since the announcement, or -1. */
  readonly moved: number;
}

/** The member id of a lease value `<member>|<fence>`. */
export function leaseMember(value: string): string {
  return value.slice(0, value.lastIndexOf('|'));
}

/** The Redis calls of a cluster reshard, on the bot's keys. @internal */
export class ReshardRecords {
  readonly #redis: RedisScriptClient;
  readonly #prefix: string;
  readonly #timeoutMs: number;

  constructor(redis: RedisScriptClient, prefix: string, timeoutMs: number) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#timeoutMs = timeoutMs;
  }

  get #keys() {
    const p = this.#prefix;
    return { reshard: `${p}:reshard`, count: `${p}:count`, fences: `${p}:fences`, lease: `${p}:lease:` };
  }

  /** Writes the record; `owners` of every old shard, or why not (`busy`, or an unowned shard). */
  async announce(
    id: string,
    from: number,
    to: number,
    ttlMs: number,
    windows: { readonly dedupeWindowMs: number; readonly guildsTimeoutMs: number },
  ): Promise<{ readonly owners: string[] } | { readonly refused: string }> {
    const k = this.#keys;
    const args = [id, String(from), String(to), String(ttlMs), k.lease];
    args.push(String(windows.dedupeWindowMs), String(windows.guildsTimeoutMs));
    const reply = (await announceScript.run(
      this.#redis,
      { keys: [k.reshard], arguments: args },
      this.#timeoutMs,
    )) as string[];
    if (reply[0] === 'ok') return { owners: reply.slice(1) };
    if (reply[0] === 'busy') return { refused: 'another reshard is under way' };
    return { refused: `old shard ${reply[1]} has no owner (a process just died or joined)` };
  }

  /** The record, or null when there is none. */
  async read(): Promise<ReshardRecord | null> {
    const flat = (await readScript.run(
      this.#redis,
      { keys: [this.#keys.reshard], arguments: [] },
      this.#timeoutMs,
    )) as string[] | Record<string, string>;
    const fields: Record<string, string> = {};
    if (Array.isArray(flat)) for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
    else Object.assign(fields, flat);
    if (fields['id'] === undefined) return null;
    const fences = new Map<number, number>();
    for (const [field, value] of Object.entries(fields)) {
      if (field.startsWith('fence:')) fences.set(Number(field.slice(6)), Number(value));
    }
    return {
      id: fields['id'],
      from: Number(fields['from']),
      to: Number(fields['to']),
      phase: fields['phase'] as ReshardRecord['phase'],
      owners: (fields['owners'] ?? '').split(','),
      dedupeWindowMs: Number(fields['window'] ?? 15_000),
      guildsTimeoutMs: Number(fields['guilds'] ?? 15_000),
      reason: fields['reason'] ?? '',
      fences,
    };
  }

  /** A member's new shards are loaded. */
  async loaded(id: string, shardIds: readonly number[]): Promise<void> {
    if (shardIds.length === 0) return;
    await reportScript.run(
      this.#redis,
      { keys: [this.#keys.reshard], arguments: [id, 'loaded', ...shardIds.map(String)] },
      this.#timeoutMs,
    );
  }

  /** A member gives up (its new shard failed, it lost an old shard, it stops). */
  async failed(id: string, reason: string): Promise<void> {
    await reportScript.run(
      this.#redis,
      { keys: [this.#keys.reshard], arguments: [id, 'failed', reason] },
      this.#timeoutMs,
    );
  }

  /** The coordinator's check (refreshes the record's TTL); null when the record is gone. */
  async check(id: string, ttlMs: number): Promise<ReshardCheck | null> {
    const reply = (await checkScript.run(
      this.#redis,
      { keys: [this.#keys.reshard], arguments: [id, String(ttlMs), this.#keys.lease] },
      this.#timeoutMs,
    )) as [number, string?, number?];
    if (Number(reply[0]) < 0) return null;
    return { loaded: Number(reply[0]), failed: reply[1] ?? '', moved: Number(reply[2]) };
  }

  /** Commits: the fences of the new leases (`j >= from`), or why it aborted instead. */
  async commit(
    id: string,
    leaseMs: number,
    ttlMs: number,
    liveMs: number,
  ): Promise<{ readonly fences: Map<number, number> } | { readonly aborted: string }> {
    const k = this.#keys;
    const reply = (await commitScript.run(
      this.#redis,
      {
        keys: [k.reshard, k.count, k.fences, `${this.#prefix}:members`],
        arguments: [id, k.lease, String(leaseMs), String(ttlMs), String(liveMs)],
      },
      this.#timeoutMs,
    )) as string[];
    if (reply[0] !== 'commit') return { aborted: reply[1] ?? 'aborted' };
    const fences = new Map<number, number>();
    for (let i = 1; i + 1 < reply.length; i += 2) fences.set(Number(reply[i]), Number(reply[i + 1]));
    return { fences };
  }

  /** Aborts the reshard if it has not committed. */
  async abort(id: string, reason: string, ttlMs: number): Promise<void> {
    await abortScript.run(
      this.#redis,
      { keys: [this.#keys.reshard], arguments: [id, reason, String(ttlMs)] },
      this.#timeoutMs,
    );
  }

  /** The count a reshard committed (`{p}:count`), or null. */
  async count(): Promise<number | null> {
    const value = (await countScript.run(
      this.#redis,
      { keys: [this.#keys.count], arguments: [] },
      this.#timeoutMs,
    )) as string | null;
    return value === null || value === undefined ? null : Number(value);
  }
}
