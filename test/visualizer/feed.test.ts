import { describe, expect, it } from 'vitest';
import type { FeedMessage, LogEntry, ShardView } from '../../src/visualizer/index.js';
import { eventDetail, safeEventName } from '../../src/visualizer/feed-model.js';
import { GUILD_ID, TOKEN, connectFeed, startSystem } from './harness.js';

const SECRET_CONTENT = 'dispatch-content-secret-5e7b1c';
const SECRET_GUILD_NAME = 'guild-name-secret-90d2aa';

function isLog(message: FeedMessage, shard: number, from: string, to: string): boolean {
  return (
    message.type === 'log' &&
    message.entry.shard === shard &&
    message.entry.from === from &&
    message.entry.to === to
  );
}

describe('the feed', () => {
  it('carries lifecycle transitions and counters, never the token, a session or dispatch data', async () => {
    const { gateway, manager, url } = await startSystem(2, {
      guilds: [{ id: GUILD_ID, name: SECRET_GUILD_NAME }],
    });
    const sessionIds: string[] = [];
    gateway.on('ready', ({ sessionId }) => sessionIds.push(sessionId));
    const feed = await connectFeed(url);
    await Promise.all(manager.startShards());
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

    // The story of the resume, as the page tells it.
    const story = feed.messages
      .filter((message): message is { type: 'log'; entry: LogEntry } => message.type === 'log')
      .map(({ entry }) => entry)
      .filter((entry) => entry.shard === target.id && entry.kind === 'status')
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
    const forbidden = [
      TOKEN,
      SECRET_CONTENT,
      SECRET_GUILD_NAME,
      'MESSAGE_CREATE',
      'GUILD_CREATE',
      gateway.url,
      ...sessionIds,
    ];
    for (const secret of forbidden) expect(text).not.toContain(secret);
    // Nothing but the whitelisted shapes: no raw event or context object slipped through.
    for (const message of feed.messages) {
      expect(['hello', 'shard', 'shardRemoved', 'manager', 'log']).toContain(message.type);
      if (message.type === 'log') {
        expect(Object.keys(message.entry).sort()).toEqual([
          'at',
          'detail',
          'event',
          'from',
          'kind',
          'n',
          'shard',
          'to',
        ]);
      }
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
