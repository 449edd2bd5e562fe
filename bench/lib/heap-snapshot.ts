/**
 * Where the heap per shard goes, from two V8 heap snapshots (`v8.writeHeapSnapshot`) taken at two
 * shard counts: self sizes summed by kind and constructor, and retained sizes (dominator tree) of
 * the objects a shard is made of, each divided by the difference in shard count.
 */
import { readFileSync } from 'node:fs';

interface HeapSnapshotFile {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: readonly string[];
      readonly node_types: readonly [readonly string[], ...unknown[]];
      readonly edge_fields: readonly string[];
      readonly edge_types: readonly [readonly string[], ...unknown[]];
    };
  };
  readonly nodes: readonly number[];
  readonly edges: readonly number[];
  readonly strings: readonly string[];
}

/** A parsed snapshot: per node its label, self size and retained size. */
interface Heap {
  readonly labels: string[];
  readonly kinds: string[];
  readonly selfSize: Float64Array;
  readonly retained: Float64Array;
}

function labelOf(type: string, name: string): string {
  if (type === 'object' || type === 'closure' || type === 'native') return `${type}: ${name}`;
  if (type === 'hidden' || type === 'array' || type === 'object shape')
    return `${type}: ${name.slice(0, 40)}`;
  return type;
}

/** Parses a snapshot and computes retained sizes (Cooper–Harvey–Kennedy dominators, weak edges ignored). */
function readHeap(path: string): Heap {
  const file = JSON.parse(readFileSync(path, 'utf8')) as HeapSnapshotFile;
  const { meta } = file.snapshot;
  const nodeStride = meta.node_fields.length;
  const edgeStride = meta.edge_fields.length;
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const typeField = meta.node_fields.indexOf('type');
  const nameField = meta.node_fields.indexOf('name');
  const sizeField = meta.node_fields.indexOf('self_size');
  const edgeCountField = meta.node_fields.indexOf('edge_count');
  const edgeTypeField = meta.edge_fields.indexOf('type');
  const edgeToField = meta.edge_fields.indexOf('to_node');
  const weak = edgeTypes.indexOf('weak');
  const { nodes, edges, strings } = file;
  const count = nodes.length / nodeStride;

  const labels: string[] = new Array<string>(count);
  const kinds: string[] = new Array<string>(count);
  const selfSize = new Float64Array(count);
  const firstEdge = new Int32Array(count + 1);
  for (let n = 0, edge = 0; n < count; n++) {
    const base = n * nodeStride;
    const type = nodeTypes[nodes[base + typeField] ?? 0] ?? '?';
    kinds[n] = type;
    labels[n] = labelOf(type, strings[nodes[base + nameField] ?? 0] ?? '?');
    selfSize[n] = nodes[base + sizeField] ?? 0;
    firstEdge[n] = edge;
    edge += (nodes[base + edgeCountField] ?? 0) * edgeStride;
    firstEdge[n + 1] = edge;
  }
  const successors = (n: number, visit: (m: number) => void): void => {
    for (let e = firstEdge[n] ?? 0; e < (firstEdge[n + 1] ?? 0); e += edgeStride) {
      if (edges[e + edgeTypeField] === weak) continue;
      visit((edges[e + edgeToField] ?? 0) / nodeStride);
    }
  };

  // Reverse postorder from the root (node 0), iteratively.
  const order = new Int32Array(count).fill(-1);
  const postorder: number[] = [];
  const visited = new Uint8Array(count);
  const stack: Array<{ node: number; edge: number }> = [{ node: 0, edge: firstEdge[0] ?? 0 }];
  visited[0] = 1;
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { node: number; edge: number };
    const end = firstEdge[top.node + 1] ?? 0;
    let pushed = false;
    while (top.edge < end) {
      const e = top.edge;
      top.edge += edgeStride;
      if (edges[e + edgeTypeField] === weak) continue;
      const next = (edges[e + edgeToField] ?? 0) / nodeStride;
      if (visited[next] === 0) {
        visited[next] = 1;
        stack.push({ node: next, edge: firstEdge[next] ?? 0 });
        pushed = true;
        break;
      }
    }
    if (!pushed && top.edge >= end) {
      stack.pop();
      order[top.node] = postorder.length;
      postorder.push(top.node);
    }
  }
  const predecessors: number[][] = Array.from({ length: count }, () => []);
  for (let n = 0; n < count; n++) {
    if (visited[n] === 0) continue;
    successors(n, (m) => predecessors[m]?.push(n));
  }
  const idom = new Int32Array(count).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number): number => {
    let x = a;
    let y = b;
    while (x !== y) {
      while ((order[x] ?? 0) < (order[y] ?? 0)) x = idom[x] ?? 0;
      while ((order[y] ?? 0) < (order[x] ?? 0)) y = idom[y] ?? 0;
    }
    return x;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let i = postorder.length - 2; i >= 0; i--) {
      const n = postorder[i] as number;
      let dom = -1;
      for (const p of predecessors[n] ?? []) {
        if (idom[p] === -1) continue;
        dom = dom === -1 ? p : intersect(p, dom);
      }
      if (dom !== -1 && idom[n] !== dom) {
        idom[n] = dom;
        changed = true;
      }
    }
  }
  // Retained size: own size plus everything dominated, summed children-first (postorder).
  const retained = new Float64Array(selfSize);
  for (const n of postorder) {
    if (n === 0) continue;
    const parent = idom[n] ?? -1;
    if (parent >= 0 && parent !== n) retained[parent] = (retained[parent] ?? 0) + (retained[n] ?? 0);
  }
  return { labels, kinds, selfSize, retained };
}

