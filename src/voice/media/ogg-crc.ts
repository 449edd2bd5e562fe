/** Ogg's CRC-32 generator polynomial (RFC 3533 §6): not reflected, initial value 0, no final XOR. */
const POLYNOMIAL = 0x04c11db7;

const TABLE = ((): Uint32Array => {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let remainder = byte << 24;
    for (let bit = 0; bit < 8; bit++) {
      remainder = remainder & 0x8000_0000 ? (remainder << 1) ^ POLYNOMIAL : remainder << 1;
    }
    table[byte] = remainder >>> 0;
  }
  return table;
})();

/**
 * Ogg's page checksum over `bytes[start..end)`, continuing from `crc` (docs/protocol/voice.md §6.1,
 * RFC 3533 §6): CRC-32 with polynomial 0x04C11DB7, MSB first, initial value 0 and no final XOR (not
 * zlib's reflected CRC-32). A page's CRC is computed with its own CRC field (bytes 22–25) as zeros.
 */
export function oggCrc32(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  let value = crc;
  for (let i = start; i < end; i++) {
    value = (value << 8) ^ (TABLE[((value >>> 24) ^ (bytes[i] ?? 0)) & 0xff] ?? 0);
  }
  return value >>> 0;
}
