import { describe, expect, it } from 'vitest';
import type { AnyEventObject, AnyStateNode, InspectionEvent } from 'xstate';
import { voiceMachine } from '../../machines/index.js';
import { VisualizerModel } from '../../src/visualizer/feed-model.js';
import { eventDetail, safeEventName } from '../../src/visualizer/feed-whitelist.js';
import type { FeedMessage, LogEntry, VoiceView } from '../../src/visualizer/index.js';
import { STAGE_ID, VOICE_TIMING, connectFeed, guildOnShard, stageGuild, startSystem } from './harness.js';
import type { FeedClient } from './harness.js';

const GUILD = '81384788765712384';
const SECRET_SESSION = 'gateway-session-secret-3c1f9e';
const SECRET_ENDPOINT = 'endpoint-secret-7a2b.discord.media:443';
const SECRET_TOKEN = 'voice-token-secret-d41d8c';
const SECRET_REASON = 'close-reason-secret-b00b5e';

// ---------------------------------------------------------------------------------------------------
// Inspection events as xstate 5.33 sends them, cut down to what the model may read: the actorRef
// (its `sessionId` and `_parent`), the snapshot (`status`, `value`, `context`, `machine.id`), the
// event, and for a microstep the transitions taken (real ones, from the voice machine).

interface FakeActorRef {
  readonly sessionId: string;
  readonly _parent?: { readonly sessionId: string; readonly getSnapshot?: () => unknown };
}

function transition(stateId: string, eventType: string, index = 0): unknown {
  const node: AnyStateNode = voiceMachine.getStateNodeById(stateId);
  // Eventless (`always`) transitions are kept apart from the evented ones.
  const found = (eventType === '' ? node.always : node.transitions.get(eventType))?.[index];
  if (found === undefined) throw new Error(`no ${eventType} transition #${index} on ${stateId}`);
  return found;
}

function shardSnapshotEvent(sessionId: string, shardId: number): InspectionEvent {
  return {
    type: '@xstate.snapshot',
    rootId: 'x:0',
    actorRef: { sessionId },
    event: { type: 'xstate.init' },
    snapshot: {
      status: 'active',
      value: 'idle',
      machine: { id: 'shard' },
      context: { shardId, sessionId: SECRET_SESSION, token: SECRET_TOKEN },
    },
  } as unknown as InspectionEvent;
}

/** A voice machine context with every field the real one has, the secret ones filled in. */
function voiceContext(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    guildId: GUILD,
    channelId: STAGE_ID,
    selfMute: false,
    selfDeaf: false,
    sessionId: SECRET_SESSION,
    joinedChannelId: STAGE_ID,
    endpoint: SECRET_ENDPOINT,
    identified: true,
    heartbeatIntervalMs: 13_750,
    heartbeatAcked: true,
    wantsSpeaking: false,
    reconnectAttempts: 0,
    connectAttempts: 0,
    resumeAttempts: 0,
    rejoinAttempts: 0,
    disconnection: null,
    config: {},
    // Not in the machine (the token stays in the adapter): if it ever were, it must not be read.
    token: SECRET_TOKEN,
    ...overrides,
  };
}

function voiceEvent(
  actorRef: FakeActorRef,
  snapshot: { status?: string; value: unknown; context?: Record<string, unknown> },
  event: AnyEventObject,
  transitions?: unknown[],
): InspectionEvent {
  return {
    type: transitions === undefined ? '@xstate.snapshot' : '@xstate.microstep',
    rootId: 'x:0',
    actorRef,
    event,
    snapshot: {
      status: snapshot.status ?? 'active',
      value: snapshot.value,
      machine: { id: 'voice' },
      context: snapshot.context ?? voiceContext(),
    },
    ...(transitions === undefined ? {} : { _transitions: transitions }),
  } as unknown as InspectionEvent;
}

function recording(model: VisualizerModel): FeedMessage[] {
  const messages: FeedMessage[] = [];
  model.subscribe((message) => messages.push(message));
  return messages;
}

