import { mb } from './soak.js';
import type { SoakReport } from './soak.js';

export interface ProcessErrorCounts {
  readonly unhandledRejections: number;
  readonly uncaughtExceptions: number;
}

/** The soak summary as printed by `npm run soak` (and pasted into RELIABILITY.md). */
export function formatSoakReport(report: SoakReport, errors: ProcessErrorCounts): string {
  const lines: string[] = [];
  const ok = report.ok && errors.unhandledRejections === 0 && errors.uncaughtExceptions === 0;
  lines.push(
    `statecord chaos soak: ${ok ? 'PASS' : 'FAIL'}  seed=${report.seed} duration=${report.durationMs / 1000}s ` +
      `shards=${report.shards} (elapsed ${(report.elapsedMs / 1000).toFixed(1)} s)`,
  );
  const faultTotal = Object.values(report.faults).reduce((sum, count) => sum + count, 0);
  lines.push(`faults injected: ${faultTotal} (${report.faultsDuringHandshake} on connections mid-handshake)`);
  lines.push(
    ...columns(
      Object.entries(report.faults).map(([kind, count]) => `${kind} ${count}`),
      4,
      26,
    ),
  );
  lines.push(
    `recoveries: ${report.recoveries.resumed + report.recoveries.newSession} ` +
      `(${report.recoveries.resumed} resumed, ${report.recoveries.newSession} new sessions)`,
  );
  const t = report.totals;
  lines.push(
    `dispatches: sent ${t.sent}, received ${t.received}, duplicated ${t.duplicated}, lost silently ${t.lostSilently}`,
  );
  lines.push(
    `gaps reported: ${t.sessionsLost} sessionLost events covering ${t.lostReported} dispatches; ` +
      `${t.orphaned} dispatches went to ${'sessions whose READY never reached the shard'}; ${t.sessions} sessions started`,
  );
  lines.push('per shard (id: sent/received, lost-reported, orphaned, sessions):');
  lines.push(
    ...columns(
      report.perShard.map(
        (s) => `${s.shardId}: ${s.sent}/${s.received} ${s.lostReported} ${s.orphaned} ${s.sessions}`,
      ),
      4,
      30,
    ),
  );
  const i = report.identifies;
  lines.push(
    `identifies: ${i.accepted} accepted of ${i.attempts} sent; per bucket ${JSON.stringify(i.byBucket)}; ` +
      `max per bucket per ${i.windowMs} ms window: ${i.maxPerBucketWindow}; bucket violations ${i.rateViolations}`,
  );
  lines.push(
    `session-start budget: ${i.accepted}/${i.budget} used, refused over budget ${i.budgetRefused}; ` +
      `gate granted ${i.gateGranted ?? '-'}, remaining ${i.gateRemaining ?? '-'}; resumes (free) ${i.resumes}`,
  );
  lines.push(`decode errors surfaced as warnings (STATECORD_ERR_DECODE): ${report.decodeWarnings}`);
  lines.push(`warnings: ${JSON.stringify(report.warnings)}; errors ${JSON.stringify(report.warningTypes)}`);
  lines.push(`closes seen by the gateway: ${JSON.stringify(report.closes)}`);
  lines.push(`every shard ready at the end: ${report.allReady ? 'yes' : 'NO'}`);
  if (report.memory === null) {
    lines.push('memory: not checked (run with node --expose-gc)');
  } else {
    const m = report.memory;
    lines.push(
      `memory (heap after GC, fresh sessions): start ${mb(m.baselineBytes)}, end ${mb(m.finalBytes)}, ` +
        `growth ${mb(m.growthBytes)} (margin ${mb(m.marginBytes)}); samples ${m.samples.map(mb).join(', ')}`,
    );
  }
  lines.push(
    `unhandled: ${errors.unhandledRejections} rejections, ${errors.uncaughtExceptions} uncaught exceptions`,
  );
  const violationTotal = Object.values(report.violations).reduce((sum, count) => sum + count, 0);
  lines.push(
    `violations: ${violationTotal} ${violationTotal === 0 ? '' : JSON.stringify(report.violations)}`,
  );
  for (const sample of report.violationSamples) lines.push(`  - ${sample}`);
  return lines.join('\n');
}

function columns(cells: readonly string[], perLine: number, width: number): string[] {
  const lines: string[] = [];
  for (let index = 0; index < cells.length; index += perLine) {
    lines.push(
      '  ' +
        cells
          .slice(index, index + perLine)
          .map((cell) => cell.padEnd(width))
          .join('')
          .trimEnd(),
    );
  }
  return lines;
}
