export { GatewayHttp, type GatewayHttpOptions } from './gateway-http.js';
export { RestClient, type RestGet, type RestJsonResponse } from './rest-client.js';
export {
  DEFAULT_REST_URL,
  DEFAULT_USER_AGENT,
  type RestCallOptions,
  type RestClientOptions,
  type Sleep,
} from './rest-options.js';
