import { describe, expect, it } from 'vitest';
import { MAX_GATEWAY_SHARDS, validateGatewayBot } from '../../src/http/validate.js';
import { BOT_BODY } from './local-server.js';

const limit = BOT_BODY.session_start_limit;

describe('validateGatewayBot: the bounds of its numbers', () => {
  it.each([
    ['shards 1', { ...BOT_BODY, shards: 1 }],
    ['shards at the bound', { ...BOT_BODY, shards: MAX_GATEWAY_SHARDS }],
    ['remaining 0', { ...BOT_BODY, session_start_limit: { ...limit, remaining: 0 } }],
    ['max_concurrency 16', { ...BOT_BODY, session_start_limit: { ...limit, max_concurrency: 16 } }],
  ])('accepts %s', (_name, body) => {
    expect(validateGatewayBot(body)).toEqual({ ok: true, value: body });
  });

  it.each([
    ['shards 0', { ...BOT_BODY, shards: 0 }, '"shards"'],
    ['shards 1.5', { ...BOT_BODY, shards: 1.5 }, '"shards"'],
    ['shards negative', { ...BOT_BODY, shards: -9 }, '"shards"'],
    ['shards above the bound', { ...BOT_BODY, shards: 1_048_577 /* MAX_GATEWAY_SHARDS + 1 */ }, '"shards"'],
    ['shards 2^53 - 1', { ...BOT_BODY, shards: Number.MAX_SAFE_INTEGER }, '"shards"'],
    ['shards Infinity (JSON 1e400)', JSON.parse('{"url":"wss://g","shards":1e400}') as unknown, '"shards"'],
    ['remaining negative', { ...BOT_BODY, session_start_limit: { ...limit, remaining: -1 } }, 'remaining'],
    ['total negative', { ...BOT_BODY, session_start_limit: { ...limit, total: -1 } }, 'total'],
    ['total unsafe', { ...BOT_BODY, session_start_limit: { ...limit, total: 2 ** 53 } }, 'total'],
    [
      'reset_after negative',
      { ...BOT_BODY, session_start_limit: { ...limit, reset_after: -1 } },
      'reset_after',
    ],
    [
      'max_concurrency 0',
      { ...BOT_BODY, session_start_limit: { ...limit, max_concurrency: 0 } },
      'max_concurrency',
    ],
    [
      'max_concurrency above the bound',
      {
        ...BOT_BODY,
        session_start_limit: { ...limit, max_concurrency: 1_048_577 /* MAX_GATEWAY_SHARDS + 1 */ },
      },
      'max_concurrency',
    ],
    ['url http', { ...BOT_BODY, url: 'http://gateway.discord.gg' }, '"url"'],
  ])('rejects %s as malformed', (_name, body, field) => {
    const result = validateGatewayBot(body);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(field);
  });
});
