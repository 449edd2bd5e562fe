import { request } from 'node:http';
import { GatewayIntentBits } from 'discord-api-types/v10';
import { afterEach } from 'vitest';
import { WebSocket } from 'ws';
import { ShardManager } from '../../src/index.js';
import { FakeGateway, FakeVoiceServer } from '../../src/testing/index.js';
import type { FakeGatewayOptions, FakeGuild } from '../../src/testing/index.js';
import { createVisualizer } from '../../src/visualizer/index.js';
import type { FeedMessage, Visualizer, VisualizerOptions } from '../../src/visualizer/index.js';

/** A token distinctive enough that finding it anywhere it should not be is unambiguous. */
export const TOKEN = 'MTk4NjIy.statecord-secret-T0KEN.never-leak-me-7f3a';
export const GUILD_ID = '81384788765712384';
/** A stage channel: the fake voice server needs no E2EE there. */
export const STAGE_ID = '81384788765712390';
/** Short voice timings: a test never waits on production-scale back-offs. */
export const VOICE_TIMING = { backoffBaseMs: 20, backoffMaxMs: 100 } as const;

/** A guild id that routes to `shard` of `total` (`(id >> 22) % total`), near {@link GUILD_ID}. */
export function guildOnShard(shard: number, total: number): string {
  const high = BigInt(GUILD_ID) >> 22n;
  return ((high - (high % BigInt(total)) + BigInt(shard)) << 22n).toString();
}

/** A guild with a stage channel, so that a shard can join its voice channel on the fake voice server. */
export function stageGuild(id: string, name?: string): FakeGuild {
  return {
    id,
    ...(name === undefined ? {} : { name }),
    channels: [{ id: STAGE_ID, type: 13, name: 'stage' }],
  };
}

/** An endless Opus source of small synthetic frames; `stop()` ends it. */
export function endlessFrames(): { readonly source: AsyncGenerator<Uint8Array>; readonly stop: () => void } {
  let stopped = false;
  async function* source(): AsyncGenerator<Uint8Array> {
    for (let index = 0; !stopped; index += 1) {
      await Promise.resolve();
      yield Uint8Array.from([0xfc, index & 0xff, (index >> 8) & 0xff, 0x55]);
    }
  }
  return { source: source(), stop: () => (stopped = true) };
}

const cleanups: Array<() => Promise<void> | void> = [];
// Stopping a 1,000-shard manager and its browser takes well over the default hook timeout under load.
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}, 120_000);

/** Runs `cleanup` after the current test (in reverse order of registration). */
export function defer(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

export interface System {
  readonly gateway: FakeGateway;
  /** The fake voice server attached to the gateway (with `voice: true`), else null. */
  readonly voice: FakeVoiceServer | null;
  readonly manager: ShardManager;
  readonly viz: Visualizer;
  readonly url: string;
}

/**
 * A fake gateway, a manager of `shards` shards inspected by a visualizer, all listening; not started.
 * With `voice`, a fake voice server is attached: the guilds' stage channels can be joined.
 */
export async function startSystem(
  shards: number,
  options: {
    guilds?: FakeGuild[];
    visualizer?: VisualizerOptions;
    voice?: boolean;
    gateway?: Omit<FakeGatewayOptions, 'token' | 'shardCount' | 'guilds' | 'voice'>;
  } = {},
): Promise<System> {
  const voice = options.voice === true ? await FakeVoiceServer.start({ defaultChannelKind: 'stage' }) : null;
  if (voice !== null) defer(() => voice.close());
  const gateway = await FakeGateway.start({
    token: TOKEN,
    identifyIntervalMs: 0,
    shardCount: shards,
    ...(options.guilds === undefined ? {} : { guilds: options.guilds }),
    ...(voice === null ? {} : { voice: { servers: voice } }),
    ...options.gateway,
  });
  defer(() => gateway.close());
  const viz = createVisualizer({ countersIntervalMs: 20, ...options.visualizer });
  defer(() => viz.close());
  const manager = new ShardManager({
    token: TOKEN,
    intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages | GatewayIntentBits.GuildVoiceStates,
    restUrl: gateway.restUrl,
    gatewayUrl: gateway.url,
    identifyIntervalMs: 0,
    timing: { backoffBaseMs: 10, backoffMaxMs: 50 },
    inspect: viz.inspect,
  });
  defer(() => manager.stopShards());
  manager.createShards(shards);
  const url = await viz.listen(manager);
  return { gateway, voice, manager, viz, url };
}

/** Every message of one feed connection, raw and parsed, with a way to wait for one. */
export interface FeedClient {
  readonly raw: string[];
  readonly messages: FeedMessage[];
  waitFor(predicate: (message: FeedMessage) => boolean, timeoutMs?: number): Promise<FeedMessage>;
}

export function feedUrl(pageUrl: string): string {
  const url = new URL(pageUrl);
  url.protocol = 'ws:';
  url.pathname = '/feed';
  return url.toString();
}

/** Connects to a visualizer's feed; resolves once the connection is open. */
export async function connectFeed(pageUrl: string): Promise<FeedClient> {
  const socket = new WebSocket(feedUrl(pageUrl));
  defer(() => socket.terminate());
  const raw: string[] = [];
  const messages: FeedMessage[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data: Buffer) => {
    const text = data.toString('utf8');
    raw.push(text);
    // A batch is the messages of one feed interval, in order: the tests read them one by one.
    const message = JSON.parse(text) as FeedMessage;
    messages.push(...(message.type === 'batch' ? message.messages : [message]));
    for (const waiter of waiters) waiter();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return {
    raw,
    messages,
    waitFor: (predicate, timeoutMs = 5_000) =>
      new Promise<FeedMessage>((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (found === undefined) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching feed message within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}

/** A GET with chosen headers (fetch may not set `Host`); resolves with the status and body. */
export function httpGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a WebSocket to `url`; resolves with the HTTP status of a refused upgrade, or 101 when it opened. */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => {
      resolve(101);
      socket.terminate();
    });
    socket.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}
