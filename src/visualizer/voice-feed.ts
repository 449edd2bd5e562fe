import type { AnyActorRef, AnyEventObject, StateValue } from 'xstate';
import { voiceMachine } from '../../machines/index.js';
import { voiceStatus } from '../voice/voice-status.js';
import { voiceLabels } from './feed-labels.js';
import type { LogLabels } from './feed-labels.js';
import type { FeedMessage, VoiceView } from './feed-types.js';
import { SNOWFLAKE, integerOrNull, voiceDisconnectionView } from './feed-whitelist.js';
import { actorNumber, compareSnowflakes, enteredStateIds } from './feed-snapshots.js';
import type { SnapshotLike, TransitionLike } from './feed-snapshots.js';
import { activeStateIds, leafPaths } from './state-tree.js';

/** What a {@link VoiceFeed} needs of its model. */
export interface VoiceFeedHost {
  readonly now: () => number;
  /** Session id of each live shard actor → its shard id. */
  readonly shardActors: ReadonlyMap<string, number>;
  readonly seen: () => void;
  readonly publish: (message: FeedMessage) => void;
  readonly logStep: (
    labels: LogLabels,
    shard: number,
    guild: string | null,
    event: AnyEventObject,
    taken: readonly TransitionLike[],
    previous: StateValue,
    value: StateValue,
    active: readonly string[],
  ) => void;
}

interface VoiceRecord {
  /** Session id number of the actor: a guild's next connection is a new actor with a larger one. */
  readonly actorNumber: number;
  value: StateValue;
  view: VoiceView;
  sent: string;
}

/**
 * The shard id of an actor's parent, when the parent is a shard actor. The inspection event's
 * `actorRef` is the running actor, whose `_parent` (part of xstate's `ActorRef`) is the actor that
 * spawned it: a voice actor is a child of its shard's actor. Known shard actors are looked up by
 * session id; an unknown parent's own snapshot is read as a fallback (only its `shardId`).
 */
function parentShardId(actorRef: unknown, shardActors: ReadonlyMap<string, number>): number | null {
  const parent = (actorRef as Partial<Pick<AnyActorRef, '_parent'>>)._parent;
  if (parent === undefined || parent === null) return null;
  const known = typeof parent.sessionId === 'string' ? shardActors.get(parent.sessionId) : undefined;
  if (known !== undefined) return known;
  const snapshot = (
    typeof parent.getSnapshot === 'function' ? parent.getSnapshot() : null
  ) as SnapshotLike | null;
  if (snapshot?.machine?.id !== 'shard') return null;
  return integerOrNull((snapshot.context as Record<string, unknown> | undefined)?.['shardId']);
}

/**
 * The voice machines' part of the visualizer's model: one {@link VoiceView} per voice actor, placed
 * under the shard whose actor spawned it, from whitelisted fields only (never a voice token, session
 * id or endpoint).
 */
export class VoiceFeed {
  readonly #host: VoiceFeedHost;
  readonly #voices = new Map<string, VoiceRecord>();

  constructor(host: VoiceFeedHost) {
    this.#host = host;
  }

  /** The live voice connections, by shard, then guild id. */
  get voices(): readonly VoiceView[] {
    return [...this.#voices.values()]
      .map((record) => record.view)
      .sort((a, b) => a.shard - b.shard || compareSnowflakes(a.guildId, b.guildId));
  }

  onVoice(
    actorRef: unknown,
    event: AnyEventObject,
    snapshot: SnapshotLike,
    transitions: TransitionLike[],
    microstep: boolean,
  ): void {
    const context = (snapshot.context ?? {}) as Record<string, unknown>;
    const guildId = context['guildId'];
    if (typeof guildId !== 'string' || !SNOWFLAKE.test(guildId)) return;
    this.#host.seen();
    const number = actorNumber((actorRef as { readonly sessionId?: unknown }).sessionId);
    let record = this.#voices.get(guildId);
    if (record !== undefined && number < record.actorNumber) return; // an earlier connection's last words
    const current = record !== undefined && record.actorNumber === number;
    if (snapshot.status !== 'active' && snapshot.status !== 'done') {
      // Stopped (`shard.closeVoice`, or with its shard's actor) or failed: the actor is gone.
      if (record !== undefined && current) this.#remove(guildId, record);
      return;
    }
    // Microsteps carry every change; a snapshot event only matters for a new actor's initial state.
    if (current && !microstep) return;
    if (!current) {
      // A new actor; a finished one that was already dropped is not brought back.
      if (snapshot.status !== 'active') return;
      const shard = parentShardId(actorRef, this.#host.shardActors);
      if (shard === null) return; // not a shard's child: nothing to place it under
      record = { actorNumber: number, value: 'idle', view: this.#initialView(guildId, shard), sent: '' };
      this.#voices.set(guildId, record);
    }
    if (record === undefined) return;
    const value = (snapshot.value ?? 'idle') as StateValue;
    const previous = record.value;
    const taken = transitions.filter((transition) => (transition.target?.length ?? 0) > 0);
    const status = snapshot.status === 'done' ? 'destroyed' : voiceStatus(value);
    const previousStatus = record.view.status;
    const active = activeStateIds(voiceMachine.root, value);
    const entered = enteredStateIds(active, record.view.active, taken);
    const leftReady =
      previousStatus === 'ready' && status !== 'ready' && status !== 'disconnected' && status !== 'destroyed';
    record.value = value;
    record.view = {
      ...record.view,
      status,
      leaves: leafPaths(value),
      active,
      entered,
      reconnects: record.view.reconnects + (leftReady ? 1 : 0),
      disconnection:
        status === 'disconnected' || status === 'destroyed'
          ? voiceDisconnectionView(context['disconnection'])
          : null,
      since: status === previousStatus ? record.view.since : this.#host.now(),
    };
    if (taken.length > 0)
      this.#host.logStep(voiceLabels, record.view.shard, guildId, event, taken, previous, value, active);
    this.#publishView(record);
    // A final state: the actor stops itself, and no further event comes (closeVoice stops it silently).
    if (snapshot.status === 'done') this.#remove(guildId, record);
  }

  #remove(guildId: string, record: VoiceRecord): void {
    this.#voices.delete(guildId);
    this.#host.publish({ type: 'voiceRemoved', guildId, shard: record.view.shard });
  }

  #initialView(guildId: string, shard: number): VoiceView {
    return {
      guildId,
      shard,
      status: 'idle',
      leaves: ['idle'],
      active: activeStateIds(voiceMachine.root, 'idle'),
      entered: [],
      reconnects: 0,
      disconnection: null,
      since: this.#host.now(),
    };
  }

  #publishView(record: VoiceRecord): void {
    const sent = JSON.stringify(record.view);
    if (sent === record.sent) return;
    record.sent = sent;
    this.#host.publish({ type: 'voice', voice: record.view });
  }
}