function logEntries(messages: readonly FeedMessage[]): LogEntry[] {
  return messages.flatMap((message) => (message.type === 'log' ? [message.entry] : []));
}

const SESSION_VALUE = {
  session: { connection: { lifecycle: { ready: 'silent' }, heartbeat: 'beating' } },
};

describe('the voice feed model', () => {
  it('places a voice actor under the shard whose actor spawned it and reads only whitelisted fields', () => {
    const model = new VisualizerModel({ now: () => 1_000 });
    const messages = recording(model);
    const voice: FakeActorRef = { sessionId: 'x:7', _parent: { sessionId: 'x:1' } };
    model.inspect(shardSnapshotEvent('x:1', 3));
    model.inspect(voiceEvent(voice, { value: 'idle' }, { type: 'xstate.init', input: { guildId: GUILD } }));
    model.inspect(
      voiceEvent(voice, { value: 'signalling' }, { type: 'voice.join' }, [
        transition('voice.idle', 'voice.join'),
      ]),
    );
    // VOICE_STATE_UPDATE carries the session id: the event is named, its fields are not read.
    model.inspect(
      voiceEvent(
        voice,
        { value: 'signalling' },
        { type: 'gateway.voiceState', sessionId: SECRET_SESSION, channelId: STAGE_ID },
        [transition('voice.signalling', 'gateway.voiceState', 1)],
      ),
    );
    model.inspect(
      voiceEvent(
        voice,
        { value: SESSION_VALUE },
        { type: 'gateway.voiceServer', endpoint: SECRET_ENDPOINT, token: SECRET_TOKEN },
        [transition('voice.signalling', '')],
      ),
    );
    model.inspect(
      voiceEvent(
        voice,
        {
          value: 'disconnected',
          context: voiceContext({
            disconnection: {
              reason: 'CloseCode',
              closeCode: 4017,
              failure: 'E2EERequired',
              detail: SECRET_REASON,
            },
          }),
        },
        { type: 'socket.closed', code: 4017, initiator: 'server', reason: SECRET_REASON },
        [transition('voice.session.connection', 'socket.closed')],
      ),
    );

    expect(model.voices).toEqual<VoiceView[]>([
      {
        guildId: GUILD,
        shard: 3,
        status: 'disconnected',
        leaves: ['disconnected'],
        active: ['voice', 'voice.disconnected'],
        entered: ['voice.disconnected'],
        reconnects: 0,
        disconnection: { reason: 'CloseCode', closeCode: 4017, failure: 'E2EERequired' },
        since: 1_000,
      },
    ]);
    expect(
      logEntries(messages).map(({ shard, guild, event, detail, from, to, kind }) => ({
        shard,
        guild,
        event,
        detail,
        from,
        to,
        kind,
      })),
    ).toEqual([
      {
        shard: 3,
        guild: GUILD,
        event: 'voice.join',
        detail: null,
        from: 'idle',
        to: 'signalling',
        kind: 'status',
      },
      {
        shard: 3,
        guild: GUILD,
        event: 'gateway.voiceServer',
        detail: null,
        from: 'signalling',
        to: 'ready.silent',
        kind: 'status',
      },
      {
        shard: 3,
        guild: GUILD,
        event: 'socket.closed',
        detail: 'code 4017 (server)',
        from: 'ready.silent',
        to: 'disconnected',
        kind: 'status',
      },
    ]);
    const hello = model.hello();
    if (hello.type !== 'hello') throw new Error('unreachable');
    expect(hello.voices).toEqual(model.voices);
    expect(hello.voiceMachine.children.map((child) => child.key)).toEqual([
      'idle',
      'signalling',
      'session',
      'rejoining',
      'disconnected',
      'destroyed',
    ]);
    const text = JSON.stringify([...messages, hello]);
    for (const secret of [SECRET_SESSION, SECRET_ENDPOINT, SECRET_TOKEN, SECRET_REASON]) {
      expect(text).not.toContain(secret);
    }
  });

  it("finds an unseen parent's shard id in its snapshot; drops a voice actor that is no shard's child", () => {
    const model = new VisualizerModel();
    const parentSnapshot = {
      status: 'active',
      machine: { id: 'shard' },
      context: { shardId: 5, sessionId: SECRET_SESSION },
    };
    const others = ['81384788765712385', '81384788765712386', '81384788765712387'] as const;
    model.inspect(
      voiceEvent(
        { sessionId: 'x:3', _parent: { sessionId: 'x:2', getSnapshot: () => parentSnapshot } },
        { value: 'idle' },
        { type: 'xstate.init' },
      ),
    );
    // A child of the manager, a root actor, a parent whose shard id is not a number: nowhere to go.
    const managerSnapshot = { status: 'active', machine: { id: 'manager' }, context: { shardIds: [0] } };
    model.inspect(
      voiceEvent(
        { sessionId: 'x:4', _parent: { sessionId: 'x:0', getSnapshot: () => managerSnapshot } },
        { value: 'idle', context: voiceContext({ guildId: others[0] }) },
        { type: 'xstate.init' },
      ),
    );
    model.inspect(
      voiceEvent(
        { sessionId: 'x:5' },
        { value: 'idle', context: voiceContext({ guildId: others[1] }) },
        { type: 'xstate.init' },
      ),
    );
    const badShard = { machine: { id: 'shard' }, context: { shardId: '5; <b>' } };
    model.inspect(
      voiceEvent(
        { sessionId: 'x:6', _parent: { sessionId: 'x:9', getSnapshot: () => badShard } },
        { value: 'idle', context: voiceContext({ guildId: others[2] }) },
        { type: 'xstate.init' },
      ),
    );
    expect(model.voices.map((view) => [view.guildId, view.shard, view.status])).toEqual([[GUILD, 5, 'idle']]);
  });

  it('drops a guild id that is not a snowflake and disconnection words it does not know', () => {
    const model = new VisualizerModel();
    const messages = recording(model);
    model.inspect(shardSnapshotEvent('x:1', 0));
    const parent = { sessionId: 'x:1' };
    model.inspect(
      voiceEvent(
        { sessionId: 'x:2', _parent: parent },
        { value: 'idle', context: voiceContext({ guildId: '<img src=x onerror=alert(1)>' }) },
        { type: 'xstate.init' },
      ),
    );
    model.inspect(
      voiceEvent({ sessionId: 'x:3', _parent: parent }, { value: 'idle' }, { type: 'xstate.init' }),
    );
    model.inspect(
      voiceEvent(
        { sessionId: 'x:3', _parent: parent },
        {
          value: 'disconnected',
          context: voiceContext({
            disconnection: { reason: '<script>alert(1)</script>', closeCode: 4014, failure: null },
          }),
        },
        { type: 'shard.unavailable' },
        [transition('voice.signalling', 'shard.unavailable')],
      ),
    );
    expect(model.voices.map((view) => view.disconnection)).toEqual([null]);
    model.inspect(
      voiceEvent(
        { sessionId: 'x:3', _parent: parent },
        {
          value: 'disconnected',
          context: voiceContext({
            disconnection: { reason: 'CloseCode', closeCode: '4014', failure: 'SomethingElse' },
          }),
        },
        { type: 'voice.speak', speaking: true },
        [],
      ),
    );
    expect(model.voices.map((view) => view.disconnection)).toEqual([
      { reason: 'CloseCode', closeCode: null, failure: null },
    ]);
    expect(JSON.stringify(messages)).not.toContain('<');
  });

  it("ends a view when its actor is done or stopped, and ignores an earlier actor's last words", () => {
    const model = new VisualizerModel();
    const messages = recording(model);
    model.inspect(shardSnapshotEvent('x:1', 2));
    const first: FakeActorRef = { sessionId: 'x:7', _parent: { sessionId: 'x:1' } };
    model.inspect(voiceEvent(first, { value: SESSION_VALUE }, { type: 'xstate.init' }));
    const left = voiceContext({ disconnection: { reason: 'Left', closeCode: null, failure: null } });
    model.inspect(
      voiceEvent(first, { status: 'done', value: 'destroyed', context: left }, { type: 'voice.leave' }, [
        transition('voice', 'voice.leave'),
      ]),
    );
    // The done snapshot that follows the microstep does not bring the view back.
    model.inspect(
      voiceEvent(first, { status: 'done', value: 'destroyed', context: left }, { type: 'voice.leave' }),
    );
    expect(model.voices).toEqual([]);
    const ended = messages.filter((message) => message.type === 'voice' || message.type === 'voiceRemoved');
    expect(ended.at(-2)).toMatchObject({
      type: 'voice',
      voice: { status: 'destroyed', disconnection: { reason: 'Left', closeCode: null, failure: null } },
    });
    expect(ended.at(-1)).toEqual({ type: 'voiceRemoved', guildId: GUILD, shard: 2 });

    // The guild's next connection is a new actor; the first one's late events change nothing.
    const second: FakeActorRef = { sessionId: 'x:9', _parent: { sessionId: 'x:1' } };
    model.inspect(voiceEvent(second, { value: 'idle' }, { type: 'xstate.init' }));
    model.inspect(
      voiceEvent(first, { value: 'signalling' }, { type: 'voice.join' }, [
        transition('voice.idle', 'voice.join'),
      ]),
    );
    expect(model.voices.map((view) => view.status)).toEqual(['idle']);
    // Stopped (its shard's actor stopped, or `shard.closeVoice`): gone.
    model.inspect(voiceEvent(second, { status: 'stopped', value: 'idle' }, { type: 'xstate.stop' }, []));
    expect(model.voices).toEqual([]);
    expect(messages.at(-1)).toEqual({ type: 'voiceRemoved', guildId: GUILD, shard: 2 });
    const hello = model.hello();
    expect(hello.type === 'hello' && hello.voices).toEqual([]);
  });

  it('names voice events and reads only the voice facts it knows', () => {
    expect(safeEventName('voice.resumed', undefined)).toBe('voice.resumed');
    expect(safeEventName('VOICE_SERVER_UPDATE', undefined)).toBe('(other)');
    expect(
      eventDetail({ type: 'socket.closed', code: 4015, initiator: 'server', reason: SECRET_REASON }),
    ).toBe('code 4015 (server)');
    expect(eventDetail({ type: 'voice.hello', heartbeatIntervalMs: 13_750 })).toBe('heartbeat 13750 ms');
    expect(eventDetail({ type: 'voice.speak', speaking: false })).toBe('speaking: false');
    expect(eventDetail({ type: 'gateway.voiceServer', endpoint: SECRET_ENDPOINT })).toBeNull();
    expect(eventDetail({ type: 'gateway.voiceServer', endpoint: null })).toBe('endpoint: null');
    expect(
      eventDetail({ type: 'gateway.voiceState', sessionId: SECRET_SESSION, channelId: STAGE_ID }),
    ).toBeNull();
    expect(eventDetail({ type: 'gateway.voiceState', sessionId: SECRET_SESSION, channelId: null })).toBe(
      'channel: null',
    );
    expect(eventDetail({ type: 'voice.ready', ssrc: 1, modeSupported: true })).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------------
// A real manager against the fake gateway and voice server.

function voiceViews(feed: FeedClient, guild: string): VoiceView[] {
  return feed.messages.flatMap((message): VoiceView[] =>
    message.type === 'voice' && message.voice.guildId === guild
      ? [message.voice]
      : message.type === 'hello'
        ? message.voices.filter((view) => view.guildId === guild)
        : [],
  );
}

async function hello(url: string): Promise<Extract<FeedMessage, { type: 'hello' }>> {
  const late = await connectFeed(url);
  const message = await late.waitFor((candidate) => candidate.type === 'hello');
  if (message.type !== 'hello') throw new Error('unreachable');
  return message;
}

describe('voice connections on the feed', () => {
  it('shows each voice connection under its shard, disconnected with its close code, and drops it once destroyed', async () => {
    const [onShard1, onShard2] = [guildOnShard(1, 3), guildOnShard(2, 3)];
    const { voice, manager, url } = await startSystem(3, {
      guilds: [stageGuild(onShard2), stageGuild(onShard1)],
      voice: true,
    });
    const feed = await connectFeed(url);
    await Promise.all(manager.startShards());
    const first = await manager.voice.join(onShard1, STAGE_ID, { timing: VOICE_TIMING });
    const second = await manager.voice.join(onShard2, STAGE_ID, { timing: VOICE_TIMING });
    await feed.waitFor((message) => message.type === 'voice' && message.voice.guildId === onShard2);

    const page = await hello(url);
    expect(page.voices.map((view) => [view.shard, view.guildId, view.status])).toEqual([
      [1, onShard1, 'ready'],
      [2, onShard2, 'ready'],
    ]);
    expect(page.voices[0]!.active).toContain('voice.session.connection.lifecycle.ready');
    for (const [guild, shard] of [
      [onShard1, 1],
      [onShard2, 2],
    ] as const) {
      const shards = page.log.filter((entry) => entry.guild === guild).map((entry) => entry.shard);
      expect(shards.length).toBeGreaterThanOrEqual(3);
      expect(new Set(shards)).toEqual(new Set([shard]));
    }

    // The voice server ends the call (4022): disconnected for good, with the code and why.
    voice!.connections
      .find((connection) => connection.open && connection.session?.guildId === onShard2)!
      .close(4022);
    const closed = await feed.waitFor(
      (message) =>
        message.type === 'log' && message.entry.guild === onShard2 && message.entry.to === 'disconnected',
    );
    expect(closed).toMatchObject({
      entry: {
        shard: 2,
        event: 'socket.closed',
        detail: 'code 4022 (server)',
        from: 'ready.silent',
        kind: 'status',
      },
    });
    expect(voiceViews(feed, onShard2).at(-1)).toMatchObject({
      shard: 2,
      status: 'disconnected',
      disconnection: { reason: 'CloseCode', closeCode: 4022, failure: 'CallTerminated' },
    });

    // Leaving destroys the first connection: its actor is stopped and its view goes.
    await first.leave();
    await feed.waitFor((message) => message.type === 'voiceRemoved' && message.guildId === onShard1);
    expect(voiceViews(feed, onShard1).at(-1)).toMatchObject({
      status: 'destroyed',
      disconnection: { reason: 'Left' },
    });
    expect((await hello(url)).voices.map((view) => [view.guildId, view.status])).toEqual([
      [onShard2, 'disconnected'],
    ]);
    await second.leave();
    await feed.waitFor((message) => message.type === 'voiceRemoved' && message.guildId === onShard2);
    expect((await hello(url)).voices).toEqual([]);
  });

  it('drops the voice connection of a shard whose actor the manager replaced', async () => {
    const guild = guildOnShard(1, 2);
    const { manager, url } = await startSystem(2, { guilds: [stageGuild(guild)], voice: true });
    const feed = await connectFeed(url);
    await Promise.all(manager.startShards());
    const connection = await manager.voice.join(guild, STAGE_ID, { timing: VOICE_TIMING });
    // The shard stops: its voice connection cannot be signalled any more.
    await manager.stopShards();
    await feed.waitFor((message) => message.type === 'voice' && message.voice.status === 'disconnected');
    expect(voiceViews(feed, guild).at(-1)).toMatchObject({
      shard: 1,
      disconnection: { reason: 'ShardSessionLost', closeCode: null, failure: null },
    });
    // New shards: the old shard actors are stopped, and their voice children with them.
    manager.createShards([0], 1);
    await feed.waitFor((message) => message.type === 'shardRemoved' && message.id === 1);
    await feed.waitFor((message) => message.type === 'voiceRemoved' && message.guildId === guild);
    await connection.destroyed;
    expect((await hello(url)).voices).toEqual([]);
  });
});
