import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { FeedMessage, HistoryEntry, ShardView } from '../../src/visualizer/index.js';
import { FeedBatcher } from '../../src/visualizer/feed-batcher.js';
import { parseFeedRequest } from '../../src/visualizer/server.js';
import { connectFeed, defer, feedUrl, startSystem } from './harness.js';

/** Asks a feed for one shard's history on a connection of its own; resolves with the answer. */
async function askHistory(pageUrl: string, shard: number): Promise<readonly HistoryEntry[]> {
  const socket = new WebSocket(feedUrl(pageUrl));
  defer(() => socket.terminate());
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  return new Promise((resolve) => {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as FeedMessage;
      if (message.type === 'history' && message.shard === shard) resolve(message.entries);
    });
    socket.send(JSON.stringify({ type: 'history', shard }));
  });
}

describe("a shard's history", () => {
  it('is sent only to the page that asks, with the states active after each step', async () => {
    const { manager, url } = await startSystem(2);
    const watcher = await connectFeed(url);
    await Promise.all(manager.startShards());
    const entries = await askHistory(url, 1);
    expect(entries.every((entry) => entry.shard === 1)).toBe(true);
    const ready = entries.find((entry) => entry.event === 'gateway.ready');
    expect(ready?.active).toContain('shard.connection.lifecycle.ready');
    expect(watcher.messages.some((message) => message.type === 'history')).toBe(false);
  });

  it('explains a zombie as a missed heartbeat ACK', async () => {
    const { gateway, manager, url } = await startSystem(1, { gateway: { heartbeatIntervalMs: 150 } });
    const feed = await connectFeed(url);
    await Promise.all(manager.startShards());
    const back = new Promise((resolve) => manager.once('shardReconnected', resolve));
    gateway.connections[0]!.stopHeartbeatAcks();
    await back;
    const zombie = await feed.waitFor(
      (message) => message.type === 'log' && message.entry.to === 'reconnecting' && message.entry.shard === 0,
    );
    expect(zombie).toMatchObject({
      entry: {
        event: 'after heartbeatInterval',
        detail: expect.stringContaining('missed heartbeat ACK') as unknown,
      },
    });
  });
});

describe('the feed requests a page may send', () => {
  it('understands only a history request for a shard id', () => {
    const frame = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
    expect(parseFeedRequest(frame({ type: 'history', shard: 3 }))).toEqual({ type: 'history', shard: 3 });
    expect(parseFeedRequest(frame({ type: 'history', shard: -1 }))).toBeNull();
    expect(parseFeedRequest(frame({ type: 'history', shard: '3' }))).toBeNull();
    expect(parseFeedRequest(frame({ type: 'token' }))).toBeNull();
    expect(parseFeedRequest(frame('{not json'))).toBeNull();
    expect(parseFeedRequest([Buffer.from('{}')])).toBeNull();
  });
});

describe('the feed batcher', () => {
  const view = (id: number, status: string) => ({ id, status }) as unknown as ShardView;

  it("merges a shard's views of one interval into its latest, in the place of its first, and keeps the rest in order", async () => {
    const sent: FeedMessage[] = [];
    const batcher = new FeedBatcher(10, (message) => sent.push(message));
    defer(() => batcher.stop());
    batcher.add({ type: 'shard', shard: view(0, 'connecting') });
    batcher.add({ type: 'shard', shard: view(1, 'connecting') });
    batcher.add({ type: 'shardRemoved', id: 1 });
    batcher.add({ type: 'shard', shard: view(0, 'ready') });
    batcher.add({ type: 'shard', shard: view(1, 'idle') });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent).toEqual([
      {
        type: 'batch',
        messages: [
          { type: 'shard', shard: view(0, 'ready') },
          { type: 'shard', shard: view(1, 'connecting') },
          { type: 'shardRemoved', id: 1 },
          { type: 'shard', shard: view(1, 'idle') },
        ],
      },
    ]);
  });

  it('sends every message at once with an interval of 0', () => {
    const sent: FeedMessage[] = [];
    const batcher = new FeedBatcher(0, (message) => sent.push(message));
    batcher.add({ type: 'shard', shard: view(0, 'connecting') });
    batcher.add({ type: 'shard', shard: view(0, 'ready') });
    expect(sent).toHaveLength(2);
  });
});
