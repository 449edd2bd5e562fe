import { pickClaims, pickReleases } from './lease-assignment.js';
import type { LeaseContext, TickAnswer } from './lease.types.js';

/**
 * The pure decisions of the lease machine over its context (`machines/lease.machine.ts`). Which
 * shards it claims and hands over are `pickClaims` / `pickReleases` (`machines/lease-assignment.ts`).
 */

/** The context after an answered tick: its census kept, and the leases found taken dropped. */
export function withTickAnswer(context: LeaseContext, answer: TickAnswer): Partial<LeaseContext> {
  const held = new Map(context.held);
  const handingOver = new Set(context.handingOver);
  const taken: number[] = [];
  answer.pairs.forEach(([id, fence], index) => {
    // A pair released (or claimed again) since the tick was sent is no longer this answer's business.
    if (answer.statuses[index] !== 'taken' || held.get(id) !== fence) return;
    held.delete(id);
    handingOver.delete(id);
    taken.push(id);
  });
  const membersKey = answer.members.join(',');
  return {
    held,
    handingOver,
    taken,
    epoch: answer.epoch,
    members: answer.members,
    membersKey,
    membersStable: membersKey === context.membersKey,
    unowned: answer.unowned,
    ready: new Set(answer.ready),
  };
}

/**
 * The ready shards to hand over because this process holds more than its fair share, when every
 * shard is owned (a process joined); empty when none, or when it would hand over all it holds.
 */
export function surplusShards(context: LeaseContext): number[] {
  if (context.unowned.length > 0) return [];
  const candidates = [...context.held.keys()].filter((id) => !context.handingOver.has(id));
  const ids = pickReleases(
    candidates,
    context.shardCount,
    context.maxConcurrency,
    context.members,
    context.memberId,
  ).filter((id) => context.ready.has(id));
  return ids.length < candidates.length ? ids : [];
}

/** The unowned shards to claim now, up to the fair share (its own slice first). */
export function wantedClaims(context: LeaseContext): number[] {
  return pickClaims({
    shardCount: context.shardCount,
    maxConcurrency: context.maxConcurrency,
    members: context.members,
    memberId: context.memberId,
    unowned: context.unowned,
    unownedBefore: context.unownedBefore,
    owned: context.held.size - context.handingOver.size,
  });
}
