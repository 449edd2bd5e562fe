import { afterEach, expect } from 'vitest';
import { GatewayDispatchEvents, GatewayIntentBits } from 'discord-api-types/v10';
import { BucketIdentifyGate, Shard } from '../../src/index.js';
import type { ShardEvents, ShardOptions } from '../../src/index.js';
import { FakeGateway } from '../../src/testing/index.js';
import type {
  DispatchRecord,
  FakeGatewayConnection,
  FakeGatewayEvents,
  FakeGatewayOptions,
} from '../../src/testing/index.js';
import type { EventMap, TypedEmitter } from '../../src/util/typed-emitter.js';
import { DispatchLedger, Violations } from './soak/ledger.js';
import { ShardCounters, watchShard } from './soak/watch.js';

export const TOKEN = 'statecord-reliability-token';
export const GUILD_ID = '81384788765712384';
export const INTENTS = GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages;
export const EVENT_TIMEOUT_MS = 5_000;

/** Short timeouts and back-off: no test waits on production-scale delays. */
export const FAST_TIMING = {
  helloTimeoutMs: 2_000,
  readyTimeoutMs: 2_000,
  resumeTimeoutMs: 2_000,
  backoffBaseMs: 20,
  backoffMaxMs: 100,
  invalidSessionMinMs: 100,
  invalidSessionMaxMs: 300,
} as const;

/** No jitter: back-off 0, first heartbeat right after HELLO, the wait after op 9 `false` at its minimum. */
export const NO_JITTER = (): number => 0;

type Listenable<E extends EventMap<E>> = Pick<TypedEmitter<E>, 'on'>;

/** The next `event` of a typed emitter matching `predicate`; rejects (handled) after `timeoutMs`. */
export function nextEvent<E extends EventMap<E>, K extends keyof E & string>(
  emitter: Listenable<E>,
  event: K,
  predicate: (payload: E[K]) => boolean = () => true,
  timeoutMs = EVENT_TIMEOUT_MS,
): Promise<E[K]> {
  const promise = new Promise<E[K]>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    const off = emitter.on(event, (payload) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
  promise.catch(() => undefined);
  return promise;
}

/** `gateway.waitFor` with its rejection marked handled (awaiting it still throws). */
export function gatewayEvent<K extends keyof FakeGatewayEvents>(
  gateway: FakeGateway,
  event: K,
  predicate?: (value: FakeGatewayEvents[K][0]) => boolean,
  timeoutMs = EVENT_TIMEOUT_MS,
): Promise<FakeGatewayEvents[K][0]> {
  const promise = gateway.waitFor(event, predicate, { timeoutMs });
  promise.catch(() => undefined);
  return promise;
}

/** A shard on a fake gateway, watched by the exactly-once ledger of the soak. */
export class Rig {
  readonly violations = new Violations();
  readonly counters = new ShardCounters();
  readonly ledger: DispatchLedger;
  readonly events: Array<{ readonly type: keyof ShardEvents; readonly payload: unknown }> = [];
  readonly #waiters = new Set<() => void>();
  #marker = 0;

  constructor(
    readonly gateway: FakeGateway,
    readonly shard: Shard,
  ) {
    this.ledger = new DispatchLedger(shard.shardCount, this.violations, () => this.changed());
    gateway.on('dispatch', (record) => {
      if (record.shardId === shard.id) this.ledger.gatewayDispatched(record);
    });
    for (const event of ['close', 'resumed', 'heartbeat', 'connection', 'identify'] as const) {
      gateway.on(event, () => this.changed());
    }
    watchShard(shard, this.ledger, this.violations, this.counters, { changed: () => this.changed() });
    const types = ['connected', 'reconnected', 'sessionLost', 'failure', 'stateChange', 'warning'] as const;
    for (const type of types) shard.on(type, (payload) => this.events.push({ type, payload }));
  }

  eventsOf<K extends keyof ShardEvents>(type: K): ShardEvents[K][] {
    return this.events.filter((event) => event.type === type).map((event) => event.payload as ShardEvents[K]);
  }

  changed(): void {
    for (const check of [...this.#waiters]) check();
  }

  /** Resolves once `predicate` holds (re-checked on every shard, ledger and gateway event); rejects after `timeoutMs`. */
  until(predicate: () => boolean, what: string, timeoutMs = EVENT_TIMEOUT_MS): Promise<void> {
    if (predicate()) return Promise.resolve();
    const promise = new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(`timed out after ${timeoutMs} ms waiting until ${what} (shard ${this.shard.state})`),
        );
      }, timeoutMs);
      this.#waiters.add(check);
    });
    promise.catch(() => undefined);
    return promise;
  }

  get sessionId(): string {
    const session = this.shard.session;
    if (session === null) throw new Error('the shard holds no session');
    return session.sessionId;
  }

  /** The open connection carrying the shard's session. */
  get connection(): FakeGatewayConnection {
    const sessionId = this.sessionId;
    const connection = this.gateway.connections.find((conn) => conn.open && conn.sessionId === sessionId);
    if (connection === undefined) throw new Error(`no open connection carries session ${sessionId}`);
    return connection;
  }

  /** Dispatches `count` marked MESSAGE_CREATEs to the shard's sessions (connected or buffering). */
  send(count: number): DispatchRecord[] {
    const records: DispatchRecord[] = [];
    for (let index = 0; index < count; index++) {
      const marker = `m${++this.#marker}`;
      this.ledger.marker = marker;
      try {
        records.push(
          ...this.gateway.dispatch(
            GatewayDispatchEvents.MessageCreate,
            {
              id: marker,
              guild_id: GUILD_ID,
              channel_id: '81384788765712385',
              content: marker,
              author: { id: '80351110224678912', username: 'someone' },
            },
            { shardId: this.shard.id },
          ),
        );
      } finally {
        this.ledger.marker = null;
      }
    }
    return records;
  }

  /** Waits until the shard is ready and delivered everything its session was sent. */
  delivered(what = 'every dispatch is delivered', timeoutMs = EVENT_TIMEOUT_MS): Promise<void> {
    return this.until(
      () =>
        this.shard.state === 'ready' &&
        this.shard.session !== null &&
        this.ledger.isDrained(this.shard.session.sessionId),
      what,
      timeoutMs,
    );
  }

  /** Sends `count` dispatches and waits until all are delivered. */
  async sendAndReceive(count: number, timeoutMs = EVENT_TIMEOUT_MS): Promise<void> {
    this.send(count);
    await this.delivered(`${count} dispatches are delivered`, timeoutMs);
  }

  /** No invariant of the ledger was violated: every dispatch once, in order; new sessions reported. */
  expectClean(): void {
    expect(this.violations.samples).toEqual([]);
  }
}

