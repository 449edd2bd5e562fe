import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { GatewayCloseCodes } from 'discord-api-types/v10';
import { WebSocketServer } from 'ws';
import { GatewayConnection } from './connection.js';
import { GatewayState } from './gateway-state.js';
import { resolveOptions, type FakeGatewayOptions, type ResolvedFakeGatewayOptions } from './options.js';
import { parseConnectionQuery } from './query.js';
import { createRestHandler } from './rest.js';
import { isRoutedToShard } from './routing.js';
import { InvalidArgumentError } from '../../errors.js';
import type {
  CloseRecord,
  DispatchData,
  DispatchEventName,
  DispatchOptions,
  DispatchRecord,
  FakeGatewayConnection,
  FakeGatewayEvents,
  FakeGatewayStats,
  IdentifyLogEntry,
  ReceivedFrame,
  SessionInfo,
} from './types.js';
import type { FakeVoiceServer } from '../fake-voice/index.js';
import { waitForEvent, type WaitForOptions } from './wait-for.js';
import type { FakeGatewayVoice, VoiceAttachOptions } from './voice-types.js';

/** How long `close()` waits for clients to answer the close frame before dropping them. */
const SHUTDOWN_GRACE_MS = 250;

/**
 * A Discord gateway (API v10) on 127.0.0.1 that behaves like the real one: Hello, heartbeats,
 * Identify/Resume with Discord's checks and close codes, identify buckets, session-start budget,
 * sequence numbers and replay, guild routing, intent filtering, zlib-stream, and `GET /gateway(/bot)`.
 * Tests drive it (dispatch events, inject faults) and observe it (records, stats, events).
 *
 * Where the docs leave a choice open, the fake decides as follows:
 * - `encoding=etf`, unknown `encoding`/`compress` values, and `zstd-stream` on a runtime without zstd
 *   are refused before the upgrade (HTTP 400, JSON `{ message, code: 0 }`), not with a reconnectable close.
 * - A missed heartbeat closes with `heartbeatTimeoutCloseCode` (4000) and keeps the session resumable.
 * - Server closes with 4003/4004/4009/4010–4014 end the session; other server closes, client closes
 *   other than 1000/1001 and TCP losses keep it for `sessionTtlMs`.
 * - Identify with no session starts left: op 9 `false` (or, with `sessionStartLimitAction: 'terminate'`,
 *   Discord's documented token reset).
 * - Without MESSAGE_CONTENT, content fields are blanked except in DMs, the bot's own messages and
 *   messages mentioning the bot.
 * - op 8 for a guild the shard does not hold, or a member-list request without GUILD_MEMBERS, gets no answer.
 */
export class FakeGateway extends EventEmitter<FakeGatewayEvents> {
  private readonly state: GatewayState;
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly lifetime = new AbortController();
  private closing: Promise<void> | null = null;
  private listeningPort = 0;

