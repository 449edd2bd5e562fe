import { afterEach } from 'vitest';
import { GatewayDispatchEvents, GatewayOpcodes } from 'discord-api-types/v10';
import type { GatewayIdentifyData, GatewayReadyDispatchData } from 'discord-api-types/v10';
import { FakeGateway, type FakeGatewayOptions } from '../../src/testing/index.js';
import { RawClient, type RawClientOptions, type ServerFrame } from './raw-client.js';

/**
 * Starts gateways and raw clients for one test file and tears all of them down after each test.
 * Raw clients do not heartbeat, so the default interval is long enough that only tests about
 * heartbeats see the watchdog.
 */
export function useFakeGateway() {
  const gateways: FakeGateway[] = [];
  const clients: RawClient[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.terminate();
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
  });

  /** Starts a gateway; `testDefaults: false` keeps Discord's real defaults for every option not given. */
  const start = async (options: FakeGatewayOptions = {}, testDefaults = true): Promise<FakeGateway> => {
    const defaults: FakeGatewayOptions = testDefaults
      ? { heartbeatIntervalMs: 10_000, identifyIntervalMs: 0 }
      : {};
    const gateway = await FakeGateway.start({ ...defaults, ...options });
    gateways.push(gateway);
    return gateway;
  };

  const connect = async (gateway: FakeGateway, options: RawClientOptions = {}): Promise<RawClient> => {
    const client = await RawClient.connect(gateway.url, options);
    clients.push(client);
    return client;
  };

  /** Connects, waits for Hello, identifies, and waits for READY. */
  const identified = async (
    gateway: FakeGateway,
    identify: Partial<GatewayIdentifyData> & Record<string, unknown> = {},
    options: RawClientOptions = {},
  ): Promise<{ client: RawClient; ready: GatewayReadyDispatchData; readyFrame: ServerFrame }> => {
    const client = await connect(gateway, options);
    await client.waitForOp(GatewayOpcodes.Hello);
    client.identify(gateway.options.token, identify);
    const readyFrame = await client.waitForDispatch(GatewayDispatchEvents.Ready);
    return { client, ready: readyFrame.d as GatewayReadyDispatchData, readyFrame };
  };

  return { start, connect, identified };
}