export interface RigOptions {
  readonly gateway?: FakeGatewayOptions;
  readonly shard?: Partial<ShardOptions>;
}

/** Per test file: gateways and shards, torn down after each test. */
export function useRigs() {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const startGateway = async (options: FakeGatewayOptions = {}): Promise<FakeGateway> => {
    const gateway = await FakeGateway.start({
      token: TOKEN,
      heartbeatIntervalMs: 5_000,
      identifyIntervalMs: 0,
      guilds: [{ id: GUILD_ID, name: 'Guild' }],
      ...options,
    });
    cleanups.push(() => gateway.close());
    return gateway;
  };

  const createShard = (options: ShardOptions): Shard => {
    const shard = new Shard(options);
    cleanups.push(() => shard.stop());
    return shard;
  };

  const rig = async (options: RigOptions = {}, gateway?: FakeGateway): Promise<Rig> => {
    const fake = gateway ?? (await startGateway(options.gateway));
    const shard = createShard({
      token: TOKEN,
      intents: INTENTS,
      gatewayUrl: fake.url,
      compress: 'zlib-stream',
      identifyGate: new BucketIdentifyGate({ intervalMs: 0 }),
      random: NO_JITTER,
      timing: FAST_TIMING,
      ...options.shard,
    });
    return new Rig(fake, shard);
  };

  const readyRig = async (options: RigOptions = {}): Promise<Rig> => {
    const started = await rig(options);
    await started.shard.start();
    return started;
  };

  return {
    startGateway,
    createShard,
    rig,
    readyRig,
    onCleanup: (cleanup: () => Promise<void>) => cleanups.push(cleanup),
  };
}

/** Counts process-level unhandled rejections and uncaught exceptions while a test file runs. */
export function countProcessErrors(): {
  readonly rejections: unknown[];
  readonly exceptions: unknown[];
  dispose(): void;
} {
  const rejections: unknown[] = [];
  const exceptions: unknown[] = [];
  const onRejection = (reason: unknown): void => void rejections.push(reason);
  const onException = (error: unknown): void => void exceptions.push(error);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    rejections,
    exceptions,
    dispose: () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}
