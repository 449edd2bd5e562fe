import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { VoiceConnection } from './connection.js';
import { VOICE_GATEWAY_VERSION } from './payloads.js';
import type { VoiceServerState } from './voice-state.js';

/** What the fake does with an upgrade request, decided from its `v` query parameter. */
export type VoiceQueryOutcome =
  | { readonly kind: 'accept'; readonly version: string }
  | { readonly kind: 'refuse'; readonly message: string };

/**
 * `v=8` is accepted. A missing `v` or one below 4 is "rejected" by Discord since 2024-11-18 without a
 * documented close code (docs/protocol/voice.md §2.1): the fake refuses the upgrade with HTTP 400. Versions 4–7
 * still work on Discord but behave differently (no buffered resume, bare-integer heartbeats); the fake
 * speaks only v8 and refuses them with HTTP 400 too, saying so, rather than answer in the wrong dialect.
 */
export function parseVoiceQuery(search: URLSearchParams): VoiceQueryOutcome {
  const version = search.get('v');
  if (version === String(VOICE_GATEWAY_VERSION)) return { kind: 'accept', version };
  if (version === null || version === '') {
    return { kind: 'refuse', message: 'a voice gateway version is required (?v=8)' };
  }
  const number = Number(version);
  if (Number.isInteger(number) && number >= 4 && number < VOICE_GATEWAY_VERSION) {
    return {
      kind: 'refuse',
      message: `voice gateway v${version} is not served by the statecord FakeVoiceServer; use ?v=8`,
    };
  }
  return { kind: 'refuse', message: `invalid voice gateway version "${version}"` };
}

/**
 * One upgrade request: refused (HTTP 400 with a JSON `{message, code: 0}`) unless `?v=8`; otherwise a
 * {@link VoiceConnection} that `onConnection` sees before Hello goes out, at once or, with
 * `holdUpgrades`, when `releaseUpgrade()` lets it through.
 */
export function handleVoiceUpgrade(
  state: VoiceServerState,
  wss: WebSocketServer,
  request: { req: IncomingMessage; socket: Duplex; head: Buffer },
  isClosing: () => boolean,
  onConnection: (connection: VoiceConnection) => void,
): void {
  const { req, socket, head } = request;
  socket.on('error', () => {});
  if (isClosing()) {
    socket.destroy();
    return;
  }
  const outcome = parseVoiceQuery(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams);
  if (outcome.kind === 'refuse') {
    const body = JSON.stringify({ message: outcome.message, code: 0 });
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
    return;
  }
  const held = state.options.holdUpgrades;
  state.emit('upgrade', { url: req.url ?? '/', held, at: Date.now() });
  const accept = (): void => {
    if (isClosing() || socket.destroyed) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (isClosing()) {
        ws.terminate();
        return;
      }
      const connection = new VoiceConnection(state, ws, outcome.version);
      state.connections.set(connection.id, connection);
      onConnection(connection);
      connection.start();
    });
  };
  if (!held) return accept();
  // holdUpgrades: the client's socket stays "connecting" until a release (or a refusal) decides.
  let forget = (): void => undefined;
  const onGone = (): void => forget();
  socket.once('close', onGone);
  forget = state.upgrades.add({
    accept: () => {
      socket.off('close', onGone);
      accept();
    },
    drop: () => socket.destroy(),
    alive: () => !socket.destroyed && socket.readable,
  });
  state.emit('hold', { kind: 'upgrade', connectionId: null, sessionId: null, at: Date.now() });
}
