/**
 * `statecord/testing`: fake Discord servers for tests, faithful to the protocol (see
 * docs/protocol/gateway.md §11 and docs/protocol/voice.md §7). Start one on loopback, point a client at
 * it, script faults.
 *
 * @module statecord/testing
 */
export * from './fake-gateway/index.js';
export * from './fake-voice/index.js';
export * from './model/index.js';