  private constructor(options: ResolvedFakeGatewayOptions) {
    super();
    this.state = new GatewayState(options, (event, ...args) => {
      this.emit(event, ...(args as never));
    });
    // Clients may send frames far above 4096 bytes; ws must hand them to us so we close with 4002 (not 1009).
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: Math.max(1 << 20, options.maxPayloadBytes * 4),
    });
    this.wss.on('error', () => {});
    this.server = createServer(createRestHandler(this.state));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
    this.server.on('clientError', (_error, socket) => socket.destroy());
  }

  /**
   * Starts a fake gateway listening on 127.0.0.1 (`options.port`, default an ephemeral port).
   *
   * @example
   * ```ts
   * import { FakeGateway } from 'statecord/testing';
   *
   * const gateway = await FakeGateway.start({ heartbeatIntervalMs: 200, guilds: [{ id: '81384788765712384' }] });
   * const ready = gateway.waitFor('ready');
   * // connect a client to `${gateway.url}/?v=10&encoding=json`, or point its REST at gateway.restUrl
   * await ready;
   * gateway.dispatch('MESSAGE_CREATE', { guild_id: '81384788765712384', content: 'hi' });
   * await gateway.close();
   * ```
   */
  static async start(options: FakeGatewayOptions = {}): Promise<FakeGateway> {
    const gateway = new FakeGateway(resolveOptions(options));
    await gateway.listen();
    return gateway;
  }

  /** `ws://127.0.0.1:PORT`: the gateway URL, also sent as `resume_gateway_url`. */
  get url(): string {
    return `ws://127.0.0.1:${this.listeningPort}`;
  }

  /** `http://127.0.0.1:PORT/api/v10`: REST base with the version, serving `/gateway` and `/gateway/bot`. */
  get restUrl(): string {
    return `${this.restBaseUrl}/v10`;
  }

  /** `http://127.0.0.1:PORT/api`: REST base without the version (what `@discordjs/rest`'s `api` option wants). */
  get restBaseUrl(): string {
    return `http://127.0.0.1:${this.listeningPort}/api`;
  }

  /**
   * What a client needs to use this gateway, in one object: its token, `gatewayUrl` and `restUrl`.
   * Spread it into `Shard` or `ShardManager` options, so that nothing falls back to Discord's real
   * REST API with a fake token.
   *
   * @example
   * ```ts
   * import { GatewayIntentBits, Shard } from 'statecord';
   * import { FakeGateway } from 'statecord/testing';
   *
   * const gateway = await FakeGateway.start();
   * const shard = new Shard({ ...gateway.clientOptions, intents: GatewayIntentBits.Guilds });
   * ```
   */
  get clientOptions(): {
    /** The token the fake accepts. */
    readonly token: string;
    /** The gateway's `ws://` URL. */
    readonly gatewayUrl: string;
    /** The base URL of its REST API (`GET /gateway/bot` and the rest). */
    readonly restUrl: string;
  } {
    return { token: this.state.options.token, gatewayUrl: this.url, restUrl: this.restUrl };
  }

  /** The TCP port the gateway listens on (127.0.0.1). */
  get port(): number {
    return this.listeningPort;
  }

  /** The options in effect, defaults applied. */
  get options(): ResolvedFakeGatewayOptions {
    return this.state.options;
  }

  /** Counters, as a snapshot. */
  get stats(): FakeGatewayStats {
    return this.state.stats();
  }

  /** Every frame clients sent, decoded, oldest first. */
  get received(): readonly ReceivedFrame[] {
    return this.state.received;
  }

  /** One entry per accepted Identify, to check bucket spacing. */
  get identifyLog(): readonly IdentifyLogEntry[] {
    return this.state.identifyLog;
  }

  /** Every closed connection, oldest first. */
  get closes(): readonly CloseRecord[] {
    return this.state.closes;
  }

  /** Sessions that can still be used or resumed. */
  get sessions(): SessionInfo[] {
    return [...this.state.sessions.values()].map((session) => ({
      id: session.id,
      shardId: session.shardId,
      shardCount: session.shardCount,
      seq: session.seq,
      connected: session.status === 'connected',
      intents: session.intents,
      connectionId: session.connection?.id ?? null,
    }));
  }

  /**
   * The shard count `GET /gateway/bot` recommends (`shards`); starts as the `shardCount` option. Set it
   * to make a bot reshard (e.g. `createMinimumRequiredShards({ reshardEvery })`). Sessions keep the
   * count they identified with: each routes guilds by its own count (docs/protocol/gateway.md §6), so
   * during a reshard an event reaches a session of the old count and one of the new.
   */
  get recommendedShards(): number {
    return this.state.recommendedShards;
  }

  /** Sets the recommended count: an integer ≥ 1 (`InvalidArgumentError` otherwise). */
  set recommendedShards(count: number) {
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new InvalidArgumentError(`recommendedShards must be an integer ≥ 1; got ${String(count)}`);
    }
    this.state.recommendedShards = count;
  }

  /** Open connections. */
  get connections(): FakeGatewayConnection[] {
    return [...this.state.connections.values()];
  }

  /**
   * Sends a dispatch to every session it routes to: the given `shardId`, else the shard of
   * `data.guild_id` (per each session's shard count), else shard 0. Sessions without the event's intent
   * skip it; disconnected sessions buffer it for Resume. Returns what each session got.
   */
  dispatch<T extends DispatchEventName>(
    type: T,
    data: DispatchData<T>,
    options: DispatchOptions = {},
  ): DispatchRecord[] {
    const records: DispatchRecord[] = [];
    for (const session of [...this.state.sessions.values()]) {
      const routed =
        options.shardId === undefined
          ? isRoutedToShard(data, session.shardId, session.shardCount)
          : session.shardId === options.shardId;
      if (!routed) continue;
      const record = this.state.dispatchToSession(session, type, data);
      if (record !== null) records.push(record);
    }
    return records;
  }

  /**
   * Sends op 4 joins to a fake voice server: VOICE_SERVER_UPDATE then points at `server.endpoint` with a
   * token the server expects (docs/protocol/voice.md §1.2). Returns the detach function.
   */
  attachVoice(server: FakeVoiceServer, options: VoiceAttachOptions = {}): () => void {
    return this.state.voice.attach(server, options);
  }

  /** The bot's voice states and the voice faults that are gateway dispatches (moves, null endpoint, kicks). */
  get voice(): FakeGatewayVoice {
    return this.state.voice;
  }

  /** Calls `listener` for every new connection (before Hello is sent); returns the unsubscribe function. */
  onConnection(listener: (connection: FakeGatewayConnection) => void): () => void {
    this.on('connection', listener);
    return () => {
      this.off('connection', listener);
    };
  }

  /** Waits for the next `event` matching `predicate` (see `waitForEvent`); rejects on timeout or close. */
  waitFor<K extends keyof FakeGatewayEvents>(
    event: K,
    predicate?: (value: FakeGatewayEvents[K][0]) => boolean,
    options: Omit<WaitForOptions, 'signal'> = {},
  ): Promise<FakeGatewayEvents[K][0]> {
    return waitForEvent<FakeGatewayEvents[K][0]>(this, event, predicate, {
      ...options,
      signal: this.lifetime.signal,
    });
  }

  /**
   * Ends a session as if its TTL had run out: a later Resume gets op 9 `false`. A connected session's
   * connection gets op 9 `false` now. Returns false when no such session exists.
   */
  expireSession(sessionId: string): boolean {
    const session = this.state.sessions.get(sessionId);
    if (session === undefined) return false;
    const owner = [...this.state.connections.values()].find((conn) => conn.attachedSession === session);
    if (owner !== undefined) owner.invalidateSession(false);
    else this.state.destroySession(session);
    return true;
  }

  /** Closes every connection (1001, then a TCP drop if unanswered), the HTTP server and all timers. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.state.options.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.server.on('error', () => {});
        this.listeningPort = (this.server.address() as AddressInfo).port;
        this.state.url = this.url;
        resolve();
      });
    });
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {});
    if (this.closing !== null) {
      socket.destroy();
      return;
    }
    const outcome = parseConnectionQuery(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams);
    if (outcome.kind === 'refuse') {
      const body = JSON.stringify({ message: outcome.message, code: 0 });
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Connection: close\r\n\r\n${body}`,
      );
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (this.closing !== null) {
        ws.terminate();
        return;
      }
      const connection = new GatewayConnection(this.state, ws, outcome.query);
      this.state.connections.set(connection.id, connection);
      this.emit('connection', connection);
      // 4012: the version is checked on connect, before Hello.
      if (outcome.kind === 'invalid-version') connection.closeWith(GatewayCloseCodes.InvalidAPIVersion);
      else connection.start();
    });
  }

  private async shutdown(): Promise<void> {
    this.lifetime.abort();
    for (const session of [...this.state.sessions.values()]) this.state.destroySession(session);
    await Promise.all([...this.state.connections.values()].map((conn) => conn.shutdown(SHUTDOWN_GRACE_MS)));
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
