import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { VoiceConnection } from './connection.js';
import { VoiceUdp } from './udp-socket.js';
import { handleVoiceUpgrade } from './upgrade.js';
import type { VoiceServerState } from './voice-state.js';

/** How long `close()` waits for clients to answer the close frame before dropping them. */
const SHUTDOWN_GRACE_MS = 250;

/**
 * The sockets of one fake voice server on 127.0.0.1: the HTTP(S) server whose upgrades become voice
 * WebSockets, and the UDP media socket. Non-upgrade requests get 426.
 */
export class VoiceListener {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private closing = false;
  port = 0;

  constructor(
    private readonly state: VoiceServerState,
    onConnection: (connection: VoiceConnection) => void,
  ) {
    // Voice messages are small; 1 MiB leaves room for DAVE's binary key packages and commits.
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1 << 20 });
    this.wss.on('error', () => {});
    const refuse = (_req: IncomingMessage, res: ServerResponse): void => {
      res.writeHead(426, { 'Content-Type': 'text/plain', Connection: 'close' }).end('WebSocket only');
    };
    const { tls } = state.options;
    this.server = tls === null ? createServer(refuse) : createTlsServer({ ...tls }, refuse);
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      handleVoiceUpgrade(state, this.wss, { req, socket, head }, () => this.closing, onConnection),
    );
    this.server.on('clientError', (_error, socket) => socket.destroy());
    this.server.on('tlsClientError', () => {});
  }

  /** Binds the UDP socket, then the WebSocket server; on failure nothing stays bound. */
  async listen(): Promise<void> {
    const { options } = this.state;
    this.state.udp = await VoiceUdp.bind(this.state, options.udpPort);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(options.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.server.on('error', () => {});
        this.port = (this.server.address() as AddressInfo).port;
        this.state.endpoint = `127.0.0.1:${this.port}`;
        resolve();
      });
    }).catch(async (error: unknown) => {
      await this.state.udp?.close();
      throw error;
    });
  }

  /** Closes every connection (1001, then a TCP drop if unanswered), both servers and every timer. */
  async close(): Promise<void> {
    this.closing = true;
    this.state.shutdown();
    await Promise.all([...this.state.connections.values()].map((conn) => conn.shutdown(SHUTDOWN_GRACE_MS)));
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.state.udp?.close();
  }
}
