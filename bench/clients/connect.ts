/**
 * The clients under test, behind one function: connect `shards` shards to the fake gateway and call
 * `onDispatch` for every dispatch (READY included). Resolves when every shard is ready.
 */
import { createRequire } from 'node:module';
import { REST } from '@discordjs/rest';
import { CompressionMethod, WebSocketManager, WebSocketShardEvents } from '@discordjs/ws';
import WebSocket from 'ws';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { Shard, ShardManager } from '../../src/index.js';
import { attachMetrics } from '../../src/metrics/index.js';
import { createInboundDecoder } from '../../src/gateway/codec/index.js';
import type { InboundDecoder } from '../../src/gateway/codec/index.js';
import type * as ZlibSync from 'zlib-sync';
import type { ClientKind, Compression, GatewayEndpoints } from '../lib/protocol.js';
import { connectDiscordeno } from './discordeno.js';

/**
 * zlib-sync, a native CommonJS addon (ESM sees only its default export, so it is required), loaded on
 * first use: it is built for one Node ABI, and the zstd runs use another node.
 */
let zlibSyncModule: typeof ZlibSync | null = null;
const zlibSync = (): typeof ZlibSync =>
  (zlibSyncModule ??= createRequire(import.meta.url)('zlib-sync') as typeof ZlibSync);

export interface ConnectOptions extends GatewayEndpoints {
  readonly client: ClientKind;
  readonly compression: Compression;
  readonly shards: number;
  readonly intents: number;
  readonly onDispatch: () => void;
}

/** Bytes of every WebSocket message the floor clients received (the stream on the wire). */
export const wire = { bytes: 0 };

export interface ConnectedClient {
  close(): Promise<void>;
}

export async function connectClient(options: ConnectOptions): Promise<ConnectedClient> {
  switch (options.client) {
    case 'floor':
    case 'floor-node':
      return connectFloor(options);
    case 'statecord':
      return options.shards === 1 ? connectStatecordShard(options) : connectStatecordManager(options);
    case 'statecord-metrics':
      return connectStatecordManager(options, true);
    case 'statecord-typical':
      return connectStatecordShard(options, ['MESSAGE_CREATE', 'INTERACTION_CREATE']);
    case 'discordjs':
    case 'discordjs-native':
      return connectDiscordJs(options);
    case 'discordeno':
    case 'discordeno-camel':
      return connectDiscordeno({ ...options, snakeCase: options.client === 'discordeno' });
  }
}

/**
 * One statecord `Shard` (what the throughput benchmark measures): `onDispatch` for every dispatch, or
 * only for the listed types (then nothing else is parsed).
 */
async function connectStatecordShard(
  options: ConnectOptions,
  types?: ReadonlyArray<'MESSAGE_CREATE' | 'INTERACTION_CREATE'>,
): Promise<ConnectedClient> {
  const shard = new Shard({
    token: options.token,
    intents: options.intents,
    restUrl: options.restUrl,
    gatewayUrl: options.url,
    compress: options.compression,
  });
  if (types === undefined) shard.gateway.on('dispatch', options.onDispatch);
  else for (const type of types) shard.gateway.on(type, options.onDispatch);
  await shard.start();
  return { close: () => shard.stop() };
}

/**
 * A `ShardManager` (`/gateway/bot` from the fake's REST) running `shards` shards in this process;
 * with `metrics`, `statecord/metrics` reports to an OpenTelemetry SDK meter (read every 60 s, as by default).
 */
async function connectStatecordManager(options: ConnectOptions, metrics = false): Promise<ConnectedClient> {
  const manager = new ShardManager({
    token: options.token,
    intents: options.intents,
    restUrl: options.restUrl,
    gatewayUrl: options.url,
    compress: options.compression,
  });
  manager.createShards(options.shards);
  const provider = metrics
    ? new MeterProvider({
        readers: [
          new PeriodicExportingMetricReader({
            exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
          }),
        ],
      })
    : null;
  const handle = provider === null ? null : attachMetrics(manager, { meter: provider.getMeter('bench') });
  for (const shard of manager.shards) shard.gateway.on('dispatch', options.onDispatch);
  await Promise.all(manager.startShards());
  return {
    close: async () => {
      handle?.detach();
      await manager.stopShards();
      await provider?.shutdown();
    },
  };
}

