export { GatewayHttp, type GatewayHttpOptions } from './gateway-http.js';
export { RestClient, type RestGet, type RestJsonResponse } from './rest-client.js';
export {
  DEFAULT_DEADLINE_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_REST_URL,
  DEFAULT_TOTAL_DEADLINE_MS,
  DEFAULT_USER_AGENT,
  type RestCallOptions,
  type RestClientOptions,
  type Sleep,
} from './rest-options.js';
export { MAX_GATEWAY_SHARDS } from './validate.js';
