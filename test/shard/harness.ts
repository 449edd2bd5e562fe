import { afterEach, expect } from 'vitest';
import { GatewayDispatchEvents, GatewayIntentBits } from 'discord-api-types/v10';
import type { GatewayDispatchPayload } from 'discord-api-types/v10';
import { BucketIdentifyGate, Shard } from '../../src/shard/index.js';
import type { ShardDispatchEvents, ShardEvents, ShardGateway, ShardOptions } from '../../src/shard/index.js';
import { FakeGateway } from '../../src/testing/index.js';
import type {
  DispatchRecord,
  FakeGatewayConnection,
  FakeGatewayEvents,
  FakeGatewayOptions,
  FakeGuild,
} from '../../src/testing/index.js';

/** A token distinctive enough that finding it anywhere it should not be is unambiguous. */
export const TOKEN = 'MTk4NjIy.statecord-secret-T0KEN.never-leak-me-7f3a';
export const GUILD_ID = '81384788765712384';
export const INTENTS = GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages;

/** Short lifecycle timeouts and back-off, so a test never waits on production-scale delays. */
export const TEST_TIMING = {
  helloTimeoutMs: 2_000,
  readyTimeoutMs: 2_000,
  resumeTimeoutMs: 2_000,
  backoffBaseMs: 10,
  backoffMaxMs: 50,
  invalidSessionMinMs: 20,
  invalidSessionMaxMs: 40,
} as const;

/** Fixed randomness: first heartbeat after 5 % of the interval, back-off 0–2 ms. */
export const RANDOM = (): number => 0.05;

/** No randomness: the first heartbeat comes right after Hello, back-off is 0. */
export const NO_JITTER = (): number => 0;

/** Long enough for the wait after op 9 `false`, plus a reconnect. */
export const INVALID_SESSION_TIMEOUT_MS = 4_000;

/** Default heartbeat interval of test gateways: long enough to leave the shard's send budget for commands. */
export const DEFAULT_HEARTBEAT_MS = 5_000;

/** Default wait for an event that must happen. */
export const EVENT_TIMEOUT_MS = 3_000;

/**
 * Resolves with the next `event` of an emitter matching `predicate`; rejects after `timeoutMs`. The
 * rejection is marked handled so that a wait abandoned by a failing test does not surface as an
 * unhandled rejection; awaiting it still throws.
 */
