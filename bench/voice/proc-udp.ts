import { readFileSync } from 'node:fs';

/**
 * Datagrams the kernel dropped on the UDP socket bound to `port` (the last column of `/proc/net/udp`:
 * the receive buffer was full), or null where that file does not exist.
 */
export function kernelDrops(port: number): number | null {
  try {
    const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[1]?.endsWith(hex)) return Number(fields[fields.length - 1]);
    }
  } catch {
    // Not Linux.
  }
  return null;
}
