/**
 * `npm start`: shards plus the visualizer, to watch their lifecycles live.
 *
 * - Without `DISCORD_TOKEN`: an embedded fake Discord gateway with a few guilds and a background
 *   stream of dispatches, `SHARDS` shards (default 4) against it, and a fault injected every few
 *   seconds (RECONNECT, a resumable close, a zombie connection, a dropped TCP connection, a
 *   non-resumable INVALID_SESSION) so that you can watch the shards recover. A fake voice server is
 *   attached: shards 0 and 1 join a stage channel and play an endless synthetic Opus source, and a
 *   voice fault comes every 1.5 × `FAULT_INTERVAL_MS` (a dropped voice connection, a new voice server,
 *   close 4015, a zombie voice connection, a forced disconnect then a rejoin, a leave then a join).
 * - With `DISCORD_TOKEN` (and optionally `DISCORD_INTENTS`, default GUILDS): the same manager against
 *   real Discord, with the shard count Discord recommends. No faults are injected.
 *
 * Other variables: `VISUALIZER_HOST` (default 127.0.0.1; any other address needs a key),
 * `VISUALIZER_PORT` (default a free port), `VISUALIZER_KEY`, `FAULT_INTERVAL_MS` (default 7000).
 * Ctrl-C stops the shards resumably and closes everything.
 */
import { GatewayIntentBits } from 'discord-api-types/v10';
import { ShardManager } from '../src/index.js';
import type { AudioPlayback, ShardManagerOptions, VoiceConnection } from '../src/index.js';
import { FakeGateway, FakeVoiceServer } from '../src/testing/index.js';
import type { FakeGatewayConnection, FakeGuild, FakeVoiceConnection } from '../src/testing/index.js';
import { createVisualizer } from '../src/visualizer/index.js';

const env = process.env;

