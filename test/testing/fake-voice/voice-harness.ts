import { afterEach } from 'vitest';
import {
  FakeVoiceServer,
  type FakeVoiceServerOptions,
  type VoiceGrant,
  type VoiceGrantRequest,
} from '../../../src/testing/index.js';
import { RawVoiceClient, RawVoiceUdp, type VoiceServerMessage } from './raw-voice-client.js';

export const GUILD_ID = '81384788765712384';
export const CHANNEL_ID = '81384788765712390';
export const BOT_ID = '1190000000000000001';

/** What Ready (op 2) carries. */
export interface ReadyData {
  readonly ssrc: number;
  readonly ip: string;
  readonly port: number;
  readonly modes: string[];
}

/** A client through Session Description: ready to send and receive audio. */
export interface ConnectedClient {
  readonly client: RawVoiceClient;
  readonly udp: RawVoiceUdp;
  readonly grant: VoiceGrant;
  readonly ready: ReadyData;
  readonly mode: string;
  readonly key: Buffer;
  /** Sends one Opus frame as RTP with the client's own encryption. */
  sendOpus(opus: Buffer): Buffer;
}

/**
 * Starts fake voice servers and raw clients for one test file and tears all of them down after each
 * test. Raw clients do not heartbeat, so the default interval is long: only heartbeat tests see the watchdog.
 */
export function useFakeVoice() {
  const servers: FakeVoiceServer[] = [];
  const clients: RawVoiceClient[] = [];
  const udps: RawVoiceUdp[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.terminate();
    for (const udp of udps.splice(0)) udp.close();
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  const start = async (options: FakeVoiceServerOptions = {}): Promise<FakeVoiceServer> => {
    const server = await FakeVoiceServer.start({ heartbeatIntervalMs: 10_000, ...options });
    servers.push(server);
    return server;
  };

  const grant = (server: FakeVoiceServer, overrides: Partial<VoiceGrantRequest> = {}): VoiceGrant =>
    server.authorize({
      guildId: GUILD_ID,
      channelId: CHANNEL_ID,
      userId: BOT_ID,
      sessionId: 'f1c3d3a0b6a94c0e8e0f5b4f5a3c2d1e',
      ...overrides,
    });

  const connect = async (server: FakeVoiceServer, query = 'v=8'): Promise<RawVoiceClient> => {
    const client = await RawVoiceClient.connect(server.url, query);
    clients.push(client);
    return client;
  };

  const openUdp = async (): Promise<RawVoiceUdp> => {
    const udp = await RawVoiceUdp.open();
    udps.push(udp);
    return udp;
  };

  /** Connects and identifies with a fresh grant (or the one given); resolves with Ready. */
  const identified = async (
    server: FakeVoiceServer,
    options: { grant?: VoiceGrant; identify?: Record<string, unknown> } = {},
  ): Promise<{
    client: RawVoiceClient;
    grant: VoiceGrant;
    ready: ReadyData;
    readyMessage: VoiceServerMessage;
  }> => {
    const granted = options.grant ?? grant(server);
    const client = await connect(server);
    client.identify(granted, options.identify);
    const readyMessage = await client.waitForOp(2);
    return { client, grant: granted, ready: readyMessage.d as ReadyData, readyMessage };
  };

  /** Identify → IP discovery → Select Protocol (`mode`) → Session Description. */
  const connected = async (
    server: FakeVoiceServer,
    mode = 'aead_aes256_gcm_rtpsize',
    options: { grant?: VoiceGrant } = {},
  ): Promise<ConnectedClient> => {
    const { client, grant: granted, ready } = await identified(server, options);
    const udp = await openUdp();
    const discovered = await udp.discover(ready.ssrc, ready.port);
    client.selectProtocol(discovered.address, discovered.port, mode);
    const description = (await client.waitForOp(4)).d as { secret_key: number[]; mode: string };
    const key = Buffer.from(description.secret_key);
    const session = { mode, key, ssrc: ready.ssrc };
    return {
      client,
      udp,
      grant: granted,
      ready,
      mode,
      key,
      sendOpus: (opus) => udp.sendOpus(opus, session, ready.port),
    };
  };

  return { start, grant, connect, openUdp, identified, connected };
}

/** Distinct, recognisable "Opus" frames (the fake does not decode Opus, it only carries it). */
export function opusFrames(count: number, tag = 0): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.from([0xfc, tag, i, 0xaa, 0x55, i * 3]));
}
