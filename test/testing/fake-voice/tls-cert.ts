import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A key and certificate in PEM. */
export interface TestCertificate {
  readonly key: string;
  readonly cert: string;
}

/**
 * A throwaway self-signed certificate for 127.0.0.1 (P-256, valid one day), made with the `openssl`
 * CLI because Node 20 cannot create certificates. Null when `openssl` is not installed.
 */
export function selfSignedCertificate(): TestCertificate | null {
  if (spawnSync('openssl', ['version'], { stdio: 'ignore' }).status !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'statecord-voice-tls-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    const result = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'pipe', timeout: 20_000 },
    );
    if (result.status !== 0) throw new Error(`openssl failed: ${result.stderr.toString()}`);
    return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
