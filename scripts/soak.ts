/**
 * Chaos soak: `npm run soak -- --duration 60 --shards 16 [--seed N]`. Runs a ShardManager against a
 * FakeGateway under a seeded random fault schedule, checks the invariants of RELIABILITY.md and
 * prints a summary. Exit code 1 on any violation; the seed is printed so the schedule can be replayed.
 * Run through `node --expose-gc` (the npm script does) for the memory check.
 */
import { parseArgs } from 'node:util';
import { formatSoakReport } from '../test/reliability/soak/format.js';
import { runSoak } from '../test/reliability/soak/soak.js';

let unhandledRejections = 0;
let uncaughtExceptions = 0;
process.on('unhandledRejection', (reason) => {
  unhandledRejections += 1;
  console.error('unhandled rejection:', reason);
});
process.on('uncaughtException', (error) => {
  uncaughtExceptions += 1;
  console.error('uncaught exception:', error);
});

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    shards: { type: 'string', default: '16' },
    seed: { type: 'string' },
    'fault-rate': { type: 'string', default: '0.5' },
    'dispatch-rate': { type: 'string', default: '20' },
    budget: { type: 'string', default: '1000' },
    json: { type: 'boolean', default: false },
    'heap-snapshots': { type: 'string' },
  },
});

function positive(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`--${name} must be a positive number, got ${String(text)}`);
    process.exit(2);
  }
  return value;
}

const seed =
  values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Math.floor(positive('seed', values.seed));
const durationS = positive('duration', values.duration);
const shards = Math.floor(positive('shards', values.shards));
const replay = `npm run soak -- --seed ${seed} --duration ${durationS} --shards ${shards}`;

if ((globalThis as { gc?: unknown }).gc === undefined) {
  console.warn('gc is not exposed: the memory check is skipped (run with node --expose-gc)');
}
console.log(`soak: seed ${seed}, ${durationS} s, ${shards} shards (replay: ${replay})`);

const report = await runSoak({
  seed,
  durationMs: durationS * 1000,
  shards,
  faultsPerShardPerSecond: positive('fault-rate', values['fault-rate']),
  dispatchesPerShardPerSecond: positive('dispatch-rate', values['dispatch-rate']),
  sessionStartBudget: Math.floor(positive('budget', values.budget)),
  progress: (line) => console.log(line),
  ...(values['heap-snapshots'] === undefined ? {} : { heapSnapshotDir: values['heap-snapshots'] }),
});

const errors = { unhandledRejections, uncaughtExceptions };
console.log('');
console.log(formatSoakReport(report, errors));
if (values.json) console.log(JSON.stringify({ ...report, ...errors }, null, 2));
const ok = report.ok && unhandledRejections === 0 && uncaughtExceptions === 0;
if (!ok) console.log(`\nFAILED: replay the schedule with: ${replay}`);
process.exitCode = ok ? 0 : 1;
// Sockets a broken build failed to close must not keep the process alive.
setTimeout(() => process.exit(), 2_000).unref();
