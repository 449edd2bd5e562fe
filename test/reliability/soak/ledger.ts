import { GatewayDispatchEvents } from 'discord-api-types/v10';
import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import type { DispatchRecord } from '../../../src/testing/index.js';

/** Invariant violations, counted by kind; the first few are kept verbatim for the report. */
export class Violations {
  readonly counts = new Map<string, number>();
  readonly samples: string[] = [];

  constructor(private readonly keep = 30) {}

  add(kind: string, detail: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    if (this.samples.length < this.keep) this.samples.push(`${kind}: ${detail}`);
  }

  get total(): number {
    let total = 0;
    for (const count of this.counts.values()) total += count;
    return total;
  }

  count(kind: string): number {
    return this.counts.get(kind) ?? 0;
  }
}

/** What the gateway sent at one `s` of a session, until the client delivers it. */
interface Expected {
  readonly t: string;
  /** The stream marker (`d.id` of our MESSAGE_CREATEs); null for READY, GUILD_CREATE, RESUMED. */
  readonly marker: string | null;
}

/** A stream payload the client delivered, kept so a fault can replay it (an overlapping replay). */
export interface DeliveredPayload {
  readonly s: number;
  readonly t: string;
  readonly d: unknown;
}

interface OpenSession {
  readonly id: string;
  readonly shardId: number;
  /** The last `s` the gateway gave this session. */
  sentMax: number;
  /** Sent, not yet delivered (bounded: entries leave on delivery or when the session ends). */
  readonly expected: Map<number, Expected>;
  /** The last `s` the client delivered for this session (0 before READY). */
  receivedLast: number;
  knownToClient: boolean;
  readonly recent: DeliveredPayload[];
}

type Fate = 'lost' | 'orphaned';

/** Per shard: where every dispatch the gateway gave one of its sessions ended up. */
export interface ShardTally {
  readonly shardId: number;
  /** Dispatches the gateway gave any session of this shard. */
  sent: number;
  /** Dispatches the shard delivered (`shard.gateway.on('dispatch')`). */
  received: number;
  /** Dispatches of sessions the shard reported lost (`sessionLost`), after its last sequence. */
  lostReported: number;
  /** Dispatches of sessions whose READY never reached the shard (it identified again instead). */
  orphaned: number;
  /** Sent on a session the shard still holds at the end and never delivered: lost silently. */
  lostSilently: number;
  duplicated: number;
  /** Sessions the shard started (READY delivered). */
  sessions: number;
  sessionsLost: number;
}

/**
 * The exactly-once ledger: it compares, per session, the `s` values the fake gateway recorded with
 * what each shard delivered, as they happen. Within a session every dispatch must be delivered once,
 * in order, with the payload that was sent; a session a shard leaves must be reported (`sessionLost`),
 * and a new one announced (`connected` / `reconnected {isNewSession: true}`).
 */
export class DispatchLedger {
  /** Set around `gateway.dispatch()` so the gateway's `dispatch` event can be tied to our payload. */
  marker: string | null = null;
  readonly #open = new Map<string, OpenSession>();
  readonly #ended = new Map<string, { readonly shardId: number; readonly fate: Fate }>();
  readonly #tallies: ShardTally[];
  /** Per shard, the session the client announced last (connected / reconnected isNewSession). */
  readonly #announced = new Map<number, string>();

