import { EventEmitter } from 'node:events';
import { InvalidArgumentError } from '../../errors.js';
import { waitForEvent, type WaitForOptions } from '../fake-gateway/wait-for.js';
import { resolveVoiceOptions } from './options.js';
import type { FakeVoicePeerInit, FakeVoiceServerOptions, ResolvedFakeVoiceServerOptions } from './options.js';
import type { FakeVoicePeer } from './peer.js';
import { VoiceListener } from './listener.js';
import { selectGrants, type GrantSelector } from './selectors.js';
import {
  UdpFaultRule,
  type UdpDelayOptions,
  type UdpFaultHandle,
  type UdpFaultOptions,
} from './udp-faults.js';
import type {
  ChangeRegionOptions,
  FakeVoiceConnection,
  FakeVoiceServerEvents,
  FakeVoiceSession,
  MoveEndpointOptions,
  VoiceGrant,
  VoiceGrantRequest,
  VoiceSignalCloseOptions,
  VoiceSignalling,
} from './types.js';
import type {
  FakeVoiceFrame,
  FakeVoiceServerStats,
  VoiceCloseRecord,
  VoiceHeartbeatRecord,
  VoiceReceivedFrame,
  VoiceViolation,
} from './records.js';
import { VoiceServerState } from './voice-state.js';
import type { FakeDaveControl } from './dave/dave-control.js';
import { loadFakeDave, type FakeDaveModules } from './dave/load-fake-dave.js';

/**
 * A Discord voice server (voice gateway v8 + UDP) on 127.0.0.1 that behaves like the real one
 * (docs/protocol/voice.md §2, §3, §7): Hello and heartbeats, Identify/Resume checked against what the main
 * gateway issued, Ready, IP discovery, Select Protocol, Session Description, buffered resume with
 * `seq_ack`, Speaking, Clients Connect/Disconnect, both AEAD transport modes, call members ("peers")
 * that hear what clients send and speak back, and faults: closes, TCP drops, UDP drops and delays, and
 * (through a linked `FakeGateway`) endpoint moves, null endpoints, region changes and forced disconnects.
 *
 * Where Discord's docs leave a choice open, the fake decides as follows (each is cited where it is coded):
 * - Only `?v=8` is served; anything else is refused with HTTP 400 before the upgrade.
 * - Malformed Identify → 4002; malformed payloads of other known ops → 4020; client ops that do not
 *   exist or belong to the server → 4001; undocumented client ops Discord's apps send are tolerated.
 * - Identify: revoked token → 4006, no live grant for the guild → 4011, wrong token/user/session → 4004.
 * - A missed heartbeat closes with 4009 after interval + grace and ends the session.
 * - Only 4015 and codes below 4000 keep a session resumable; client closes with 1000/1001 end it.
 * - Hello, Heartbeat ACK and Resumed carry no `seq`; every other server message does.
 * - RTP before Speaking waits `speakingGraceMs` for it, then is a violation (dropped by default).
 * - Repeated or older transport nonces are dropped as replays and recorded as violations.
 *
 * For tests that decide when each answer goes out (model-based runs), `holdHello`, `holdUpgrades`,
 * `holdReady`, `holdDiscovery`, `holdSessionDescription` and `holdResumed` keep the corresponding answer
 * back until a release method lets it go; every check still happens at once, and every rule stays active.
 */
export class FakeVoiceServer extends EventEmitter<FakeVoiceServerEvents> {
  private readonly state: VoiceServerState;
  /** DAVE: each call's MLS group and fault injection (docs/protocol/voice.md §4). */
  readonly dave: FakeDaveControl;
  private readonly listener: VoiceListener;
  private readonly lifetime = new AbortController();
  private closing: Promise<void> | null = null;

  private constructor(options: ResolvedFakeVoiceServerOptions, dave: FakeDaveModules) {
    super();
    this.state = new VoiceServerState(
      options,
      (event, ...args) => {
        this.emit(event, ...(args as never));
      },
      dave.DaveCalls,
    );
    this.dave = new dave.FakeDaveControl(this.state);
    this.listener = new VoiceListener(this.state, (connection) => this.emit('connection', connection));
  }

