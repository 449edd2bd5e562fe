/** An objection of one protocol rule to a trace. */
export interface RuleViolation<RuleId extends string> {
  /** The id of the rule that objected. */
  readonly rule: RuleId;
  /** Where the rule is written down. */
  readonly cites: string;
  /** What is wrong, in words, naming the connections and times involved. */
  readonly message: string;
  /** The trace entry at which it was seen (the trace's length for "by now" checks). */
  readonly index: number;
}

/** A rule's checker over one trace (see `judgeTrace`). */
export interface TraceChecker<Entry, Ledger> {
  /** Looks at an entry before the ledger takes it in; returns what is wrong with it, if anything. */
  see?(entry: Entry, ledger: Ledger, index: number): string | null;
  /** What must hold by the end of the trace. */
  atEnd?(ledger: Ledger): string[];
}

/** A protocol rule: its id, where it is written down, and a fresh checker per trace. */
export interface TraceRule<RuleId extends string, Entry, Ledger> {
  /** The rule's id, as violations name it. */
  readonly id: RuleId;
  /** Where the rule is written down (a `docs/protocol/` section). */
  readonly cites: string;
  /** A fresh checker for one trace (checkers may keep state across entries). */
  start(): TraceChecker<Entry, Ledger>;
}

/**
 * Runs every rule over a trace: each entry is shown to every checker, then taken in by the ledger
 * (the facts the rules share); at the end each checker says what must hold by now. Violations come in
 * the order they were seen.
 */
export function judgeTrace<RuleId extends string, Entry, Ledger extends { apply(entry: Entry): void }>(
  trace: readonly Entry[],
  ledger: Ledger,
  rules: readonly TraceRule<RuleId, Entry, Ledger>[],
): RuleViolation<RuleId>[] {
  const running = rules.map((rule) => ({ rule, checker: rule.start() }));
  const violations: RuleViolation<RuleId>[] = [];
  trace.forEach((entry, index) => {
    for (const { rule, checker } of running) {
      const message = checker.see?.(entry, ledger, index) ?? null;
      if (message !== null) violations.push({ rule: rule.id, cites: rule.cites, message, index });
    }
    ledger.apply(entry);
  });
  for (const { rule, checker } of running) {
    for (const message of checker.atEnd?.(ledger) ?? [])
      violations.push({ rule: rule.id, cites: rule.cites, message, index: trace.length });
  }
  return violations;
}

/** One line per violation: `[rule] message (citation)`. */
export function formatRuleViolations(violations: readonly RuleViolation<string>[]): string {
  return violations.map((v) => `[${v.rule}] ${v.message} (${v.cites})`).join('\n');
}
