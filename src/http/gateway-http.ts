import type { RESTGetAPIGatewayBotResult, RESTGetAPIGatewayResult } from 'discord-api-types/v10';
import { HttpMalformedResponseError } from '../errors.js';
import { RestClient, type RestJsonResponse } from './rest-client.js';
import type { RestCallOptions, RestClientOptions } from './rest-options.js';
import { validateGateway, validateGatewayBot, type Validated } from './validate.js';

/** Options of {@link GatewayHttp}. */
export type GatewayHttpOptions = RestClientOptions;

/**
 * The gateway discovery routes of `docs/protocol/gateway.md` §1.1 (`GET /gateway`,
 * `GET /gateway/bot`) over undici, with Discord's shapes checked and failures typed (`Http*Error`,
 * see `errors.ts`). Every call is bounded in time (`deadlineMs` per attempt, `totalDeadlineMs` in
 * all) and in memory (`maxBodyBytes`), and its `signal` ends it at any point.
 *
 * @example
 * ```ts
 * import { GatewayHttp } from 'statecord';
 *
 * const http = new GatewayHttp({ token: process.env.DISCORD_TOKEN! });
 * const stop = new AbortController(); // stop.abort() ends the call: HttpAbortedError
 * const { url, shards, session_start_limit } = await http.getBot({ signal: stop.signal });
 * ```
 */
export class GatewayHttp {
  readonly #client: RestClient;

  constructor(options: GatewayHttpOptions) {
    this.#client = new RestClient(options);
  }

  /** `GET /gateway` (no auth) → `{ url }`. Cacheable; re-fetch only if connecting with it fails (§1.1). */
  async getGateway(options: RestCallOptions = {}): Promise<RESTGetAPIGatewayResult> {
    const path = '/gateway';
    return checked(path, await this.#client.getJson({ path, auth: false }, options), validateGateway);
  }

  /**
   * `GET /gateway/bot` (`Authorization: Bot <token>`) → `{ url, shards, session_start_limit }`.
   * Do not cache long: the values change per call and as the guild count grows (§1.1).
   */
  async getBot(options: RestCallOptions = {}): Promise<RESTGetAPIGatewayBotResult> {
    const path = '/gateway/bot';
    return checked(path, await this.#client.getJson({ path, auth: true }, options), validateGatewayBot);
  }

  /** Discord's recommended shard count: `shards` of `GET /gateway/bot` (use it as the count, §6). */
  async getBotRequiredShards(options: RestCallOptions = {}): Promise<number> {
    return (await this.getBot(options)).shards;
  }
}

/** The body of the documented shape, or {@link HttpMalformedResponseError}. */
function checked<T>(path: string, response: RestJsonResponse, validate: (body: unknown) => Validated<T>): T {
  const result = validate(response.body);
  if (!result.ok)
    throw new HttpMalformedResponseError({ method: 'GET', path }, response.status, result.reason);
  return result.value;
}