  /**
   * Starts a fake voice server: a WebSocket on 127.0.0.1 (`ws://`, or `wss://` with `tls`) and a UDP socket.
   *
   * @example
   * ```ts
   * import { FakeGateway, FakeVoiceServer } from 'statecord/testing';
   *
   * const guildId = '81384788765712384';
   * const opusFrame = new Uint8Array([0xf8, 0xff, 0xfe]); // 20 ms of Opus silence
   * const voice = await FakeVoiceServer.start({ heartbeatIntervalMs: 500 });
   * const gateway = await FakeGateway.start({ guilds: [{ id: guildId }], voice: { servers: [voice] } });
   * // a shard's op 4 now gets VOICE_STATE_UPDATE + VOICE_SERVER_UPDATE with endpoint voice.endpoint
   * const frame = await voice.waitFor('audio');
   * await voice.peer.speak([opusFrame]);
   * await gateway.close();
   * await voice.close();
   * ```
   *
   * @throws MissingPeerDependencyError when the optional peers `ts-mls` and `@noble/curves` (its DAVE
   *   side's MLS external sender) are not installed.
   */
  static async start(options: FakeVoiceServerOptions = {}): Promise<FakeVoiceServer> {
    const resolved = resolveVoiceOptions(options);
    const server = new FakeVoiceServer(resolved, await loadFakeDave());
    await server.listener.listen();
    return server;
  }

  /** `127.0.0.1:PORT`: what VOICE_SERVER_UPDATE carries as `endpoint` (host and port, no scheme). */
  get endpoint(): string {
    return this.state.endpoint;
  }

  /** `ws://127.0.0.1:PORT` (`wss://` with TLS); a client connects to `${url}/?v=8`. */
  get url(): string {
    return `${this.state.options.tls === null ? 'ws' : 'wss'}://${this.endpoint}`;
  }

  /** The TCP port of the voice WebSocket. */
  get port(): number {
    return this.listener.port;
  }

  /** The media (UDP) port that Ready announces. */
  get udpPort(): number {
    return this.state.udp?.port ?? 0;
  }

  /** The options in effect, defaults applied. */
  get options(): ResolvedFakeVoiceServerOptions {
    return this.state.options;
  }

  /** Counters, as a snapshot. */
  get stats(): FakeVoiceServerStats {
    return this.state.stats();
  }

  /** Every WebSocket message clients sent, decoded, oldest first. */
  get received(): readonly VoiceReceivedFrame[] {
    return this.state.received;
  }

  /** Every closed connection, oldest first. */
  get closes(): readonly VoiceCloseRecord[] {
    return this.state.closes;
  }

  /** Every heartbeat, with its `seq_ack` next to the last `seq` the session had sent. */
  get heartbeats(): readonly VoiceHeartbeatRecord[] {
    return this.state.heartbeats;
  }

  /** Every audio frame clients sent, decrypted, in arrival order. */
  get frames(): readonly FakeVoiceFrame[] {
    return this.state.frames;
  }

  /** Rules clients broke that did not close the socket (RTP before Speaking, nonce replays, …). */
  get violations(): readonly VoiceViolation[] {
    return this.state.violations;
  }

  /** Open connections. */
  get connections(): FakeVoiceConnection[] {
    return [...this.state.connections.values()];
  }

  /** Sessions that are live or resumable. */
  get sessions(): FakeVoiceSession[] {
    return [...this.state.sessions.values()];
  }

  /** Grants not yet revoked. */
  get grants(): VoiceGrant[] {
    return this.state.grants.live();
  }

  /** Call members (present or gone). */
  get peers(): FakeVoicePeer[] {
    return [...this.state.peers];
  }

  /** The first call member (the default one unless `peers` said otherwise). */
  get peer(): FakeVoicePeer {
    const peer = this.state.peers[0];
    if (peer === undefined) throw new InvalidArgumentError('this FakeVoiceServer was started without peers');
    return peer;
  }

  /**
   * Registers an Identify to accept, as the main gateway does before it sends VOICE_SERVER_UPDATE. A
   * `FakeGateway` with this server attached calls it for each op 4 join; tests without a gateway call it
   * directly and give the client the grant's four values. `signalling` links faults back to the gateway.
   */
  authorize(request: VoiceGrantRequest, signalling: VoiceSignalling | null = null): VoiceGrant {
    return this.state.authorize(request, signalling);
  }

  /**
   * Withdraws a grant (Identify/Resume with its token → 4006). Its live session's socket is closed with
   * `closeCode` (default 4014, "disconnected"); null leaves the socket open until the client leaves.
   */
  revoke(grant: VoiceGrant, closeCode: number | null = 4014): void {
    const own = this.state.grants.get(grant.token);
    if (own === undefined || this.closing !== null) return;
    this.state.revoke(own, closeCode);
  }