function integerEnv(name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    console.error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

function time(): string {
  return new Date().toTimeString().slice(0, 8);
}

function say(line: string): void {
  console.log(`[${time()}] ${line}`);
}

const token = env['DISCORD_TOKEN'];
const useDiscord = token !== undefined && token !== '';
const shardCount = integerEnv('SHARDS', 4, 1);
const faultIntervalMs = integerEnv('FAULT_INTERVAL_MS', 7_000, 500);
const visualizerPort = integerEnv('VISUALIZER_PORT', 0, 0);

const viz = createVisualizer({
  port: visualizerPort,
  ...(env['VISUALIZER_HOST'] ? { host: env['VISUALIZER_HOST'] } : {}),
  ...(env['VISUALIZER_KEY'] ? { accessKey: env['VISUALIZER_KEY'] } : {}),
  // The URL (with a generated key, if any) is printed once, below.
  announce: () => {},
});

/** The stage channel of a demo guild (stage channels need no E2EE on the fake voice server). */
function stageOf(guildId: string): string {
  return (BigInt(guildId) + 1n).toString();
}

/**
 * Guild ids that route to shard `index % shardCount` (Discord routes by `(id >> 22) % shard_count`),
 * each with a stage channel.
 */
function demoGuilds(count: number): FakeGuild[] {
  const names = ['Lobby', 'Raid Night', 'Book Club', 'Speedrunners', 'Lo-fi Beats', 'Homework Help'];
  const base = BigInt(shardCount * 250_000);
  return Array.from({ length: count }, (_, index) => {
    const id = ((base + BigInt(index)) << 22n).toString();
    return {
      id,
      name: names[index % names.length] ?? `Guild ${index}`,
      channels: [{ id: stageOf(id), type: 13, name: 'Stage' }],
    };
  });
}

// A short voice heartbeat too, so that a zombie voice connection is noticed within seconds.
const voiceServer = useDiscord
  ? null
  : await FakeVoiceServer.start({ defaultChannelKind: 'stage', heartbeatIntervalMs: 2_500 });
const gateway = useDiscord
  ? null
  : await FakeGateway.start({
      shardCount,
      guilds: demoGuilds(Math.max(6, shardCount * 2)),
      // Short intervals, so that identifies pace visibly and a zombie is noticed within seconds.
      identifyIntervalMs: 400,
      heartbeatIntervalMs: 2_500,
      ...(voiceServer === null ? {} : { voice: { servers: voiceServer } }),
    });
const timers: NodeJS.Timeout[] = [];
/** Shards the background stream leaves alone: a zombie is only detected on a connection that is silent. */
const quiet = new Set<number>();

const options: ShardManagerOptions =
  gateway === null
    ? {
        token: token ?? '',
        intents: integerEnv('DISCORD_INTENTS', GatewayIntentBits.Guilds, 0),
        inspect: viz.inspect,
      }
    : {
        token: gateway.options.token,
        intents:
          GatewayIntentBits.Guilds |
          GatewayIntentBits.GuildMessages |
          GatewayIntentBits.GuildMessageTyping |
          GatewayIntentBits.GuildVoiceStates,
        restUrl: gateway.restUrl,
        gatewayUrl: gateway.url,
        identifyIntervalMs: 400,
        timing: { backoffBaseMs: 600, backoffMaxMs: 3_000 },
        inspect: viz.inspect,
      };

const manager = new ShardManager(options);
manager.on('shardReady', ({ shard, ready, total }) => say(`shard ${shard.id} ready (${ready}/${total})`));
manager.on('shardReconnected', ({ shard, isNewSession }) => {
  quiet.delete(shard.id);
  say(`shard ${shard.id} is back: ${isNewSession ? 'new session (identified again)' : 'resumed'}`);
});
manager.on('shardFailure', ({ shard, reason }) => say(`shard ${shard.id} failed for good: ${reason}`));
manager.on('warning', ({ context, shard }) =>
  say(`warning${shard ? ` (shard ${shard.id})` : ''}: ${context}`),
);

if (gateway === null) {
  try {
    await manager.createMinimumRequiredShards(); // GET /gateway/bot
  } catch (error) {
    console.error(
      `Could not ask Discord for the shard count: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  }
} else manager.createShards(shardCount);

const url = await viz.listen(manager);
console.log('');
console.log(
  useDiscord
    ? `statecord: ${manager.managedShardCount} shard(s) connecting to Discord.`
    : `statecord demo: ${shardCount} shards on an embedded fake Discord gateway (set DISCORD_TOKEN to use Discord).`,
);
console.log(`Visualizer: ${url}`);
if (!useDiscord) {
  console.log(`A fault is injected every ${faultIntervalMs / 1000} s; watch the shards recover.`);
  console.log(
    `Shards ${Math.min(2, shardCount) === 1 ? '0 holds a voice connection' : '0 and 1 hold a voice connection each'}; ` +
      `a voice fault comes every ${(faultIntervalMs * 1.5) / 1000} s.`,
  );
}
console.log('Ctrl-C to stop.\n');

const starting = manager.startShards();
for (const started of starting) {
  started.catch((error: unknown) =>
    say(`a shard did not start: ${error instanceof Error ? error.message : String(error)}`),
  );
}

if (gateway !== null) runDemo(gateway);
if (gateway !== null && voiceServer !== null) {
  void Promise.allSettled(starting).then(() => {
    if (!stopping) runVoiceDemo(gateway, voiceServer);
  });
}

function runDemo(fake: FakeGateway): void {
  const guilds = fake.options.guilds;
  let message = 0;
  // A background stream: a few dispatches per second to shards that are not being made zombies.
  timers.push(
    setInterval(() => {
      const candidates = guilds.filter((guild) => !quiet.has(Number(BigInt(guild.id) >> 22n) % shardCount));
      const guild = candidates[Math.floor(Math.random() * candidates.length)];
      if (guild === undefined) return;
      message += 1;
      if (message % 4 === 0) {
        fake.dispatch('TYPING_START', {
          channel_id: guild.id,
          guild_id: guild.id,
          user_id: '80351110224678912',
          timestamp: Math.floor(Date.now() / 1000),
        });
      } else {
        fake.dispatch('MESSAGE_CREATE', {
          id: String(1_300_000_000_000_000_000n + BigInt(message)),
          channel_id: guild.id,
          guild_id: guild.id,
          content: `message ${message}`,
          author: { id: '80351110224678912', username: 'someone' },
        });
      }
    }, 250),
  );

  const faults: Array<{
    name: string;
    inject: (connection: FakeGatewayConnection, shardId: number) => void;
  }> = [
    { name: 'RECONNECT (op 7)', inject: (connection) => connection.sendReconnect() },
    { name: 'close 4000 (resumable)', inject: (connection) => connection.close(4000) },
    {
      name: 'zombie connection (heartbeats no longer ACKed)',
      inject: (connection, shardId) => {
        quiet.add(shardId);
        connection.stopHeartbeatAcks();
      },
    },
    { name: 'TCP connection dropped', inject: (connection) => connection.terminate() },
    { name: 'INVALID_SESSION (not resumable)', inject: (connection) => connection.invalidateSession(false) },
  ];
  let next = 0;
  timers.push(
    setInterval(() => {
      const ready = manager.shards.filter((shard) => shard.state === 'ready' && !quiet.has(shard.id));
      const shard = ready[Math.floor(Math.random() * ready.length)];
      const connection = fake.connections.find(
        (candidate) => candidate.open && candidate.shardId === shard?.id,
      );
      if (shard === undefined || connection === undefined) return;
      const fault = faults[next % faults.length]!;
      next += 1;
      say(`fault → shard ${shard.id}: ${fault.name}`);
      fault.inject(connection, shard.id);
    }, faultIntervalMs),
  );
}

interface Call {
  readonly guildId: string;
  connection: VoiceConnection | null;
  playback: AudioPlayback | null;
}
const calls: Call[] = [];

/** An endless Opus source: small synthetic frames (the fake voice server decrypts, never decodes them). */
async function* endlessOpus(): AsyncGenerator<Uint8Array> {
  for (let frame = 0; ; frame += 1) {
    await Promise.resolve();
    yield Uint8Array.from([0xfc, frame & 0xff, (frame >> 8) & 0xff, 0x55]);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function joinAndPlay(call: Call): Promise<void> {
  if (stopping) return;
  try {
    const connection = await manager.voice.join(call.guildId, stageOf(call.guildId), {
      timing: { backoffBaseMs: 300, backoffMaxMs: 2_000 },
    });
    call.connection = connection;
    const shard = manager.voice.shardFor(call.guildId).id;
    say(`voice ${call.guildId} (shard ${shard}) ready: playing an endless Opus source`);
    connection.on('reconnected', ({ resumed }) =>
      say(`voice ${call.guildId} is back: ${resumed ? 'resumed' : 'new voice session'}`),
    );
    connection.on('disconnected', ({ reason, closeCode }) => {
      if (reason !== 'Left')
        say(`voice ${call.guildId} disconnected: ${reason}${closeCode === null ? '' : ` ${closeCode}`}`);
    });
    connection.on('warning', ({ context }) => say(`voice ${call.guildId} warning: ${context}`));
    call.playback = connection.play(endlessOpus());
    call.playback.finished.catch((error: unknown) =>
      say(`voice ${call.guildId} playback: ${errorText(error)}`),
    );
  } catch (error) {
    say(`voice ${call.guildId} could not join: ${errorText(error)}`);
  }
}

function runVoiceDemo(fake: FakeGateway, server: FakeVoiceServer): void {
  // The first guilds route to shards 0 and 1.
  for (const guild of fake.options.guilds.slice(0, Math.min(2, shardCount))) {
    const call: Call = { guildId: guild.id, connection: null, playback: null };
    calls.push(call);
    void joinAndPlay(call);
  }
  /** Acts on the guild's open voice socket on the fake server; false when it has none right now. */
  const onSocket = (guildId: string, act: (socket: FakeVoiceConnection) => void): boolean => {
    const socket = server.connections.find(
      (connection) => connection.open && connection.session?.guildId === guildId,
    );
    if (socket !== undefined) act(socket);
    return socket !== undefined;
  };
  const later = (ms: number, action: () => void) => {
    const timer = setTimeout(() => {
      if (!stopping) action();
    }, ms);
    timer.unref();
  };
  const faults: Array<{ name: string; inject: (call: Call, connection: VoiceConnection) => boolean }> = [
    {
      name: 'voice TCP connection dropped (resumes)',
      inject: (call) => onSocket(call.guildId, (socket) => socket.terminate()),
    },
    {
      name: 'a new voice server (VOICE_SERVER_UPDATE, the old socket closed 4014): identifies afresh',
      inject: (call) => server.moveEndpoint({ guildId: call.guildId }) > 0,
    },
    {
      name: 'voice close 4015, server crashed (resumes)',
      inject: (call) => onSocket(call.guildId, (socket) => socket.close(4015)),
    },
    {
      name: 'zombie voice connection (heartbeats no longer ACKed)',
      inject: (call) => onSocket(call.guildId, (socket) => socket.stopHeartbeatAcks()),
    },
    {
      name: 'removed from the channel (rejoins in 3 s)',
      inject: (call, connection) => {
        server.forceDisconnect({ guildId: call.guildId });
        later(3_000, () => {
          connection
            .rejoin()
            .catch((error: unknown) => say(`voice ${call.guildId} rejoin: ${errorText(error)}`));
        });
        return true;
      },
    },
    {
      name: 'leave (destroyed), then join again in 3 s',
      inject: (call, connection) => {
        call.playback?.stop();
        call.connection = null;
        call.playback = null;
        void connection.leave().then(() => later(3_000, () => void joinAndPlay(call)));
        return true;
      },
    },
  ];
  let next = 0;
  let turn = 0;
  timers.push(
    setInterval(() => {
      // Each call in turn (another ready one if it is not ready), so that each has time to recover.
      const ready = calls.filter((candidate) => candidate.connection?.state === 'ready');
      const preferred = calls[turn % calls.length];
      turn += 1;
      const call = preferred !== undefined && ready.includes(preferred) ? preferred : ready[0];
      if (call === undefined || call.connection === null) return;
      const fault = faults[next % faults.length]!;
      let injected = false;
      try {
        injected = fault.inject(call, call.connection);
      } catch (error) {
        say(`voice fault ${fault.name} not injected: ${errorText(error)}`);
      }
      if (!injected) return;
      next += 1;
      say(`voice fault → ${call.guildId}: ${fault.name}`);
    }, faultIntervalMs * 1.5),
  );
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) {
    console.log('\nForced exit.');
    process.exit(130);
  }
  stopping = true;
  console.log(`\n${signal}: stopping the shards (resumable) and closing…`);
  for (const timer of timers) clearInterval(timer);
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  try {
    for (const call of calls) call.playback?.stop();
    await Promise.all(calls.flatMap((call) => (call.connection === null ? [] : [call.connection.leave()])));
    await manager.stopShards({ resumable: true });
    await viz.close();
    await gateway?.close();
    await voiceServer?.close();
    console.log('Stopped.');
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void shutdown(signal));
}