export interface HeapDiffEntry {
  readonly what: string;
  readonly bytesPerShard: number;
  readonly countPerShard: number;
}

export interface HeapDiff {
  /** Growth per shard of the V8 heap (what `heapUsed` counts). */
  readonly jsBytesPerShard: number;
  /** Growth per shard of native memory the snapshot sees (zlib state, ArrayBuffer contents). */
  readonly nativeBytesPerShard: number;
  /** Self size by kind and constructor, largest first. */
  readonly bySelfSize: readonly HeapDiffEntry[];
  /** Retained size of the objects a shard is made of (nested ones are included in their owners). */
  readonly retainedBy: readonly HeapDiffEntry[];
}

/** Constructors whose retained size is shown (statecord's, xstate's, ws's, Node's). */
const RETAINERS = [
  'object: Shard',
  'object: ShardGateway',
  'object: Actor',
  'object: WebSocket',
  'object: Receiver',
  'object: Sender',
  'object: Socket',
  'object: ZlibStreamDecoder',
  'object: SyncDecompressor',
  'object: Inflate',
  'object: OutboundSender',
  'object: MemberRequests',
  'object: ManagedShardHost',
];

function totals(
  heap: Heap,
  values: Float64Array,
  keep: (n: number) => boolean,
): Map<string, { bytes: number; count: number }> {
  const map = new Map<string, { bytes: number; count: number }>();
  for (let n = 0; n < heap.labels.length; n++) {
    if (!keep(n)) continue;
    const key = heap.labels[n] ?? '?';
    const entry = map.get(key) ?? { bytes: 0, count: 0 };
    entry.bytes += values[n] ?? 0;
    entry.count += 1;
    map.set(key, entry);
  }
  return map;
}

function perShard(
  before: Map<string, { bytes: number; count: number }>,
  after: Map<string, { bytes: number; count: number }>,
  shards: number,
): HeapDiffEntry[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].map((what) => {
    const was = before.get(what) ?? { bytes: 0, count: 0 };
    const now = after.get(what) ?? { bytes: 0, count: 0 };
    return {
      what,
      bytesPerShard: (now.bytes - was.bytes) / shards,
      countPerShard: (now.count - was.count) / shards,
    };
  });
}

/** Per-shard growth between a snapshot with `small.shards` shards and one with `large.shards`. */
export function heapDiffPerShard(
  small: { path: string; shards: number },
  large: { path: string; shards: number },
): HeapDiff {
  const shards = large.shards - small.shards;
  const before = readHeap(small.path);
  const after = readHeap(large.path);
  const isNative = (heap: Heap) => (n: number) => heap.kinds[n] === 'native';
  const sum = (heap: Heap, native: boolean): number => {
    let bytes = 0;
    for (let n = 0; n < heap.labels.length; n++)
      if ((heap.kinds[n] === 'native') === native) bytes += heap.selfSize[n] ?? 0;
    return bytes;
  };
  const bySelfSize = perShard(
    totals(before, before.selfSize, () => true),
    totals(after, after.selfSize, () => true),
    shards,
  )
    .filter((entry) => entry.bytesPerShard !== 0)
    .sort((a, b) => b.bytesPerShard - a.bytesPerShard);
  const wanted = (heap: Heap) => (n: number) =>
    !isNative(heap)(n) && RETAINERS.includes(heap.labels[n] ?? '');
  const retainedBy = perShard(
    totals(before, before.retained, wanted(before)),
    totals(after, after.retained, wanted(after)),
    shards,
  )
    .filter((entry) => entry.countPerShard > 0)
    .sort((a, b) => b.bytesPerShard - a.bytesPerShard);
  return {
    jsBytesPerShard: (sum(after, false) - sum(before, false)) / shards,
    nativeBytesPerShard: (sum(after, true) - sum(before, true)) / shards,
    bySelfSize: bySelfSize.slice(0, 20),
    retainedBy,
  };
}