function nextOf<T>(
  on: (listener: (payload: T) => void) => () => void,
  event: string,
  predicate: (payload: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const promise = new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    const off = on((payload) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
  promise.catch(() => undefined);
  return promise;
}

/** The next `event` of a shard (see {@link nextOf}). */
export function nextEvent<K extends keyof ShardEvents>(
  shard: Shard,
  event: K,
  predicate: (payload: ShardEvents[K]) => boolean = () => true,
  timeoutMs = EVENT_TIMEOUT_MS,
): Promise<ShardEvents[K]> {
  return nextOf((listener) => shard.on(event, listener), event, predicate, timeoutMs);
}

/** The next `event` (a dispatch name, or `dispatch`) of `shard.gateway` (see {@link nextOf}). */
export function nextDispatch<K extends keyof ShardDispatchEvents>(
  gateway: ShardGateway,
  event: K,
  predicate: (payload: ShardDispatchEvents[K]) => boolean = () => true,
  timeoutMs = EVENT_TIMEOUT_MS,
): Promise<ShardDispatchEvents[K]> {
  return nextOf((listener) => gateway.on(event, listener), event, predicate, timeoutMs);
}

/** `gateway.waitFor`, with its rejection marked handled (see {@link nextOf}). */
export function waitForGateway<K extends keyof FakeGatewayEvents>(
  gateway: FakeGateway,
  event: K,
  predicate?: (value: FakeGatewayEvents[K][0]) => boolean,
  timeoutMs = EVENT_TIMEOUT_MS,
): Promise<FakeGatewayEvents[K][0]> {
  const promise = gateway.waitFor(event, predicate, { timeoutMs });
  promise.catch(() => undefined);
  return promise;
}

/**
 * Asserts that no new connection reaches the gateway within `windowMs`: the one bounded negative
 * wait these tests allow (after a fatal close, nothing may retry).
 */
export async function expectNoConnectionWithin(gateway: FakeGateway, windowMs: number): Promise<void> {
  const before = gateway.stats.connections;
  await expect(gateway.waitFor('connection', undefined, { timeoutMs: windowMs })).rejects.toThrow(
    /timed out/,
  );
  expect(gateway.stats.connections).toBe(before);
}

/**
 * Decides when each new connection gets Hello. Normally at once; while held, new connections wait,
 * which keeps the shard disconnected from its session for as long as a test needs.
 */
export class HelloGate {
  #held = false;
  readonly #waiting: FakeGatewayConnection[] = [];

  constructor(gateway: FakeGateway) {
    gateway.onConnection((connection) => {
      if (this.#held) this.#waiting.push(connection);
      else connection.sendHello();
    });
  }

  hold(): void {
    this.#held = true;
  }

  /** Connections waiting for Hello, oldest first (a test may send them something else). */
  takeWaiting(): FakeGatewayConnection[] {
    return this.#waiting.splice(0);
  }

  /** Sends Hello to every waiting connection, and to later ones at once. */
  release(): void {
    this.#held = false;
    for (const connection of this.#waiting.splice(0)) if (connection.open) connection.sendHello();
  }
}

/** Marker (`d.id`) of every MESSAGE_CREATE sent through a rig, by `${sessionId}:${s}` (shared by rigs). */
const markers = new Map<string, string>();
let nextMarker = 1;

export interface RecordedEvent {
  readonly type: keyof ShardEvents;
  readonly payload: unknown;
}

/** A shard plus everything it did, and helpers to drive its gateway. */
export class Rig {
  /** Every event the shard emitted, in order. */
  readonly events: RecordedEvent[] = [];
  /** Every dispatch `shard.gateway` emitted as `dispatch`, in order. */
  readonly received: GatewayDispatchPayload[] = [];
  /** The session each entry of `received` belongs to (a READY starts a new one). */
  readonly #receivedSession: Array<string | null> = [];

  constructor(
    readonly gateway: FakeGateway,
    readonly hello: HelloGate,
    readonly shard: Shard,
    /** Every dispatch the gateway gave to any session, in order. */
    readonly gatewayDispatches: readonly DispatchRecord[],
  ) {
    const types = ['connected', 'reconnected', 'sessionLost', 'failure', 'stateChange', 'warning'] as const;
    for (const type of types) shard.on(type, (payload) => this.events.push({ type, payload }));
    let session = shard.session?.sessionId ?? null;
    shard.gateway.on('dispatch', (payload) => {
      if (payload.t === GatewayDispatchEvents.Ready) session = payload.d.session_id;
      this.received.push(payload);
      this.#receivedSession.push(session);
    });
  }

  eventsOf<K extends keyof ShardEvents>(type: K): ShardEvents[K][] {
    return this.events.filter((event) => event.type === type).map((event) => event.payload as ShardEvents[K]);
  }

  get sessionId(): string {
    const session = this.shard.session;
    if (session === null) throw new Error('the shard holds no session');
    return session.sessionId;
  }

  /** The open connection carrying the shard's session. */
  get connection(): FakeGatewayConnection {
    const sessionId = this.sessionId;
    const connection = this.gateway.connections.find((conn) => conn.sessionId === sessionId && conn.open);
    if (connection === undefined) throw new Error(`no open connection carries session ${sessionId}`);
    return connection;
  }

  /**
   * Dispatches `count` MESSAGE_CREATE to the shard's session (connected or not); returns its records.
   * Other sessions of the shard (one the gateway still keeps after the shard gave it up) get them too.
   */
  send(count: number): DispatchRecord[] {
    const sessionId = this.sessionId;
    const records: DispatchRecord[] = [];
    for (let i = 0; i < count; i++) {
      const marker = `m${nextMarker++}`;
      const sent = this.gateway.dispatch(
        GatewayDispatchEvents.MessageCreate,
        {
          id: marker,
          guild_id: GUILD_ID,
          channel_id: '81384788765712385',
          content: marker,
          author: { id: '80351110224678912', username: 'someone' },
        },
        { shardId: this.shard.id },
      );
      const record = sent.find((entry) => entry.sessionId === sessionId);
      if (record === undefined) throw new Error(`the gateway did not dispatch to session ${sessionId}`);
      markers.set(`${record.sessionId}:${record.s}`, marker);
      records.push(record);
    }
    return records;
  }

  /** Resolves once the shard delivered a dispatch with sequence `s` (or later) of its current session. */
  async waitForSequence(s: number, timeoutMs = EVENT_TIMEOUT_MS): Promise<void> {
    const sessionId = this.sessionId;
    const reached = (): boolean =>
      this.received.some(
        (payload, index) => this.#receivedSession[index] === sessionId && (payload.s ?? 0) >= s,
      );
    if (reached()) return;
    await nextDispatch(this.shard.gateway, 'dispatch', reached, timeoutMs);
  }

  /** Sends `count` dispatches and waits until the shard delivered the last of them. */
  async sendAndReceive(count: number): Promise<DispatchRecord[]> {
    const records = this.send(count);
    const last = records.at(-1);
    if (last !== undefined) await this.waitForSequence(last.s);
    return records;
  }

  /** The dispatches the shard delivered for one session, in order. */
  receivedForSession(sessionId: string): GatewayDispatchPayload[] {
    return this.received.filter((_, index) => this.#receivedSession[index] === sessionId);
  }

  /**
   * The key acceptance check: what the shard delivered for `sessionId` is exactly what the gateway
   * sent on it (every `s` once, ascending, no gaps, same event names, same MESSAGE_CREATE data).
   * `afterSequence`: for a shard that took the session over, what it was handed had been seen before.
   */
  expectDeliveredExactlyOnce(sessionId: string = this.sessionId, afterSequence = 0): void {
    const sent = this.gatewayDispatches
      .filter((record) => record.sessionId === sessionId && record.s > afterSequence)
      .map((record) => ({ s: record.s, t: record.t }));
    const got = this.receivedForSession(sessionId).map((payload) => ({ s: payload.s, t: payload.t }));
    expect(got).toEqual(sent);
    expect(got.map((entry) => entry.s)).toEqual(got.map((_, index) => afterSequence + index + 1));
    for (const payload of this.receivedForSession(sessionId)) {
      if (payload.t !== GatewayDispatchEvents.MessageCreate) continue;
      expect(payload.d.id).toBe(markers.get(`${sessionId}:${payload.s}`));
    }
  }
}

export interface RigOptions {
  readonly gateway?: FakeGatewayOptions;
  readonly shard?: Partial<ShardOptions>;
}

/** Test gateway defaults: no identify spacing, Hello under the test's control, one guild on shard 0. */
export function gatewayDefaults(options: FakeGatewayOptions = {}): FakeGatewayOptions {
  const guilds: FakeGuild[] = [{ id: GUILD_ID, name: 'Guild' }];
  return {
    token: TOKEN,
    heartbeatIntervalMs: DEFAULT_HEARTBEAT_MS,
    identifyIntervalMs: 0,
    holdHello: true,
    guilds,
    ...options,
  };
}

/** Shard defaults for a gateway: its URL and token, short timings, no identify spacing. */
export function shardDefaults(gateway: FakeGateway, options: Partial<ShardOptions> = {}): ShardOptions {
  return {
    token: TOKEN,
    intents: INTENTS,
    gatewayUrl: gateway.url,
    compress: 'zlib-stream',
    identifyGate: new BucketIdentifyGate({ intervalMs: 0 }),
    random: RANDOM,
    timing: TEST_TIMING,
    ...options,
  };
}

/**
 * Per test file: creates gateways and shards and tears every one of them down after each test, so
 * that no socket or timer outlives its test.
 */
export function useShardRigs() {
  const shards: Shard[] = [];
  const gateways: FakeGateway[] = [];

  afterEach(async () => {
    await Promise.all(shards.splice(0).map((shard) => shard.stop()));
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
  });

  /** A gateway (with {@link gatewayDefaults}) and its Hello gate. */
  const startGateway = async (
    options: FakeGatewayOptions = {},
  ): Promise<{ gateway: FakeGateway; hello: HelloGate; dispatches: DispatchRecord[] }> => {
    const gateway = await FakeGateway.start(gatewayDefaults(options));
    gateways.push(gateway);
    const hello = new HelloGate(gateway);
    const dispatches: DispatchRecord[] = [];
    gateway.on('dispatch', (record) => dispatches.push(record));
    return { gateway, hello, dispatches };
  };

  /** A shard registered for teardown (the constructor may throw: nothing to tear down then). */
  const createShard = (options: ShardOptions): Shard => {
    const shard = new Shard(options);
    shards.push(shard);
    return shard;
  };

  /** A rig around a new, not yet started shard; `share` reuses another rig's gateway (for a second shard). */
  const rig = async (
    options: RigOptions = {},
    share?: Pick<Rig, 'gateway' | 'hello' | 'gatewayDispatches'>,
  ): Promise<Rig> => {
    const { gateway, hello, dispatches } = share
      ? { gateway: share.gateway, hello: share.hello, dispatches: share.gatewayDispatches }
      : await startGateway(options.gateway);
    const shard = createShard(shardDefaults(gateway, options.shard));
    return new Rig(gateway, hello, shard, dispatches);
  };

  /** A rig whose shard is started and READY. */
  const readyRig = async (options: RigOptions = {}): Promise<Rig> => {
    const started = await rig(options);
    await started.shard.start();
    return started;
  };

  return { startGateway, createShard, rig, readyRig };
}

/**
 * How a promise stands after at most `withinMs`: settled promises answer at once; only a promise
 * that stays pending costs the whole (short) bound. For "must not hang" checks.
 */
export async function settlement(
  promise: Promise<unknown>,
  withinMs: number,
): Promise<{ status: 'resolved' } | { status: 'rejected'; error: unknown } | { status: 'pending' }> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<{ status: 'pending' }>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'pending' }), withinMs);
  });
  try {
    return await Promise.race([
      promise.then(
        () => ({ status: 'resolved' }) as const,
        (error: unknown) => ({ status: 'rejected', error }) as const,
      ),
      pending,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
