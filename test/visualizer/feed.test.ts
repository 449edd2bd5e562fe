import { describe, expect, it } from 'vitest';
import type { FeedMessage, LogEntry, ShardView, VoiceView } from '../../src/visualizer/index.js';
import { eventDetail, safeEventName } from '../../src/visualizer/feed-whitelist.js';
import type { FakeGateway, FakeVoiceServer } from '../../src/testing/index.js';
import {
  GUILD_ID,
  STAGE_ID,
  TOKEN,
  VOICE_TIMING,
  connectFeed,
  endlessFrames,
  stageGuild,
  startSystem,
} from './harness.js';
import type { FeedClient } from './harness.js';

const SECRET_CONTENT = 'dispatch-content-secret-5e7b1c';
const SECRET_GUILD_NAME = 'guild-name-secret-90d2aa';

function isLog(message: FeedMessage, shard: number, from: string, to: string): boolean {
  return (
    message.type === 'log' &&
    message.entry.shard === shard &&
    message.entry.guild === null &&
    message.entry.from === from &&
    message.entry.to === to
  );
}

/** The first log entry of a guild's voice connection, after entry `after`, with this event and target. */
async function voiceLog(
  feed: FeedClient,
  guild: string,
  event: string,
  to: string,
  after = 0,
): Promise<LogEntry> {
  const message = await feed.waitFor(
    (candidate) =>
      candidate.type === 'log' &&
      candidate.entry.n > after &&
      candidate.entry.guild === guild &&
      candidate.entry.event === event &&
      candidate.entry.to === to,
  );
  if (message.type !== 'log') throw new Error('unreachable');
  return message.entry;
}

/** Every view of a guild's voice connection the feed sent, in order. */
function voiceViews(feed: FeedClient, guild: string): VoiceView[] {
  return feed.messages.flatMap((message): VoiceView[] =>
    message.type === 'voice' && message.voice.guildId === guild
      ? [message.voice]
      : message.type === 'hello'
        ? message.voices.filter((view) => view.guildId === guild)
        : [],
  );
}

/** `event: from → to` of a guild's lifecycle (status) entries. */
function voiceStory(feed: FeedClient, guild: string): string[] {
  return feed.messages
    .filter((message): message is { type: 'log'; entry: LogEntry } => message.type === 'log')
    .map(({ entry }) => entry)
    .filter((entry) => entry.guild === guild && entry.kind === 'status')
    .map((entry) => `${entry.event}: ${entry.from} → ${entry.to}`);
}

/** What a voice connection must keep from the page: the voice token, session id and endpoint, as issued. */
function collectVoiceSecrets(gateway: FakeGateway, voice: FakeVoiceServer, into: Set<string>): void {
  for (const state of gateway.voice.states) {
    into.add(state.voiceSessionId);
    into.add(state.gatewaySessionId);
    into.add(state.token);
    if (state.endpoint !== null) into.add(state.endpoint);
  }
  for (const grant of voice.grants) {
    into.add(grant.token);
    into.add(grant.sessionId);
    into.add(grant.endpoint);
  }
  into.add(voice.endpoint);
}

const VOICE_VIEW_KEYS = [
  'active',
  'disconnection',
  'entered',
  'guildId',
  'leaves',
  'reconnects',
  'shard',
  'since',
  'status',
];

