import { InvalidArgumentError } from '../../errors.js';

/** `inbound`: client → server datagrams; `outbound`: server → client. */
export type UdpDirection = 'inbound' | 'outbound';

/**
 * Which datagrams a UDP fault applies to. Exactly one of `count` or `fraction`. Faults are deterministic:
 * `fraction` draws from a generator seeded with `seed`.
 */
export interface UdpFaultOptions {
  /** Default `'inbound'`. */
  readonly direction?: UdpDirection;
  /** Affect the next `count` matching datagrams, then stop. */
  readonly count?: number;
  /** Affect each matching datagram with this probability (0 < fraction ≤ 1). */
  readonly fraction?: number;
  /** With `fraction`: stop after this many matching datagrams were considered. Default: until `cancel()`. */
  readonly over?: number;
  /** Seed of the `fraction` draws. Default 1. */
  readonly seed?: number;
  /** `'rtp'` (default): audio only; `'all'`: IP discovery and keep-alives too. */
  readonly packets?: 'rtp' | 'all';
}

/** A delay fault: matching datagrams are handled (inbound) or sent (outbound) `delayMs` later. */
export interface UdpDelayOptions extends UdpFaultOptions {
  /** 1..60_000 ms. */
  readonly delayMs: number;
}

/** A fault in effect; `cancel()` ends it early. */
export interface UdpFaultHandle {
  /** Datagrams dropped or delayed so far. */
  readonly affected: number;
  /** Matching datagrams considered so far. */
  readonly seen: number;
  /** False once cancelled or spent (`count` reached or `over` considered); it then affects nothing more. */
  readonly active: boolean;
  /** Ends the fault now: datagrams from here on pass untouched. */
  cancel(): void;
}

/** What a rule decides for one datagram. */
export type UdpVerdict =
  { readonly kind: 'pass' } | { readonly kind: 'drop' } | { readonly kind: 'delay'; readonly ms: number };

const PASS: UdpVerdict = { kind: 'pass' };

/** mulberry32: a small seeded generator, so a `fraction` fault drops the same datagrams on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** One drop or delay rule, optionally bound to one session's SSRC. */
export class UdpFaultRule implements UdpFaultHandle {
  readonly direction: UdpDirection;
  private readonly packets: 'rtp' | 'all';
  private readonly remaining: { count: number | null; over: number | null };
  private readonly random: (() => number) | null;
  private readonly fraction: number;
  private affectedCount = 0;
  private seenCount = 0;
  private cancelled = false;

  constructor(
    options: UdpFaultOptions,
    private readonly delayMs: number | null,
    /** Only datagrams of this session's SSRC (null: every session). */
    readonly ssrc: number | null,
  ) {
    const { count, fraction } = options;
    if ((count === undefined) === (fraction === undefined)) {
      throw new InvalidArgumentError('a UDP fault needs exactly one of "count" or "fraction"');
    }
    if (count !== undefined && (!Number.isSafeInteger(count) || count < 1)) {
      throw new InvalidArgumentError(`UDP fault "count" must be a positive integer, got ${count}`);
    }
    if (fraction !== undefined && !(fraction > 0 && fraction <= 1)) {
      throw new InvalidArgumentError(`UDP fault "fraction" must be in (0, 1], got ${fraction}`);
    }
    if (options.over !== undefined && (!Number.isSafeInteger(options.over) || options.over < 1)) {
      throw new InvalidArgumentError(`UDP fault "over" must be a positive integer, got ${options.over}`);
    }
    if (delayMs !== null && (!Number.isSafeInteger(delayMs) || delayMs < 1 || delayMs > 60_000)) {
      throw new InvalidArgumentError(`UDP fault "delayMs" must be an integer in [1, 60000], got ${delayMs}`);
    }
    const direction = options.direction ?? 'inbound';
    if (direction !== 'inbound' && direction !== 'outbound') {
      throw new InvalidArgumentError(`UDP fault "direction" must be inbound or outbound`);
    }
    this.direction = direction;
    this.packets = options.packets ?? 'rtp';
    this.fraction = fraction ?? 1;
    this.random = fraction === undefined ? null : seededRandom(options.seed ?? 1);
    this.remaining = { count: count ?? null, over: options.over ?? null };
  }

  get affected(): number {
    return this.affectedCount;
  }

  get seen(): number {
    return this.seenCount;
  }

  get active(): boolean {
    return !this.cancelled && this.remaining.count !== 0 && this.remaining.over !== 0;
  }

  cancel(): void {
    this.cancelled = true;
  }

  /** The rule's decision for a datagram of `ssrc` (null when it carries none) that is RTP or not. */
  decide(direction: UdpDirection, ssrc: number | null, isRtp: boolean): UdpVerdict {
    if (!this.active || direction !== this.direction) return PASS;
    if (this.packets === 'rtp' && !isRtp) return PASS;
    if (this.ssrc !== null && ssrc !== this.ssrc) return PASS;
    this.seenCount += 1;
    if (this.remaining.over !== null) this.remaining.over -= 1;
    if (this.random !== null && this.random() >= this.fraction) return PASS;
    if (this.remaining.count !== null) this.remaining.count -= 1;
    this.affectedCount += 1;
    return this.delayMs === null ? { kind: 'drop' } : { kind: 'delay', ms: this.delayMs };
  }
}

/** The rules of one server, applied in the order they were added; the first that acts wins. */
export class UdpFaults {
  private rules: UdpFaultRule[] = [];

  add(rule: UdpFaultRule): UdpFaultRule {
    this.rules.push(rule);
    return rule;
  }

  decide(direction: UdpDirection, ssrc: number | null, isRtp: boolean): UdpVerdict {
    if (this.rules.length === 0) return PASS;
    let verdict: UdpVerdict = PASS;
    for (const rule of this.rules) {
      verdict = rule.decide(direction, ssrc, isRtp);
      if (verdict.kind !== 'pass') break;
    }
    this.rules = this.rules.filter((rule) => rule.active);
    return verdict;
  }

  clear(): void {
    for (const rule of this.rules) rule.cancel();
    this.rules = [];
  }
}
