/** Reads a V8 `.cpuprofile` (`node --cpu-prof`) and says where the time went, by self time. */
import { readFileSync } from 'node:fs';
import { BENCH_DIR } from './child.js';

interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileEntry {
  /** `function (file:line)`. */
  readonly name: string;
  readonly selfMs: number;
  /** Share of the sampled time in the window. */
  readonly share: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly windowMs: number;
  readonly sampledMs: number;
  readonly topFunctions: readonly ProfileEntry[];
  readonly byArea: readonly ProfileEntry[];
  /** xstate functions seen in the window (a per-dispatch machine transition would put them on top). */
  readonly xstate: {
    readonly selfMs: number;
    readonly share: number;
    readonly functions: readonly ProfileEntry[];
  };
  /** Session store / persistence functions seen in the window. */
  readonly storeWrites: readonly ProfileEntry[];
}

const REPO_ROOT = new URL('..', `file://${BENCH_DIR}`).href;

function shortUrl(url: string): string {
  if (url === '') return '';
  let short = url.startsWith(REPO_ROOT) ? url.slice(REPO_ROOT.length) : url;
  const modules = short.lastIndexOf('node_modules/');
  if (modules >= 0) short = short.slice(modules + 'node_modules/'.length);
  return short;
}

/** What a frame belongs to: statecord's own files by folder, packages by name, V8/Node pseudo-frames. */
function areaOf(frame: CpuProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName.startsWith('(')) return functionName;
    return `V8 builtin / native (${functionName || 'anonymous'})`;
  }
  if (url.startsWith('node:')) return `node core: ${url.slice(5).split('/')[0] ?? url}`;
  const short = shortUrl(url);
  if (url.includes('/node_modules/')) {
    const parts = short.split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? short);
  }
  if (short.startsWith('src/') || short.startsWith('machines/')) return short;
  return short;
}

/**
 * Summarises `path`, counting only samples inside [windowStartUs, windowEndUs] (the measured window,
 * in the same monotonic microseconds as `process.hrtime`) when given.
 */
export function summarizeProfile(
  path: string,
  window?: { startUs: number; endUs: number },
  top = 15,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfByFunction = new Map<string, number>();
  const selfByArea = new Map<string, number>();
  let time = profile.startTime;
  let sampledUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i] ?? 0;
    const duration = profile.timeDeltas[i + 1] ?? 0;
    if (window !== undefined && (time < window.startUs || time > window.endUs)) continue;
    const node = byId.get(profile.samples[i] ?? -1);
    if (node === undefined) continue;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') continue;
    const file = shortUrl(frame.url);
    // tsx-transpiled TypeScript has no useful line numbers in a profile: name the file only.
    const where = file.endsWith('.ts') ? file : `${file}:${frame.lineNumber + 1}`;
    const name =
      file === '' ? frame.functionName || '(anonymous)' : `${frame.functionName || '(anonymous)'} (${where})`;
    selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + duration);
    const area = areaOf(frame);
    selfByArea.set(area, (selfByArea.get(area) ?? 0) + duration);
    sampledUs += duration;
  }
  const entries = (map: Map<string, number>): ProfileEntry[] =>
    [...map.entries()]
      .map(([name, us]) => ({ name, selfMs: us / 1000, share: sampledUs === 0 ? 0 : us / sampledUs }))
      .sort((a, b) => b.selfMs - a.selfMs);
  const functions = entries(selfByFunction);
  const xstateFunctions = functions.filter((entry) => entry.name.includes('xstate/'));
  const xstateMs = xstateFunctions.reduce((sum, entry) => sum + entry.selfMs, 0);
  return {
    file: path,
    windowMs:
      window === undefined
        ? (profile.endTime - profile.startTime) / 1000
        : (window.endUs - window.startUs) / 1000,
    sampledMs: sampledUs / 1000,
    topFunctions: functions.slice(0, top),
    byArea: entries(selfByArea).slice(0, top),
    xstate: {
      selfMs: xstateMs,
      share: sampledUs === 0 ? 0 : xstateMs / (sampledUs / 1000),
      functions: xstateFunctions.slice(0, 10),
    },
    storeWrites: functions.filter((entry) => /session-store|#persist|SessionStore/i.test(entry.name)),
  };
}

interface HeapProfileNode {
  readonly callFrame: CpuProfileNode['callFrame'];
  readonly selfSize: number;
  readonly children: readonly HeapProfileNode[];
}

export interface AllocationSummary {
  readonly file: string;
  readonly totalMiB: number;
  /** Sampled allocations by function, largest first. */
  readonly topFunctions: readonly ProfileEntry[];
  /**
   * Allocations in statecord's routing and emit code (inbound-frames, sequence, src/shard, src/util),
   * its machines and xstate: what the hot path must not do per dispatch. The decoder is left out: it
   * allocates the payload itself (JSON.parse is attributed to whichever function it was inlined into).
   */
  readonly statecord: readonly ProfileEntry[];
}

/**
 * Reads a sampling heap profile (`HeapProfiler.stopSampling`, `.heapprofile`) and sums allocated bytes
 * by function. `selfMs` of the entries holds MiB here.
 */
export function summarizeHeapProfile(path: string, top = 12): AllocationSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as { head: HeapProfileNode };
  const bytes = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapProfileNode): void => {
    if (node.selfSize > 0) {
      const frame = node.callFrame;
      const file = shortUrl(frame.url);
      const where = file.endsWith('.ts') ? file : `${file}:${frame.lineNumber + 1}`;
      const name =
        file === ''
          ? frame.functionName || '(anonymous)'
          : `${frame.functionName || '(anonymous)'} (${where})`;
      bytes.set(name, (bytes.get(name) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  const entries = [...bytes.entries()]
    .map(([name, size]) => ({ name, selfMs: size / 2 ** 20, share: total === 0 ? 0 : size / total }))
    .sort((a, b) => b.selfMs - a.selfMs);
  return {
    file: path,
    totalMiB: total / 2 ** 20,
    topFunctions: entries.slice(0, top),
    statecord: entries.filter((entry) =>
      / \((src\/gateway\/inbound-frames|src\/gateway\/sequence|src\/shard\/|src\/util\/|machines\/)|xstate\//.test(
        entry.name,
      ),
    ),
  };
}