describe('the feed', () => {
  it('carries lifecycle transitions and counters, never the token, a session, a voice secret or dispatch data', async () => {
    const { gateway, voice, manager, url } = await startSystem(2, {
      guilds: [stageGuild(GUILD_ID, SECRET_GUILD_NAME)],
      voice: true,
    });
    const sessionIds: string[] = [];
    gateway.on('ready', ({ sessionId }) => sessionIds.push(sessionId));
    const feed = await connectFeed(url);
    await Promise.all(manager.startShards());
    // A voice connection playing on the guild's shard: its voice session id is the gateway session's.
    const voiceSecrets = new Set<string>();
    const call = await manager.voice.join(GUILD_ID, STAGE_ID, { timing: VOICE_TIMING });
    collectVoiceSecrets(gateway, voice!, voiceSecrets);
    const music = endlessFrames();
    const playback = call.play(music.source);
    // Dispatches flow, then the connection drops; what is sent meanwhile is replayed on resume.
    const target = manager.shards.find((shard) =>
      gateway
        .dispatch('MESSAGE_CREATE', {
          id: '1',
          channel_id: GUILD_ID,
          guild_id: GUILD_ID,
          content: SECRET_CONTENT,
          author: { id: '80351110224678912', username: 'someone' },
        })
        .some((record) => record.shardId === shard.id),
    )!;
    expect(target).toBeDefined();
    const connection = gateway.connections.find((candidate) => candidate.shardId === target.id)!;
    const back = new Promise((resolve) => manager.once('shardReconnected', resolve));
    connection.terminate();
    for (let index = 2; index <= 4; index += 1) {
      gateway.dispatch('MESSAGE_CREATE', {
        id: String(index),
        channel_id: GUILD_ID,
        guild_id: GUILD_ID,
        content: `${SECRET_CONTENT} ${index}`,
        author: { id: '80351110224678912', username: 'someone' },
      });
    }
    await back;
    await feed.waitFor((message) => isLog(message, target.id, 'resuming', 'ready'));
    await feed.waitFor(
      (message) =>
        message.type === 'shard' && message.shard.id === target.id && (message.shard.sequence ?? 0) >= 4,
    );
    // The voice server drops the TCP connection: the voice session resumes on a new socket.
    const speaking = await voiceLog(feed, GUILD_ID, 'voice.speak', 'ready.speaking');
    voice!.connections.find((candidate) => candidate.open)!.terminate();
    const resumed = await voiceLog(feed, GUILD_ID, 'voice.resumed', 'ready.silent', speaking.n);
    // A new voice server: a new token, identified afresh. (The old socket stays open: its close, 4014
    // by default, may overtake the gateway's VOICE_SERVER_UPDATE, which makes a different story.)
    voice!.moveEndpoint({ guildId: GUILD_ID, closeCode: null });
    const moved = await voiceLog(feed, GUILD_ID, 'voice.sessionDescription', 'ready.silent', resumed.n);
    collectVoiceSecrets(gateway, voice!, voiceSecrets);
    music.stop();
    await playback.finished;
    await voiceLog(feed, GUILD_ID, 'voice.speak', 'ready.silent', moved.n);
    await call.leave();
    await feed.waitFor((message) => message.type === 'voiceRemoved' && message.guildId === GUILD_ID);
    expect(voiceStory(feed, GUILD_ID)).toEqual([
      'voice.join: idle → signalling',
      'gateway.voiceServer: signalling → connecting',
      'voice.sessionDescription: selectingProtocol → ready.silent',
      'socket.closed: ready.speaking → reconnecting',
      'after reconnectBackoff: reconnecting → connecting',
      'socket.opened: connecting → resuming',
      'voice.resumed: resuming → ready.silent',
      'gateway.voiceServer: ready.speaking → connecting',
      'voice.sessionDescription: selectingProtocol → ready.silent',
      'voice.leave: ready.silent → destroyed',
    ]);
    expect(voiceViews(feed, GUILD_ID).at(-1)).toMatchObject({
      shard: target.id,
      status: 'destroyed',
      reconnects: 2,
      disconnection: { reason: 'Left', closeCode: null, failure: null },
    });

    // The story of the resume, as the page tells it.
    const story = feed.messages
      .filter((message): message is { type: 'log'; entry: LogEntry } => message.type === 'log')
      .map(({ entry }) => entry)
      .filter((entry) => entry.shard === target.id && entry.guild === null && entry.kind === 'status')
      .map((entry) => `${entry.event}: ${entry.from} → ${entry.to}`);
    expect(story).toEqual(
      expect.arrayContaining([
        'socket.closed: ready → reconnecting',
        'after reconnectBackoff: reconnecting → connecting',
        'gateway.hello: connecting → resuming',
        'gateway.resumed: resuming → ready',
      ]),
    );
    const views = feed.messages.flatMap((message): ShardView[] =>
      message.type === 'shard' ? [message.shard] : message.type === 'hello' ? [...message.shards] : [],
    );
    const last = views.filter((view) => view.id === target.id).at(-1)!;
    expect(last).toMatchObject({ status: 'ready', reconnects: 1, lastCloseCode: 1006 });

    const text = feed.raw.join('\n');
    expect(sessionIds.length).toBeGreaterThanOrEqual(2);
    // Two voice sessions (identify, then a new server), two tokens, an endpoint: none reaches the page.
    expect(voiceSecrets.size).toBeGreaterThanOrEqual(4);
    const forbidden = [
      TOKEN,
      SECRET_CONTENT,
      SECRET_GUILD_NAME,
      'MESSAGE_CREATE',
      'GUILD_CREATE',
      STAGE_ID,
      gateway.url,
      voice!.url,
      ...sessionIds,
      ...voiceSecrets,
    ];
    for (const secret of forbidden) expect(text).not.toContain(secret);
    // The voice dispatches are named in the voice machine's descriptions (hello), never as a logged event.
    const logged = feed.raw.filter((raw) => !raw.startsWith('{"type":"hello"')).join('\n');
    for (const dispatch of ['VOICE_STATE_UPDATE', 'VOICE_SERVER_UPDATE'])
      expect(logged).not.toContain(dispatch);
    // Nothing but the whitelisted shapes: no raw event or context object slipped through.
    for (const message of feed.messages) {
      expect(['hello', 'shard', 'shardRemoved', 'manager', 'log', 'voice', 'voiceRemoved']).toContain(
        message.type,
      );
      if (message.type === 'log') {
        expect(Object.keys(message.entry).sort()).toEqual([
          'at',
          'detail',
          'event',
          'from',
          'guild',
          'kind',
          'n',
          'shard',
          'to',
        ]);
      }
      if (message.type === 'voice') {
        expect(Object.keys(message.voice).sort()).toEqual(VOICE_VIEW_KEYS);
        if (message.voice.disconnection !== null) {
          expect(Object.keys(message.voice.disconnection).sort()).toEqual(['closeCode', 'failure', 'reason']);
        }
      }
      if (message.type === 'voiceRemoved')
        expect(Object.keys(message).sort()).toEqual(['guildId', 'shard', 'type']);
    }
  });

  it('starts a late page with the current state and the log so far', async () => {
    const { manager, url } = await startSystem(3);
    await Promise.all(manager.startShards());
    const feed = await connectFeed(url);
    const hello = await feed.waitFor((message) => message.type === 'hello');
    if (hello.type !== 'hello') throw new Error('unreachable');
    expect(hello.shards.map((shard) => [shard.id, shard.status])).toEqual([
      [0, 'ready'],
      [1, 'ready'],
      [2, 'ready'],
    ]);
    expect(hello.manager).toMatchObject({ state: 'running', shardIds: [0, 1, 2], readyShards: [0, 1, 2] });
    expect(hello.machine.children.map((child) => child.key)).toEqual([
      'idle',
      'connection',
      'reconnecting',
      'stopped',
      'failed',
    ]);
    expect(hello.shards[0]!.active).toContain('shard.connection.lifecycle.ready');
    expect(hello.log.filter((entry) => entry.to === 'ready')).toHaveLength(3);
  });

  it('drops the view of a shard whose actor the manager stopped, and shows new ones', async () => {
    const { manager, url } = await startSystem(2);
    const feed = await connectFeed(url);
    manager.createShards([0, 1, 2], 3);
    await feed.waitFor((message) => message.type === 'shard' && message.shard.id === 2);
    manager.createShards([0], 1);
    await feed.waitFor((message) => message.type === 'shardRemoved' && message.id === 2);
    await feed.waitFor((message) => message.type === 'shardRemoved' && message.id === 1);
    await feed.waitFor((message) => message.type === 'manager' && message.manager.totalShards === 1);
    const late = await connectFeed(url);
    const hello = await late.waitFor((message) => message.type === 'hello');
    expect(hello.type === 'hello' && hello.shards.map((shard) => shard.id)).toEqual([0]);
  });
});

describe('the whitelist', () => {
  it('names only lifecycle events and reads only the facts it knows', () => {
    expect(safeEventName('MESSAGE_CREATE', undefined)).toBe('(other)');
    expect(safeEventName('gateway.reconnect', undefined)).toBe('gateway.reconnect');
    expect(eventDetail({ type: 'socket.closed', code: 4000, initiator: 'gateway', reason: 'secret' })).toBe(
      'code 4000 (gateway)',
    );
    expect(eventDetail({ type: 'socket.closed', code: '4000; <b>', initiator: 'x' })).toBeNull();
    expect(eventDetail({ type: 'gateway.ready', sessionId: 'abc', resumeUrl: 'wss://x' })).toBeNull();
    expect(eventDetail({ type: 'shard.failed', shardId: 1, reason: '<script>' })).toBe('shard 1');
    expect(eventDetail({ type: 'shard.failed', shardId: 1, reason: 'AuthenticationFailed' })).toBe(
      'shard 1: AuthenticationFailed',
    );
  });
});
