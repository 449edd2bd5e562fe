/**
 * The package check's smoke program, run in a throwaway consumer project against the installed
 * tarball: a shard connects to `FakeGateway`, receives a dispatch, resumes after a dropped connection
 * and receives what it missed, then stops. Exits non-zero (with the reason) on any failure.
 */
import { GatewayIntentBits, Shard } from 'statecord';
import type { DispatchData } from 'statecord';
import { FakeGateway } from 'statecord/testing';

const TIMEOUT_MS = 30_000;

function within<T>(what: string, promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), TIMEOUT_MS).unref(),
    ),
  ]);
}

function nextMessage(shard: Shard): Promise<DispatchData<'MESSAGE_CREATE'>> {
  return new Promise((resolve) => shard.gateway.once('MESSAGE_CREATE', resolve));
}

const guildId = '81384788765712384';
// MESSAGE_CONTENT is privileged: the application must be allowed it, as on Discord.
const gateway = await FakeGateway.start({
  guilds: [{ id: guildId }],
  privilegedIntents: GatewayIntentBits.MessageContent,
});
const shard = new Shard({
  ...gateway.clientOptions,
  intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages | GatewayIntentBits.MessageContent,
});
try {
  await within('READY', shard.start());
  const first = nextMessage(shard);
  gateway.dispatch('MESSAGE_CREATE', { id: '1', channel_id: '2', guild_id: guildId, content: 'hi' });
  const firstContent = (await within('the first MESSAGE_CREATE', first)).content;
  if (firstContent !== 'hi') throw new Error(`got ${firstContent}, expected hi`);

  const resumed = new Promise<boolean>((resolve) =>
    shard.once('reconnected', ({ isNewSession }) => resolve(!isNewSession)),
  );
  const missed = nextMessage(shard);
  gateway.connections[0]!.terminate();
  gateway.dispatch('MESSAGE_CREATE', { id: '3', channel_id: '2', guild_id: guildId, content: 'missed' });
  if (!(await within('the resume', resumed))) throw new Error('the shard identified instead of resuming');
  const missedContent = (await within('the replayed MESSAGE_CREATE', missed)).content;
  if (missedContent !== 'missed') throw new Error(`got ${missedContent}, expected missed`);
  console.log(`smoke: ${shard.state}, resumed and got the missed dispatch`);
} finally {
  await shard.stop();
  await gateway.close();
}