  /** Updates a grant's mute/deaf flags (a deafened member is sent no audio). */
  updateVoiceState(grant: VoiceGrant, flags: { selfMute?: boolean; selfDeaf?: boolean }): void {
    const own = this.state.grants.get(grant.token);
    if (own === undefined) return;
    own.selfMute = flags.selfMute ?? own.selfMute;
    own.selfDeaf = flags.selfDeaf ?? own.selfDeaf;
  }

  /** Adds a call member; the sessions of its calls get Clients Connect (op 11). */
  addPeer(init: FakeVoicePeerInit): FakeVoicePeer {
    return this.state.addPeer(init);
  }

  /** Drops UDP datagrams of every session (see {@link UdpFaultOptions}). */
  dropUdp(options: UdpFaultOptions): UdpFaultHandle {
    return this.state.faults.add(new UdpFaultRule(options, null, null));
  }

  /** Delays UDP datagrams of every session. */
  delayUdp(options: UdpDelayOptions): UdpFaultHandle {
    return this.state.faults.add(new UdpFaultRule(options, options.delayMs, null));
  }

  /** Through the gateway that issued them: a new VOICE_SERVER_UPDATE for the selected grants. Returns how many. */
  moveEndpoint(options: MoveEndpointOptions & GrantSelector = {}): number {
    return this.signal(options, (link, grant) => link.moveEndpoint(grant, options));
  }

  /** Through the gateway: VOICE_SERVER_UPDATE with `endpoint: null` for the selected grants. */
  sendNullEndpoint(options: VoiceSignalCloseOptions & GrantSelector = {}): number {
    return this.signal(options, (link, grant) => link.sendNullEndpoint(grant, options));
  }

  /** Through the gateway: a null endpoint, then `to`'s endpoint, for the selected grants. */
  changeRegion(options: ChangeRegionOptions & GrantSelector): number {
    return this.signal(options, (link, grant) => link.changeRegion(grant, options));
  }

  /** Through the gateway: VOICE_STATE_UPDATE `channel_id: null` and the socket closed (4014). */
  forceDisconnect(options: VoiceSignalCloseOptions & GrantSelector = {}): number {
    return this.signal(options, (link, grant) => link.forceDisconnect(grant, options));
  }

  /** Upgrade requests `holdUpgrades` holds (clients whose sockets are still connecting). */
  get heldUpgrades(): number {
    return this.state.upgrades.count;
  }

  /** Completes the oldest held upgrade (option `holdUpgrades`): the client's socket opens. False when none waits. */
  releaseUpgrade(): boolean {
    return this.state.upgrades.release();
  }

  /** Drops the oldest held upgrade's TCP connection unanswered: the client's socket fails (1006). False when none waits. */
  refuseUpgrade(): boolean {
    return this.state.upgrades.refuse();
  }

  /**
   * Answers the held IP discovery (option `holdDiscovery`) of the session with `ssrc`, or of every
   * session that has one. Returns how many were answered.
   */
  releaseDiscovery(ssrc?: number): number {
    const sessions = [...this.state.sessions.values()].filter(
      (session) => ssrc === undefined || session.ssrc === ssrc,
    );
    return sessions.filter((session) => session.releaseDiscovery()).length;
  }

  /** Calls `listener` for every new connection (before Hello); returns the unsubscribe function. */
  onConnection(listener: (connection: FakeVoiceConnection) => void): () => void {
    this.on('connection', listener);
    return () => {
      this.off('connection', listener);
    };
  }

  /** Waits for the next `event` matching `predicate`; rejects on timeout (default 5000 ms) or close. */
  waitFor<K extends keyof FakeVoiceServerEvents>(
    event: K,
    predicate?: (value: FakeVoiceServerEvents[K][0]) => boolean,
    options: Omit<WaitForOptions, 'signal'> = {},
  ): Promise<FakeVoiceServerEvents[K][0]> {
    return waitForEvent<FakeVoiceServerEvents[K][0]>(
      this,
      event,
      predicate,
      { ...options, signal: this.lifetime.signal },
      'FakeVoiceServer',
    );
  }

  /** Closes every connection (1001, then a TCP drop if unanswered), the UDP socket and every timer. Idempotent. */
  close(): Promise<void> {
    if (this.closing === null) {
      this.lifetime.abort();
      this.closing = this.listener.close();
    }
    return this.closing;
  }

  private signal(selector: GrantSelector, act: (link: VoiceSignalling, grant: VoiceGrant) => void): number {
    const grants = selectGrants(this.state.grants.live(), selector);
    for (const grant of grants) act(grant.signalling!, grant);
    return grants.length;
  }
}
