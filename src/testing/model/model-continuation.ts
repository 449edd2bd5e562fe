/** An edge of an abstract state graph: the event and the state it leads to. */
export interface GraphEdge<Event> {
  readonly event: Event;
  readonly to: string;
}

/** Which edges a continuation may take, where it ends, and what it counts on the way. */
export interface ContinuationRules<Edge> {
  readonly allowed: (edge: Edge) => boolean;
  readonly goal: (edge: Edge, count: number) => boolean;
  readonly count?: (edge: Edge, count: number) => number;
}

/**
 * The shortest continuation from `from` along edges `allowed` accepts until an edge `goal` accepts,
 * counting with `count` on the way (breadth first over state and count); null when there is none.
 */
export function continueFrom<Event, Edge extends GraphEdge<Event>>(
  outgoing: ReadonlyMap<string, readonly Edge[]>,
  from: string,
  rules: ContinuationRules<Edge>,
): { event: Event; state: string }[] | null {
  const seen = new Set([`${from}#0`]);
  for (
    let queue = [{ state: from, count: 0, steps: [] as { event: Event; state: string }[] }];
    queue.length > 0;
  ) {
    const next: typeof queue = [];
    for (const node of queue) {
      for (const edge of outgoing.get(node.state) ?? []) {
        if (!rules.allowed(edge)) continue;
        const steps = [...node.steps, { event: edge.event, state: edge.to }];
        if (rules.goal(edge, node.count)) return steps;
        const count = rules.count?.(edge, node.count) ?? 0;
        const key = `${edge.to}#${count}`;
        if (seen.has(key)) continue;
        seen.add(key);
        next.push({ state: edge.to, count, steps });
      }
    }
    queue = next;
  }
  return null;
}
