import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RESTGetAPIGatewayBotResult, RESTGetAPIGatewayResult } from 'discord-api-types/v10';
import type { GatewayState } from './gateway-state.js';

/** REST routes under `/api`, `/api/v9` and `/api/v10` (an unversioned path is served like Discord's default). */
const ROUTE = /^\/api(?:\/v(?:9|10))?(\/gateway(?:\/bot)?)\/?$/;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Discord's error body: `{ message: "401: Unauthorized", code: 0 }`. */
function sendError(res: ServerResponse, status: number, text: string): void {
  sendJson(res, status, { message: `${status}: ${text}`, code: 0 });
}

/**
 * `GET /gateway` → `{ url }` (no auth) and `GET /gateway/bot` → `{ url, shards, session_start_limit }`
 * with `Authorization: Bot <token>` (docs/protocol/gateway.md §1.1). Everything else is a JSON 404/405.
 */
export function createRestHandler(state: GatewayState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const route = ROUTE.exec(path)?.[1];
    if (route === undefined) return sendError(res, 404, 'Not Found');
    if (req.method !== 'GET') return sendError(res, 405, 'Method Not Allowed');
    if (route === '/gateway') {
      const body: RESTGetAPIGatewayResult = { url: state.url };
      return sendJson(res, 200, body);
    }
    const authorization = req.headers.authorization ?? '';
    if (!authorization.startsWith('Bot ') || !state.isTokenAccepted(authorization.slice(4))) {
      return sendError(res, 401, 'Unauthorized');
    }
    const body: RESTGetAPIGatewayBotResult = {
      url: state.url,
      shards: state.recommendedShards,
      session_start_limit: state.limits.snapshot(Date.now()),
    };
    return sendJson(res, 200, body);
  };
}
