/**
 * `op`, `s` and `t` of one payload, as {@link scanEnvelope} read them. Absent `s`/`t` are `null`, as a
 * parsed payload's absent fields are treated (docs/protocol/gateway.md §2).
 */
export interface ScannedEnvelope {
  op: number;
  s: number | null;
  t: string | null;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
/** Digits in the longest integer read here: 15 always fits a safe integer. */
const MAX_INTEGER_DIGITS = 15;

const FOUND_OP = 1;
const FOUND_S = 2;
const FOUND_T = 4;
const FOUND_ALL = FOUND_OP | FOUND_S | FOUND_T;

/**
 * Reads `op`, `s` and `t` of a payload's JSON text without parsing `d`, so that a dispatch nobody
 * listens to costs no `JSON.parse` (selective decoding). Keys may come in any order: a value before the
 * last of the three (`d` included) is skipped over, strings (escaped quotes, braces) and nesting
 * included; once the three are read, the rest of the text is not looked at.
 *
 * It only ever says what `JSON.parse` would, or nothing: it returns false (the caller parses the whole
 * text) for anything it does not read plainly — a key or `t` with an escape, a number that is not a
 * plain integer of at most 15 digits, a structure it does not expect. What it does not do is validate
 * the text it did not read: a payload malformed after its envelope, or repeating a key after the three
 * (JSON.parse keeps the last), is read by what came first. Discord sends neither; such a payload of a
 * type nobody listens to is dropped like any other unwanted dispatch (its `s` still counts).
 *
 * @param text - the payload's JSON text
 * @param out - receives the fields when the scan succeeds (reused: the hot path allocates nothing)
 * @returns whether `out` now holds the envelope
 * @internal
 */
export function scanEnvelope(text: string, out: ScannedEnvelope): boolean {
  let index = skipSpace(text, 0);
  if (text.charCodeAt(index) !== OPEN_BRACE) return false;
  index = skipSpace(text, index + 1);
  let found = 0;
  let op = 0;
  let s: number | null = null;
  let t: string | null = null;
  if (text.charCodeAt(index) === CLOSE_BRACE) return false;
  for (;;) {
    if (text.charCodeAt(index) !== QUOTE) return false;
    const keyEnd = text.indexOf('"', index + 1);
    if (keyEnd === -1) return false;
    const keyStart = index + 1;
    const keyLength = keyEnd - keyStart;
    // An escaped key ("\u006fp" is "op") is left to JSON.parse.
    if (hasBackslash(text, keyStart, keyEnd)) return false;
    index = skipSpace(text, keyEnd + 1);
    if (text.charCodeAt(index) !== COLON) return false;
    index = skipSpace(text, index + 1);
    const key = keyLength === 1 || keyLength === 2 ? text.slice(keyStart, keyEnd) : '';
    if (key === 'op') {
      const end = integerEnd(text, index);
      if (end === -1) return false;
      op = Number(text.slice(index, end));
      found |= FOUND_OP;
      index = end;
    } else if (key === 's') {
      if (isNullAt(text, index)) {
        s = null;
        index += 4;
      } else {
        const end = integerEnd(text, index);
        if (end === -1) return false;
        s = Number(text.slice(index, end));
        index = end;
      }
      found |= FOUND_S;
    } else if (key === 't') {
      if (isNullAt(text, index)) {
        t = null;
        index += 4;
      } else {
        if (text.charCodeAt(index) !== QUOTE) return false;
        const end = text.indexOf('"', index + 1);
        if (end === -1) return false;
        // A type name with an escape or beyond ASCII is left to JSON.parse (Discord's names are plain
        // ASCII); so a head decoded as latin1 never yields a wrong name.
        if (!isPlainAscii(text, index + 1, end)) return false;
        t = text.slice(index + 1, end);
        index = end + 1;
      }
      found |= FOUND_T;
    } else {
      index = skipValue(text, index);
      if (index === -1) return false;
    }
    if (found === FOUND_ALL) break;
    index = skipSpace(text, index);
    const next = text.charCodeAt(index);
    if (next === CLOSE_BRACE) break;
    if (next !== COMMA) return false;
    index = skipSpace(text, index + 1);
  }
  // `op` is required (parse-payload.ts checks the same); an absent `s` or `t` reads as null.
  if ((found & FOUND_OP) === 0) return false;
  out.op = op;
  out.s = s;
  out.t = t;
  return true;
}

/** No backslash and nothing beyond ASCII in `text[from, to)`. */
function isPlainAscii(text: string, from: number, to: number): boolean {
  for (let at = from; at < to; at++) {
    const code = text.charCodeAt(at);
    if (code === BACKSLASH || code > 0x7f) return false;
  }
  return true;
}

function hasBackslash(text: string, from: number, to: number): boolean {
  for (let at = from; at < to; at++) if (text.charCodeAt(at) === BACKSLASH) return true;
  return false;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function skipSpace(text: string, index: number): number {
  while (isSpace(text.charCodeAt(index))) index++;
  return index;
}

function isNullAt(text: string, index: number): boolean {
  return text.startsWith('null', index) && isDelimiter(text.charCodeAt(index + 4));
}

/** What may follow a member's value: the text's end never does (it was cut short). */
function isDelimiter(code: number): boolean {
  return code === COMMA || code === CLOSE_BRACE || isSpace(code);
}

/**
 * The end of a plain JSON integer starting at `index` (`-?(0|[1-9][0-9]*)`, at most 15 digits, not
 * followed by a fraction or exponent), or -1 for anything else.
 */
function integerEnd(text: string, index: number): number {
  let at = index;
  if (text.charCodeAt(at) === MINUS) at++;
  const first = at;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code < DIGIT_0 || code > DIGIT_9) break;
    at++;
  }
  const digits = at - first;
  if (digits === 0 || digits > MAX_INTEGER_DIGITS) return -1;
  if (digits > 1 && text.charCodeAt(first) === DIGIT_0) return -1;
  // Not a fraction or exponent, nor cut short at the end of the text.
  return isDelimiter(text.charCodeAt(at)) ? at : -1;
}

/** The index just after the closing quote of the string whose opening quote is at `index`, or -1. */
function stringEnd(text: string, index: number): number {
  let at = index + 1;
  for (;;) {
    const quote = text.indexOf('"', at);
    if (quote === -1) return -1;
    // The quote is escaped when an odd number of backslashes precede it.
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if ((backslashes & 1) === 0) return quote + 1;
    at = quote + 1;
  }
}

/**
 * The index just after the JSON value starting at `index`, or -1 when the text ends first. Objects and
 * arrays are skipped by depth, strings by their closing quote, so braces inside strings do not count.
 */
function skipValue(text: string, index: number): number {
  const first = text.charCodeAt(index);
  if (first === QUOTE) return stringEnd(text, index);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    // A number, true, false or null: up to the next delimiter.
    let at = index;
    while (at < text.length) {
      const code = text.charCodeAt(at);
      if (code === COMMA || code === CLOSE_BRACE || code === CLOSE_BRACKET || isSpace(code)) break;
      at++;
    }
    return at === index || at === text.length ? -1 : at;
  }
  let depth = 0;
  let at = index;
  const length = text.length;
  while (at < length) {
    const code = text.charCodeAt(at);
    if (code === QUOTE) {
      at = stringEnd(text, at);
      if (at === -1) return -1;
      continue;
    }
    if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++;
    else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return at + 1;
    }
    at++;
  }
  return -1;
}
