import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** Whether `host` (a bind address or a `Host` header's hostname) is a loopback name or address. */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (name === '::1') return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  // IPv4-mapped IPv6 loopback (::ffff:127.0.0.1).
  return name.startsWith('::ffff:127.');
}

/** A fresh random access key (192 bits, URL-safe). */
export function generateAccessKey(): string {
  return randomBytes(24).toString('base64url');
}

/** Compares in constant time: both sides are hashed first, so neither length nor content leaks. */
export function accessKeyMatches(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/** The key a request carries: `?key=`, an `X-Statecord-Key` header, or `Authorization: Bearer`. */
export function requestAccessKey(req: IncomingMessage, url: URL): string | null {
  const fromQuery = url.searchParams.get('key');
  if (fromQuery !== null) return fromQuery;
  const header = req.headers['x-statecord-key'];
  if (typeof header === 'string') return header;
  const authorization = req.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return authorization.slice('Bearer '.length);
  return null;
}

function originHostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

function hostnameOf(hostHeader: string): string {
  // `[::1]:8080`, `127.0.0.1:8080`, `localhost`
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  const colon = hostHeader.lastIndexOf(':');
  return colon === -1 ? hostHeader : hostHeader.slice(0, colon);
}

/** Why a request was refused, as an HTTP status: 401 without a key, 403 with a wrong key or a foreign origin. */
export type AccessDecision = { readonly ok: true } | { readonly ok: false; readonly status: 401 | 403 };

/**
 * Checks one HTTP or WebSocket upgrade request.
 * - With an access key, the request must carry it (401 when missing, 403 when wrong).
 * - Without one (loopback only), the `Host` header must name a loopback host, so that a web page on
 *   another site cannot read the feed through DNS rebinding.
 * - A browser request from another origin (`Origin` header) is refused either way.
 */
export function checkAccess(req: IncomingMessage, url: URL, accessKey: string | null): AccessDecision {
  const host = req.headers.host ?? '';
  const origin = req.headers.origin;
  if (origin !== undefined) {
    // `new URL('null')` throws: an opaque origin (sandboxed frame, file://) is foreign too.
    if (originHostOf(origin) !== host) return { ok: false, status: 403 };
  }
  if (accessKey === null) {
    return isLoopbackHost(hostnameOf(host)) ? { ok: true } : { ok: false, status: 403 };
  }
  const given = requestAccessKey(req, url);
  if (given === null) return { ok: false, status: 401 };
  return accessKeyMatches(accessKey, given) ? { ok: true } : { ok: false, status: 403 };
}
