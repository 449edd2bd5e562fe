/**
 * Start-up pacing: a `ShardManager` starts `shards` shards against a fake gateway with
 * `maxConcurrency` buckets and a short identify interval; reports the time until every shard is ready
 * and when its identify gate granted each identify (to set against when the gateway received it).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GatewayIntentBits } from 'discord-api-types/v10';
import WebSocket from 'ws';
import { SessionStartGate, ShardManager } from '../../src/index.js';
import type { IdentifyGate, ShardManagerOptions } from '../../src/index.js';
import { childArgs, toParent } from '../lib/child.js';
import type { StartupArgs, StartupResult } from '../lib/protocol.js';

const args = childArgs<StartupArgs>();
const options: ShardManagerOptions = {
  token: args.token,
  intents: GatewayIntentBits.Guilds,
  restUrl: args.restUrl,
  gatewayUrl: args.url,
  identifyIntervalMs: args.identifyIntervalMs,
  // A bot that knows its max_concurrency says so: round 0 then opens while GET /gateway/bot is asked.
  ...(args.pacing === 'waves-known' ? { maxConcurrency: args.maxConcurrency } : {}),
  ...(args.identifyMarginMs === undefined ? {} : { identifyMarginMs: args.identifyMarginMs }),
};
/** The gate a manager with these options builds (its margins), unused but for its settings. */
const ownGate = new ShardManager({ ...options, fetchGatewayInfo: false }).identifyGate as SessionStartGate;
const gateSettings = { intervalMs: ownGate.intervalMs, answerTimeoutMs: ownGate.answerTimeoutMs };
let userGate: IdentifyGate | undefined;
if (args.pacing === 'all-at-once') {
  const inner = new SessionStartGate({ maxConcurrency: args.maxConcurrency, ...gateSettings });
  // Not a SessionStartGate: the manager does not know its pacing and starts every shard at once.
  userGate = {
    waitForIdentify: (shardId, signal) => inner.waitForIdentify(shardId, signal),
    identifyAnswered: (shardId) => inner.identifyAnswered(shardId),
  };
}
const manager = new ShardManager({
  ...options,
  ...(userGate === undefined ? {} : { identifyGate: userGate }),
});
manager.on('warning', ({ error, context }) =>
  process.stderr.write(`warning: ${context}: ${error.message}\n`),
);

// Observe the gate without changing it: the shards call `gate.waitForIdentify` on this very object.
const gate = manager.identifyGate;
const grants: Array<{ shardId: number; at: number }> = [];
const waitForIdentify = gate.waitForIdentify.bind(gate);
gate.waitForIdentify = async (shardId, signal) => {
  await waitForIdentify(shardId, signal);
  grants.push({ shardId, at: Date.now() });
};
// When the gate learnt that the gateway answered each IDENTIFY (READY or op 9).
const answers: Array<{ shardId: number; at: number }> = [];
const identifyAnswered = gate.identifyAnswered?.bind(gate);
if (identifyAnswered !== undefined) {
  gate.identifyAnswered = (shardId) => {
    answers.push({ shardId, at: Date.now() });
    identifyAnswered(shardId);
  };
}

// When each IDENTIFY actually leaves for the socket (op 2 through ws's send).
const identifySends: Array<{ shardId: number; at: number }> = [];
const send = Reflect.get(WebSocket.prototype, 'send') as (this: WebSocket, ...args: unknown[]) => void;
WebSocket.prototype.send = function (this: WebSocket, data: unknown, ...rest: unknown[]) {
  if (typeof data === 'string' && data.startsWith('{"op":2,')) {
    const shard = /"shard":\[(\d+),/.exec(data);
    if (shard !== null) identifySends.push({ shardId: Number(shard[1]), at: Date.now() });
    // Experiment (not the library's rule): also report the answer B ms after the send, i.e. count the
    // bucket's next interval from min(send + B, answer), to see what counting from the send would cost.
    const bound = process.env['STARTUP_SEND_BOUND_MS'];
    if (shard !== null && bound !== undefined && identifyAnswered !== undefined) {
      const id = Number(shard[1]);
      setTimeout(() => identifyAnswered(id), Number(bound));
    }
  }
  send.call(this, data, ...rest);
} as typeof WebSocket.prototype.send;
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();

manager.createShards(args.shards);
/** When start-up milestones first happened (ms after `startShards()`): GET /gateway/bot, first state changes. */
const phases: Record<string, number> = {};
const getBot = manager.http.gateway.getBot.bind(manager.http.gateway);
manager.http.gateway.getBot = async (...a: Parameters<typeof getBot>) => {
  phases['getBotStart'] ??= Date.now();
  const r = await getBot(...a);
  phases['getBotEnd'] ??= Date.now();
  return r;
};
for (const shard of manager.shards) {
  shard.on('stateChange', ({ to }) => (phases[`first-${to}`] ??= Date.now()));
}
// A start that stalls says where: the states of the shards that are not ready, after 60 s.
setTimeout(() => {
  const stuck = manager.shards.filter((shard) => shard.state !== 'ready');
  process.stderr.write(
    `start-up stalled: manager ${manager.state}, ${stuck.length} shards not ready: ` +
      `${stuck.map((shard) => `${shard.id}:${shard.state}`).join(' ')}\n`,
  );
}, 60_000).unref();
const started = performance.now();
const startedAt = Date.now();
await Promise.all(manager.startShards());
const allReadyMs = performance.now() - started;

await toParent({
  type: 'result',
  shards: args.shards,
  allReadyMs,
  maxConcurrency: args.maxConcurrency,
  intervalMs: args.identifyIntervalMs,
  marginMs: gateSettings.intervalMs - args.identifyIntervalMs,
  startedAt,
  grants,
  identifySends,
  answers,
  phases: Object.fromEntries(Object.entries(phases).map(([name, at]) => [name, at - startedAt])),
  eventLoopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
} satisfies StartupResult);
await manager.stopShards();
process.exit(0);
