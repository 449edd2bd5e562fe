/**
 * Whether a URL points at this machine (127.0.0.0/8, ::1 or localhost): a fake gateway in a test, never
 * Discord. A malformed URL is not loopback.
 */
export function isLoopbackUrl(text: string): boolean {
  let host: string;
  try {
    host = new URL(text).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
