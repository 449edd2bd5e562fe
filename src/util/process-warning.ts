/** Codes already reported to Node's warning channel by this process. */
const reported = new Set<string>();

/** The code a warning is reported under when its error has none of its own. */
const FALLBACK_CODE = 'STATECORD_WARNING';

/**
 * Reports a warning nobody listens to through `process.emitWarning`, once per error `code` for the
 * life of the process (Node's convention for its own warnings, so that a fault repeating every second
 * does not flood stderr). Used when a shard or manager has no `warning` listener: the fault is then
 * neither silent nor fatal. Only the message goes out: statecord's messages never hold the token.
 */
export function reportUnheardWarning(error: Error, detail?: string): void {
  const own = (error as { code?: unknown }).code;
  const code = typeof own === 'string' && own.startsWith('STATECORD_') ? own : FALLBACK_CODE;
  if (reported.has(code)) return;
  reported.add(code);
  process.emitWarning(error.message, {
    type: error.name,
    code,
    ...(detail === undefined ? {} : { detail }),
  });
}

/** Forgets which codes were reported, so that a test can see the next report. @internal */
export function resetReportedWarnings(): void {
  reported.clear();
}
