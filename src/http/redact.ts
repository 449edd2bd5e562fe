/** What replaces the token wherever it would appear in text we keep. */
export const REDACTED = '[REDACTED]';

/** Own properties of Node/undici network errors that carry no request state and are worth keeping. */
const SAFE_FIELDS = ['code', 'errno', 'syscall', 'address', 'port', 'hostname'] as const;

/** How deep a chain of `cause`s is copied; deeper links are dropped. */
const MAX_CAUSE_DEPTH = 4;

/** `text` with every occurrence of `secret` replaced by {@link REDACTED}. */
export function redact(text: string, secret: string): string {
  return secret === '' ? text : text.split(secret).join(REDACTED);
}

/**
 * A copy of `error` that is safe to keep in a `cause` chain: name, message and stack (with `secret`
 * redacted), the primitive fields of {@link SAFE_FIELDS}, and copies of nested `cause`s and
 * `AggregateError#errors`. Nothing else is copied, so no reference to a request, its options or its
 * headers survives (undici errors may hold such references).
 */
export function sanitizeError(error: unknown, secret: string, depth = 0): Error {
  if (!(error instanceof Error)) return new Error(redact(String(error), secret));
  const nested =
    error instanceof AggregateError && depth < MAX_CAUSE_DEPTH
      ? error.errors.map((inner) => sanitizeError(inner, secret, depth + 1))
      : undefined;
  const message = redact(error.message, secret);
  const copy: Error = nested === undefined ? new Error(message) : new AggregateError(nested, message);
  copy.name = redact(error.name, secret);
  if (error.stack === undefined) delete copy.stack;
  else copy.stack = redact(error.stack, secret);
  const source = error as unknown as Record<string, unknown>;
  const target = copy as unknown as Record<string, unknown>;
  for (const field of SAFE_FIELDS) {
    const value = source[field];
    if (typeof value === 'string') target[field] = redact(value, secret);
    else if (typeof value === 'number') target[field] = value;
  }
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    copy.cause = sanitizeError(error.cause, secret, depth + 1);
  }
  return copy;
}