/** `@discordjs/ws` 2.x with `@discordjs/rest` pointed at the fake's REST. */
async function connectDiscordJs(options: ConnectOptions): Promise<ConnectedClient> {
  const rest = new REST({ api: options.restBaseUrl, version: '10' }).setToken(options.token);
  const compression =
    options.compression === 'none'
      ? null
      : options.client === 'discordjs-native'
        ? CompressionMethod.ZlibNative
        : CompressionMethod.ZlibSync;
  const manager = new WebSocketManager({
    token: options.token,
    intents: options.intents,
    rest,
    compression,
    shardCount: options.shards,
  });
  manager.on(WebSocketShardEvents.Dispatch, options.onDispatch);
  await manager.connect();
  return { close: async () => manager.destroy() };
}

/**
 * The floor: a bare `ws` client per shard that identifies, heartbeats, inflates (one context per
 * connection, synchronously) and `JSON.parse`s, and does nothing else. `floor` inflates with
 * zlib-sync; `floor-node` decodes with statecord's own codec (node:zlib through the sync handle).
 */
async function connectFloor(options: ConnectOptions): Promise<ConnectedClient> {
  const sockets = await Promise.all(
    Array.from({ length: options.shards }, (_, shardId) => connectFloorShard(options, shardId)),
  );
  return {
    close: async () => {
      await Promise.all(
        sockets.map(
          (ws) =>
            new Promise<void>((resolve) => {
              ws.once('close', () => resolve());
              ws.close(1000);
            }),
        ),
      );
    },
  };
}

function connectFloorShard(options: ConnectOptions, shardId: number): Promise<WebSocket> {
  const query = options.compression === 'none' ? '' : `&compress=${options.compression}`;
  const ws = new WebSocket(`${options.url}/?v=10&encoding=json${query}`, { perMessageDeflate: false });
  const decode = floorDecoder(options);
  const { onDispatch } = options;
  let sequence: number | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  return new Promise((resolve, reject) => {
    ws.on('error', reject);
    ws.on('close', () => {
      if (heartbeat !== null) clearInterval(heartbeat);
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      wire.bytes += data.length;
      const payload = decode(data, isBinary) as {
        op: number;
        s: number | null;
        t: string | null;
        d: unknown;
      } | null;
      if (payload === null) return;
      if (payload.op === 0) {
        sequence = payload.s;
        onDispatch();
        if (payload.t === 'READY') resolve(ws);
      } else if (payload.op === 10) {
        const interval = (payload.d as { heartbeat_interval: number }).heartbeat_interval;
        heartbeat = setInterval(() => ws.send(JSON.stringify({ op: 1, d: sequence })), interval);
        ws.send(
          JSON.stringify({
            op: 2,
            d: {
              token: options.token,
              intents: options.intents,
              shard: [shardId, options.shards],
              properties: { os: process.platform, browser: 'floor', device: 'floor' },
            },
          }),
        );
      }
    });
  });
}

function floorDecoder(options: ConnectOptions): (data: Buffer, isBinary: boolean) => unknown {
  if (options.client === 'floor-node') {
    const decoder: InboundDecoder = createInboundDecoder(options.compression);
    return (data, isBinary) => decoder.decode(data, isBinary);
  }
  if (options.compression === 'none') return (data) => JSON.parse(data.toString()) as unknown;
  // zlib-sync's default 16 KiB output chunk: the leanest setting (64 KiB measured no faster here).
  const { Inflate, Z_NO_FLUSH, Z_SYNC_FLUSH } = zlibSync();
  const inflate = new Inflate({ to: 'string' });
  return (data) => {
    const length = data.length;
    const flush =
      length >= 4 &&
      data[length - 4] === 0 &&
      data[length - 3] === 0 &&
      data[length - 2] === 0xff &&
      data[length - 1] === 0xff;
    inflate.push(data, flush ? Z_SYNC_FLUSH : Z_NO_FLUSH);
    if (inflate.err) throw new Error(`inflate failed: ${inflate.msg ?? inflate.err}`);
    return flush ? (JSON.parse(inflate.result as string) as unknown) : null;
  };
}
