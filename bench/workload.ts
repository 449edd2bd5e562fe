/**
 * The benchmark's dispatch stream: a realistic mix of v10-shaped payloads (docs/protocol/gateway.md §10 B), made
 * once from a seed and replayed. By count about 70 % MESSAGE_CREATE (≈1 KB), 20 % PRESENCE_UPDATE
 * (0.3–0.8 KB), 9 % TYPING_START (≈0.8 KB) and 1 % GUILD_CREATE (80–440 KB, no presences intent).
 */
import { Random } from './lib/random.js';

export const EVENT_KINDS = ['MESSAGE_CREATE', 'PRESENCE_UPDATE', 'TYPING_START', 'GUILD_CREATE'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** Shares by count, in the order of {@link EVENT_KINDS}. */
const MIX = [0.7, 0.2, 0.09, 0.01] as const;

/** Distinct GUILD_CREATE bodies (80–440 KB); each instance gets its own guild id. */
const GUILD_POOL_SIZE = 24;
const USER_POOL_SIZE = 4000;
const HOT_USERS = 60;
const GUILD_IDS = 64;
const CHANNELS_PER_GUILD = 12;

const WORDS = (
  'the be to of and a in that have it for not on with he as you do at this but his by from they we say her she ' +
  'or an will my one all would there their what so up out if about who get which go me when make can like time ' +
  'no just him know take people into year your good some could them see other than then now look only come its ' +
  'over think also back after use two how our work first well way even new want because any these give day most ' +
  'us lol gg brb ok yeah nice thanks raid tonight server bot ping patch update build deploy match queue ranked'
).split(' ');

const NAMES = [
  'Aurora',
  'Blaze',
  'Cipher',
  'Drift',
  'Echo',
  'Flux',
  'Glint',
  'Halo',
  'Ion',
  'Jade',
  'Kite',
  'Lumen',
];
const GAMES = ['Valorant', 'Minecraft', 'League of Legends', 'Counter-Strike 2', 'Fortnite', 'Rocket League'];
const STATUSES = ['online', 'idle', 'dnd'] as const;
const EMOJI = ['🔥', '✨', '🎮', '💤', '🎧', '🌙'];

export interface Workload {
  /** Complete payload texts (`{"t":…,"s":…,"op":0,"d":…}`), in stream order. */
  readonly frames: string[];
  /** Index into {@link EVENT_KINDS} for each frame. */
  readonly kinds: Uint8Array;
  readonly summary: WorkloadSummary;
}

export interface WorkloadSummary {
  readonly seed: number;
  readonly dispatches: number;
  readonly firstSequence: number;
  readonly totalJsonBytes: number;
  readonly byKind: Record<
    EventKind,
    { count: number; share: number; meanBytes: number; minBytes: number; maxBytes: number }
  >;
}

interface PoolUser {
  readonly id: string;
  readonly json: string;
  readonly roles: string[];
  readonly joinedAt: string;
}

function userJson(random: Random, id: string): string {
  const name = `${random.pick(NAMES).toLowerCase()}${random.int(0, 9999)}`;
  const decorated = random.chance(0.15);
  const user: Record<string, unknown> = {
    username: name,
    public_flags: random.chance(0.2) ? 64 * random.int(1, 4) : 0,
    primary_guild: decorated
      ? {
          tag: random.pick(NAMES).slice(0, 4).toUpperCase(),
          identity_guild_id: random.snowflake(),
          identity_enabled: true,
          badge: random.hex(32),
        }
      : null,
    id,
    global_name: random.chance(0.7) ? `${random.pick(NAMES)} ${random.pick(NAMES)}` : null,
    display_name_styles: null,
    discriminator: '0',
    collectibles: decorated
      ? {
          nameplate: {
            sku_id: random.snowflake(),
            palette: 'crimson',
            label: 'COLLECTIBLES_NAMEPLATES_VOL_1',
            expires_at: null,
            asset: 'nameplates/nameplates/twilight/',
          },
        }
      : null,
    clan: null,
    avatar_decoration_data: decorated
      ? { sku_id: random.snowflake(), expires_at: null, asset: `a_${random.hex(32)}` }
      : null,
    avatar: random.chance(0.9) ? random.hex(32) : null,
  };
  return JSON.stringify(user);
}

function memberFields(random: Random, user: PoolUser): string {
  return (
    `"roles":${JSON.stringify(user.roles)},"premium_since":null,"pending":false,"nick":${random.chance(0.2) ? JSON.stringify(random.pick(NAMES)) : 'null'},` +
    `"mute":false,"joined_at":"${user.joinedAt}","flags":0,"deaf":false,"communication_disabled_until":null,"banner":null,"avatar":null`
  );
}

function sentence(random: Random, minWords: number, maxWords: number): string {
  const n = random.int(minWords, maxWords);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(random.pick(WORDS));
  return words.join(' ');
}

class Generator {
  readonly random: Random;
  readonly users: PoolUser[] = [];
  readonly guilds: { id: string; channels: string[]; roles: string[] }[] = [];
  readonly guildBodies: string[] = [];

  constructor(seed: number) {
    const random = (this.random = new Random(seed));
    for (let g = 0; g < GUILD_IDS; g++) {
      const channels = Array.from({ length: CHANNELS_PER_GUILD }, () => random.snowflake());
      const roles = Array.from({ length: 8 }, () => random.snowflake());
      this.guilds.push({ id: random.snowflake(), channels, roles });
    }
    for (let u = 0; u < USER_POOL_SIZE; u++) {
      const id = random.snowflake();
      const guild = random.pick(this.guilds);
      const roles = guild.roles.slice(0, random.int(0, 3));
      this.users.push({ id, json: userJson(random, id), roles, joinedAt: random.isoTimestamp() });
    }
    for (let i = 0; i < GUILD_POOL_SIZE; i++)
      this.guildBodies.push(this.guildBody(i / (GUILD_POOL_SIZE - 1)));
  }

  /** Chat is bursty: half the events come from a few hundred active users (it is what makes zlib-stream pay). */
  activeUser(): PoolUser {
    const random = this.random;
    return random.chance(0.6)
      ? (this.users[random.int(0, HOT_USERS - 1)] as PoolUser)
      : random.pick(this.users);
  }

  messageCreate(): string {
    const random = this.random;
    const guild = random.pick(this.guilds);
    const user = this.activeUser();
    const content = sentence(random, 3, 40);
    const mentions = random.chance(0.1) ? `[${random.pick(this.users).json}]` : '[]';
    return (
      `{"type":0,"tts":false,"timestamp":"${random.isoTimestamp()}","pinned":false,"nonce":"${random.snowflake()}",` +
      `"mentions":${mentions},"mention_roles":[],"mention_everyone":false,"member":{${memberFields(random, user)}},` +
      `"id":"${random.snowflake()}","flags":0,"embeds":[],"edited_timestamp":null,"content":${JSON.stringify(content)},` +
      `"components":[],"channel_type":0,"channel_id":"${random.pick(guild.channels)}","author":${user.json},` +
      `"attachments":[],"guild_id":"${guild.id}"}`
    );
  }

  presenceUpdate(): string {
    const random = this.random;
    const guild = random.pick(this.guilds);
    const user = this.activeUser();
    const status = random.pick(STATUSES);
    const now = 1_700_000_000_000 + random.int(0, 60_000_000);
    const activities: string[] = [];
    if (random.chance(0.6)) {
      activities.push(
        `{"type":4,"state":${JSON.stringify(sentence(random, 1, 6))},"name":"Custom Status","id":"custom",` +
          `"emoji":{"name":"${random.pick(EMOJI)}"},"created_at":${now}}`,
      );
    }
    if (random.chance(0.55)) {
      const game = random.pick(GAMES);
      activities.push(
        `{"type":0,"timestamps":{"start":${now - random.int(0, 7_200_000)}},"state":"In a match","session_id":"${random.hex(32)}",` +
          `"name":${JSON.stringify(game)},"id":"${random.hex(16)}","details":${JSON.stringify(sentence(random, 2, 5))},"created_at":${now},` +
          `"assets":{"large_text":${JSON.stringify(game)},"large_image":"mp:external/${random.hex(40)}/https/cdn.example/${random.hex(12)}.png",` +
          `"small_text":"Rank ${random.int(1, 30)}","small_image":"${random.snowflake()}"},"application_id":"${random.snowflake()}",` +
          `"party":{"size":[${random.int(1, 5)},5],"id":"${random.hex(24)}"},"buttons":["Join","Watch"]}`,
      );
    }
    return (
      `{"user":{"id":"${user.id}"},"status":"${status}","client_status":{"${random.chance(0.7) ? 'desktop' : 'mobile'}":"${status}"},` +
      `"broadcast":null,"activities":[${activities.join(',')}],"guild_id":"${guild.id}"}`
    );
  }

  typingStart(): string {
    const random = this.random;
    const guild = random.pick(this.guilds);
    const user = this.activeUser();
    return (
      `{"user_id":"${user.id}","timestamp":${1_700_000_000 + random.int(0, 60_000_000)},` +
      `"member":{"user":${user.json},${memberFields(random, user)}},` +
      `"channel_id":"${random.pick(guild.channels)}","guild_id":"${guild.id}"}`
    );
  }

  /** The body of a GUILD_CREATE after `{"id":"…",`. `t` in [0, 1]: small (≈80 KB) to large (≈440 KB). */
  guildBody(t: number): string {
    const random = this.random;
    const roleCount = Math.round(50 + 220 * t);
    const channelCount = Math.round(90 + 450 * t);
    const emojiCount = Math.round(40 + 240 * t);
    const threadCount = Math.round(60 * t);
    const voiceCount = Math.round(40 * t);
    const memberCount = voiceCount > 0 ? voiceCount + 1 : 50;
    const roles: string[] = [];
    for (let i = 0; i < roleCount; i++) {
      roles.push(
        `{"version":${1_700_000_000_000 + random.int(0, 1e9)},"unicode_emoji":null,"tags":{},"position":${i},` +
          `"permissions":"${random.int(0, 2 ** 40)}","name":${JSON.stringify(sentence(random, 1, 3))},"mentionable":${random.chance(0.3)},` +
          `"managed":false,"id":"${random.snowflake()}","icon":null,"hoist":${random.chance(0.2)},"flags":0,` +
          `"colors":{"tertiary_color":null,"secondary_color":null,"primary_color":${random.int(0, 0xffffff)}},"color":${random.int(0, 0xffffff)}}`,
      );
    }
    const channels: string[] = [];
    for (let i = 0; i < channelCount; i++) {
      const overwrites = Array.from(
        { length: random.int(0, 3) },
        () =>
          `{"type":0,"id":"${random.snowflake()}","deny":"${random.int(0, 2 ** 33)}","allow":"${random.int(0, 2 ** 33)}"}`,
      );
      channels.push(
        `{"version":${1_700_000_000_000 + random.int(0, 1e9)},"type":${random.pick([0, 0, 0, 2, 4, 5, 15])},"topic":${random.chance(0.5) ? JSON.stringify(sentence(random, 3, 14)) : 'null'},` +
          `"rate_limit_per_user":0,"position":${i},"permission_overwrites":[${overwrites.join(',')}],"parent_id":"${random.snowflake()}",` +
          `"nsfw":false,"name":${JSON.stringify(sentence(random, 1, 3).replace(/ /g, '-'))},"last_message_id":"${random.snowflake()}",` +
          `"id":"${random.snowflake()}","icon_emoji":null,"flags":0,"theme_color":null}`,
      );
    }
    const emojis: string[] = [];
    for (let i = 0; i < emojiCount; i++) {
      emojis.push(
        `{"version":0,"roles":[],"require_colons":true,"name":"${random.pick(WORDS)}_${random.int(0, 999)}","managed":false,` +
          `"id":"${random.snowflake()}","available":true,"animated":${random.chance(0.2)}}`,
      );
    }
    const threads: string[] = [];
    for (let i = 0; i < threadCount; i++) {
      threads.push(
        `{"type":11,"total_message_sent":${random.int(1, 900)},"thread_metadata":{"locked":false,"create_timestamp":"${random.isoTimestamp()}",` +
          `"auto_archive_duration":4320,"archived":false,"archive_timestamp":"${random.isoTimestamp()}"},"rate_limit_per_user":0,` +
          `"parent_id":"${random.snowflake()}","owner_id":"${random.snowflake()}","name":${JSON.stringify(sentence(random, 2, 7))},` +
          `"message_count":${random.int(1, 900)},"member_count":${random.int(1, 50)},"member_ids_preview":[],"last_message_id":"${random.snowflake()}",` +
          `"id":"${random.snowflake()}","guild_id":"0","flags":0}`,
      );
    }
    const members: string[] = [];
    const voiceStates: string[] = [];
    for (let i = 0; i < memberCount; i++) {
      const user = this.users[(i * 37 + Math.floor(t * 1000)) % this.users.length] as PoolUser;
      members.push(`{"user":${user.json},${memberFields(random, user)}}`);
      if (i < voiceCount) {
        voiceStates.push(
          `{"user_id":"${user.id}","suppress":false,"session_id":"${random.hex(32)}","self_video":false,"self_mute":${random.chance(0.3)},` +
            `"self_deaf":false,"request_to_speak_timestamp":null,"mute":false,"deaf":false,"channel_id":"${random.snowflake()}"}`,
        );
      }
    }
    const stickers = Array.from(
      { length: Math.round(5 * t) },
      () =>
        `{"type":2,"tags":"${random.pick(WORDS)}","name":"${random.pick(WORDS)}","id":"${random.snowflake()}","format_type":1,"description":"","available":true}`,
    );
    return (
      `"name":${JSON.stringify(`${random.pick(NAMES)} ${random.pick(WORDS)}`)},"icon":"${random.hex(32)}","description":null,` +
      `"home_header":null,"splash":null,"discovery_splash":null,"features":["COMMUNITY","NEWS","ANIMATED_ICON","INVITE_SPLASH"],` +
      `"banner":null,"owner_id":"${random.snowflake()}","application_id":null,"region":"deprecated","afk_channel_id":null,"afk_timeout":300,` +
      `"system_channel_id":"${random.snowflake()}","widget_enabled":false,"widget_channel_id":null,"verification_level":1,` +
      `"default_message_notifications":1,"mfa_level":0,"explicit_content_filter":2,"max_presences":null,"max_members":500000,` +
      `"max_stage_video_channel_users":50,"max_video_channel_users":25,"vanity_url_code":null,"premium_tier":${random.int(0, 3)},` +
      `"premium_subscription_count":${random.int(0, 40)},"system_channel_flags":0,"preferred_locale":"en-US","rules_channel_id":null,` +
      `"safety_alerts_channel_id":null,"public_updates_channel_id":null,"hub_type":null,"premium_progress_bar_enabled":false,` +
      `"latest_onboarding_question_id":null,"incidents_data":null,"nsfw":false,"nsfw_level":0,"lazy":true,"large":true,` +
      `"member_count":${random.int(500, 250_000)},"joined_at":"${random.isoTimestamp()}","unavailable":false,` +
      `"roles":[${roles.join(',')}],"emojis":[${emojis.join(',')}],"stickers":[${stickers.join(',')}],` +
      `"channels":[${channels.join(',')}],"threads":[${threads.join(',')}],"members":[${members.join(',')}],` +
      `"voice_states":[${voiceStates.join(',')}],"presences":[],"stage_instances":[],"guild_scheduled_events":[],` +
      `"soundboard_sounds":[],"activity_instances":[],"embedded_activities":[],"application_command_counts":{}}`
    );
  }

  guildCreate(): string {
    return `{"id":"${this.random.snowflake()}",${this.random.pick(this.guildBodies)}`;
  }
}

/**
 * Makes `count` dispatches from `seed`. Sequence numbers start at `firstSequence` (READY is `s = 1`).
 * GUILD_CREATEs are spread evenly (every 100th event), the rest drawn by the mix.
 */
export function generateWorkload(count: number, seed = 0x5eed, firstSequence = 2): Workload {
  const generator = new Generator(seed);
  const random = generator.random;
  const frames: string[] = new Array<string>(count);
  const kinds = new Uint8Array(count);
  const [messageShare, presenceShare, typingShare] = MIX;
  const smallTotal = messageShare + presenceShare + typingShare;
  const guildEvery = Math.round(1 / MIX[3]);
  for (let i = 0; i < count; i++) {
    let kind: number;
    if (i % guildEvery === guildEvery - 1) kind = 3;
    else {
      const r = random.next() * smallTotal;
      kind = r < messageShare ? 0 : r < messageShare + presenceShare ? 1 : 2;
    }
    const d =
      kind === 0
        ? generator.messageCreate()
        : kind === 1
          ? generator.presenceUpdate()
          : kind === 2
            ? generator.typingStart()
            : generator.guildCreate();
    kinds[i] = kind;
    frames[i] = `{"t":"${EVENT_KINDS[kind]}","s":${firstSequence + i},"op":0,"d":${d}}`;
  }
  return { frames, kinds, summary: summarize(frames, kinds, seed, firstSequence) };
}

function summarize(
  frames: readonly string[],
  kinds: Uint8Array,
  seed: number,
  firstSequence: number,
): WorkloadSummary {
  const byKind = {} as WorkloadSummary['byKind'];
  let totalJsonBytes = 0;
  for (const kind of EVENT_KINDS)
    byKind[kind] = { count: 0, share: 0, meanBytes: 0, minBytes: Infinity, maxBytes: 0 };
  frames.forEach((frame, index) => {
    const entry = byKind[EVENT_KINDS[kinds[index] ?? 0] ?? 'MESSAGE_CREATE'];
    const bytes = Buffer.byteLength(frame);
    totalJsonBytes += bytes;
    entry.count++;
    entry.meanBytes += bytes;
    entry.minBytes = Math.min(entry.minBytes, bytes);
    entry.maxBytes = Math.max(entry.maxBytes, bytes);
  });
  for (const kind of EVENT_KINDS) {
    const entry = byKind[kind];
    entry.share = entry.count / frames.length;
    entry.meanBytes = entry.count === 0 ? 0 : Math.round(entry.meanBytes / entry.count);
    if (entry.count === 0) entry.minBytes = 0;
  }
  return { seed, dispatches: frames.length, firstSequence, totalJsonBytes, byKind };
}
