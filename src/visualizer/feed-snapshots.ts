import type { AnyStateNode } from 'xstate';

/** A transition of an inspected microstep (xstate's `_transitions`). */
export interface TransitionLike {
  readonly source: AnyStateNode;
  readonly target?: readonly AnyStateNode[] | undefined;
}

/** The parts of an inspected snapshot the visualizer reads. */
export interface SnapshotLike {
  readonly status?: unknown;
  readonly value?: unknown;
  readonly context?: unknown;
  readonly machine?: { readonly id?: unknown };
}

/** Orders guild ids (snowflakes) numerically. */
export function compareSnowflakes(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** The number at the end of an actor's session id (`x:12`): a later actor of the same shard or guild has a larger one. */
export function actorNumber(sessionId: unknown): number {
  const match = typeof sessionId === 'string' ? /(\d+)$/.exec(sessionId) : null;
  return match === null ? 0 : Number(match[1]);
}

/**
 * The states a microstep entered: those active now that were not before, plus every target of a taken
 * transition (a re-entered state stays active, yet was entered again). None when nothing was taken.
 */
export function enteredStateIds(
  active: readonly string[],
  wasActive: readonly string[],
  taken: readonly { readonly target?: readonly { readonly id: string }[] | undefined }[],
): string[] {
  if (taken.length === 0) return [];
  const before = new Set(wasActive);
  return [
    ...new Set([
      ...active.filter((id) => !before.has(id)),
      ...taken.flatMap((transition) => (transition.target ?? []).map((target) => target.id)),
    ]),
  ];
}