  constructor(
    shardCount: number,
    private readonly violations: Violations,
    private readonly onChange: () => void = () => undefined,
  ) {
    this.#tallies = Array.from({ length: shardCount }, (_, shardId) => ({
      shardId,
      sent: 0,
      received: 0,
      lostReported: 0,
      orphaned: 0,
      lostSilently: 0,
      duplicated: 0,
      sessions: 0,
      sessionsLost: 0,
    }));
  }

  get tallies(): readonly ShardTally[] {
    return this.#tallies;
  }

  /** The gateway gave a session a dispatch (its `dispatch` event). */
  gatewayDispatched(record: DispatchRecord): void {
    const tally = this.#tally(record.shardId);
    if (tally === undefined) return;
    tally.sent += 1;
    const ended = this.#ended.get(record.sessionId);
    if (ended !== undefined) {
      if (ended.fate === 'lost') tally.lostReported += 1;
      else tally.orphaned += 1;
      return;
    }
    let session = this.#open.get(record.sessionId);
    if (session === undefined) {
      session = {
        id: record.sessionId,
        shardId: record.shardId,
        sentMax: 0,
        expected: new Map(),
        receivedLast: 0,
        knownToClient: false,
        recent: [],
      };
      this.#open.set(record.sessionId, session);
    }
    if (record.s !== session.sentMax + 1) {
      this.violations.add(
        'gateway-sequence',
        `session ${record.sessionId} went from s=${session.sentMax} to ${record.s}`,
      );
    }
    session.sentMax = record.s;
    session.expected.set(record.s, { t: record.t, marker: this.marker });
    this.onChange();
  }

  /** The shard announced a session: `connected`, or `reconnected` with `isNewSession`. */
  announced(shardId: number, sessionId: string): void {
    this.#announced.set(shardId, sessionId);
  }

  /** `shard.gateway.on('dispatch')`: `sessionId` is the session the shard holds as it delivers. */
  clientDispatched(shardId: number, sessionId: string | null, payload: GatewayDispatchPayload): void {
    const tally = this.#tally(shardId);
    if (tally === undefined) return;
    tally.received += 1;
    const s = payload.s;
    if (sessionId === null) {
      this.violations.add('dispatch-without-session', `shard ${shardId} delivered ${payload.t} s=${s}`);
      return;
    }
    const session = this.#open.get(sessionId);
    if (session === undefined) {
      const kind = this.#ended.has(sessionId) ? 'delivered-after-session-ended' : 'unknown-session';
      this.violations.add(kind, `shard ${shardId} delivered ${payload.t} s=${s} of ${sessionId}`);
      return;
    }
    if (session.shardId !== shardId) {
      this.violations.add('wrong-shard', `shard ${shardId} delivered a dispatch of shard ${session.shardId}`);
    }
    if (payload.t === GatewayDispatchEvents.Ready) this.#clientReady(session, tally);
    if (s <= session.receivedLast) {
      tally.duplicated += 1;
      this.violations.add(
        'duplicate',
        `shard ${shardId} delivered s=${s} of ${sessionId} again (last delivered ${session.receivedLast})`,
      );
      return;
    }
    if (s !== session.receivedLast + 1) {
      this.violations.add(
        'out-of-order-or-gap',
        `shard ${shardId} delivered s=${s} of ${sessionId} after s=${session.receivedLast}`,
      );
    }
    const expected = session.expected.get(s);
    if (expected === undefined) {
      this.violations.add('never-sent', `shard ${shardId} delivered s=${s} of ${sessionId} (${payload.t})`);
    } else {
      if (expected.t !== String(payload.t)) {
        this.violations.add(
          'wrong-event',
          `s=${s} of ${sessionId}: sent ${expected.t}, delivered ${payload.t}`,
        );
      }
      const id = (payload.d as { id?: unknown } | null)?.id;
      if (expected.marker !== null && id !== expected.marker) {
        this.violations.add(
          'wrong-payload',
          `s=${s} of ${sessionId}: sent ${expected.marker}, delivered ${String(id)}`,
        );
      }
    }
    for (let k = session.receivedLast + 1; k <= s; k++) session.expected.delete(k);
    session.receivedLast = s;
    if (expected?.marker != null) {
      session.recent.push({ s, t: payload.t, d: payload.d });
      if (session.recent.length > 3) session.recent.shift();
    }
    this.onChange();
  }

  /** `sessionLost`: the shard gave the session up, having delivered up to `lastSequence`. */
  sessionLost(shardId: number, sessionId: string, lastSequence: number | null): void {
    const tally = this.#tally(shardId);
    const session = this.#open.get(sessionId);
    if (tally === undefined) return;
    if (session === undefined) {
      this.violations.add('lost-unknown-session', `shard ${shardId} reported ${sessionId} lost`);
      return;
    }
    if (!session.knownToClient) {
      this.violations.add('lost-unknown-session', `shard ${shardId} never delivered READY of ${sessionId}`);
    }
    if ((lastSequence ?? 0) !== session.receivedLast) {
      this.violations.add(
        'lost-sequence-mismatch',
        `shard ${shardId} reported ${sessionId} lost at s=${lastSequence}, delivered up to ${session.receivedLast}`,
      );
    }
    tally.sessionsLost += 1;
    this.#end(session, 'lost', tally);
  }

  /** The stream payloads most recently delivered on a session (for an overlapping replay). */
  recentlyDelivered(sessionId: string): readonly DeliveredPayload[] {
    return this.#open.get(sessionId)?.recent ?? [];
  }

  /** Whether the shard delivered everything the gateway sent on this session so far. */
  isDrained(sessionId: string): boolean {
    const session = this.#open.get(sessionId);
    return session !== undefined && session.receivedLast === session.sentMax;
  }

  /**
   * Drops the record of ended sessions (their tallies stay). Only when the gateway can no longer
   * dispatch to them (they were expired), e.g. at the soak's memory measurement points.
   */
  forgetEnded(): void {
    this.#ended.clear();
  }

  /** Sessions still open in the ledger (for the memory check: it must stay bounded). */
  get openSessions(): number {
    return this.#open.size;
  }

  /**
   * End of the run, after the drain: each shard's current session must be fully delivered; any other
   * session it knew must have been reported lost; sessions it never knew are orphans.
   */
  finish(currentSessions: ReadonlyMap<number, string | null>): void {
    for (const session of [...this.#open.values()]) {
      const tally = this.#tally(session.shardId);
      if (tally === undefined) continue;
      if (currentSessions.get(session.shardId) === session.id) {
        const missing = session.sentMax - session.receivedLast;
        if (missing > 0) {
          tally.lostSilently += missing;
          this.violations.add(
            'undelivered',
            `shard ${session.shardId}: ${missing} dispatches of its session ${session.id} never delivered`,
          );
        }
        continue;
      }
      if (session.knownToClient) {
        this.violations.add(
          'session-dropped-silently',
          `shard ${session.shardId} left ${session.id} without sessionLost`,
        );
        this.#end(session, 'lost', tally, false);
      } else {
        this.#end(session, 'orphaned', tally);
      }
    }
  }

  #clientReady(session: OpenSession, tally: ShardTally): void {
    tally.sessions += 1;
    session.knownToClient = true;
    if (this.#announced.get(session.shardId) !== session.id) {
      this.violations.add(
        'new-session-not-announced',
        `shard ${session.shardId} started ${session.id} without connected / reconnected {isNewSession: true}`,
      );
    }
    for (const other of [...this.#open.values()]) {
      if (other === session || other.shardId !== session.shardId) continue;
      if (other.knownToClient) {
        this.violations.add(
          'silent-new-session',
          `shard ${session.shardId} started ${session.id} without reporting ${other.id} lost`,
        );
        this.#end(other, 'lost', tally, false);
      } else {
        // Its READY never reached the shard (the connection died first): the shard never had it.
        this.#end(other, 'orphaned', tally);
      }
    }
  }

  #end(session: OpenSession, fate: Fate, tally: ShardTally, reported = true): void {
    const undelivered = session.sentMax - session.receivedLast;
    if (fate === 'orphaned') tally.orphaned += session.sentMax;
    else if (reported) tally.lostReported += undelivered;
    else tally.lostSilently += undelivered;
    this.#open.delete(session.id);
    this.#ended.set(session.id, { shardId: session.shardId, fate });
    this.onChange();
  }

  #tally(shardId: number): ShardTally | undefined {
    const tally = this.#tallies[shardId];
    if (tally === undefined) this.violations.add('unknown-shard', `shard ${shardId}`);
    return tally;
  }
}
