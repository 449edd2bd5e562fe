import { InvalidArgumentError } from '../errors.js';

/** The longest delay a Node timer honours (2^31 − 1 ms); a longer one fires after 1 ms instead. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Small synchronous checks for option values. Each throws {@link InvalidArgumentError} naming the option
 * and what it accepts. Values are described, never echoed whole (an option could hold a secret).
 */

/** A short description of a value for an error message: its type, and a short literal for primitives. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    default:
      return `a ${typeof value}`;
  }
}

function fail(option: string, accepts: string, value: unknown, describe = true): never {
  const got = describe ? `; got ${describeValue(value)}` : '';
  throw new InvalidArgumentError(`option ${option} must be ${accepts}${got}`, { option });
}

/** An integer in [min, max]. */
export function checkInteger(
  option: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`;
    fail(option, `an integer ${range}`, value);
  }
}

/** A duration in ms a timer can wait: a finite number in [min, 2^31 − 1]. */
export function checkDuration(option: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_TIMER_MS) {
    fail(option, `a number of milliseconds in [${min}, ${MAX_TIMER_MS}]`, value);
  }
}

/** A URL whose scheme is one of `protocols` (e.g. `['ws:', 'wss:']`). */
export function checkUrl(option: string, value: unknown, protocols: readonly string[]): void {
  const accepts = `a ${protocols.map((protocol) => `${protocol}//`).join(' or ')} URL`;
  if (typeof value !== 'string') fail(option, accepts, value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(option, accepts, value);
  }
  if (!protocols.includes(url.protocol)) fail(option, accepts, value);
}

/** One of a fixed set of strings. */
export function checkOneOf(option: string, value: unknown, accepted: readonly string[]): void {
  if (typeof value !== 'string' || !accepted.includes(value)) {
    fail(option, `one of ${accepted.map((item) => `'${item}'`).join(', ')}`, value);
  }
}

/** A boolean. */
export function checkBoolean(option: string, value: unknown): void {
  if (typeof value !== 'boolean') fail(option, 'true or false', value);
}

/** A function. */
export function checkFunction(option: string, value: unknown): void {
  if (typeof value !== 'function') fail(option, 'a function', value);
}

/** A plain object (not null, not an array). */
export function checkObject(
  option: string,
  value: unknown,
  what = 'an object',
): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(option, what, value);
}

/** An object with the named methods (a seam such as an identify gate or a session store). */
export function checkMethods(option: string, value: unknown, methods: readonly string[]): void {
  const what = `an object with ${methods.map((method) => `${method}()`).join(', ')}`;
  checkObject(option, value, what);
  for (const method of methods) {
    if (typeof value[method] !== 'function') fail(option, what, value);
  }
}

/** Fails with a message of the caller's own (relations between options, sizes). */
export function failOption(option: string, message: string): never {
  throw new InvalidArgumentError(`option ${option} ${message}`, { option });
}
