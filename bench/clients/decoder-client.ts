/**
 * The decode step alone, in one process without sockets: the same zlib-stream (one context,
 * Z_SYNC_FLUSH per payload) decoded by zlib-sync + `JSON.parse` (the floor's decoder) and by
 * statecord's `ZlibStreamDecoder`, alternately, several times. With no network, no second process
 * and no event loop in between, this separates the decoder's cost from the end-to-end noise.
 */
import { createRequire } from 'node:module';
import type * as ZlibSync from 'zlib-sync';
import { createInboundDecoder } from '../../src/gateway/codec/index.js';
import { childArgs, toParent } from '../lib/child.js';
import { median } from '../lib/stats.js';
import { SyncDeflate } from '../lib/sync-deflate.js';
import { generateWorkload } from '../workload.js';

const zlibSync = createRequire(import.meta.url)('zlib-sync') as typeof ZlibSync;
const args = childArgs<{ dispatches: number; repetitions: number; seed: number }>();
const workload = generateWorkload(args.dispatches, args.seed);
const deflate = new SyncDeflate({ raw: false });
const frames = workload.frames.map((text) => deflate.compress(Buffer.from(text, 'utf8')));
deflate.close();

const cpuMs = (run: () => void): number => {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};
const zlibSyncRun = () => {
  const inflate = new zlibSync.Inflate({ to: 'string' });
  for (const frame of frames) {
    inflate.push(frame, zlibSync.Z_SYNC_FLUSH);
    JSON.parse(inflate.result as string);
  }
};
const statecordRun = () => {
  const decoder = createInboundDecoder('zlib-stream');
  for (const frame of frames) decoder.decode(frame, true);
  decoder.close();
};
const floor: number[] = [];
const statecord: number[] = [];
for (let i = 0; i < args.repetitions; i++) {
  floor.push(cpuMs(zlibSyncRun));
  statecord.push(cpuMs(statecordRun));
}
const ratios = floor.map((ms, i) => (statecord[i] ?? Number.NaN) / ms);
await toParent({
  type: 'result',
  dispatches: args.dispatches,
  floorCpuSecondsPer100k: (median(floor) / 1000) * (100_000 / args.dispatches),
  statecordCpuSecondsPer100k: (median(statecord) / 1000) * (100_000 / args.dispatches),
  ratio: median(ratios),
  floorMs: floor,
  statecordMs: statecord,
});
process.exit(0);
