/** A fixture run as its own Node process (`node --import tsx`), its stdout read as JSON lines. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(import.meta.dirname, '..', '..', '..');

export class FixtureProcess<Report extends { readonly k: string }> {
  readonly reports: Report[] = [];
  stderr = '';
  readonly #child: ChildProcess;
  #exited = false;

  constructor(fixture: string, args: unknown, onReport: (report: Report) => void = () => undefined) {
    const file = join(import.meta.dirname, '..', 'fixtures', fixture);
    this.#child = spawn(process.execPath, ['--import', 'tsx', file, JSON.stringify(args)], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child.once('exit', () => (this.#exited = true));
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      let report: Report;
      try {
        report = JSON.parse(line) as Report;
      } catch {
        this.stderr += `(stdout) ${line}\n`;
        return;
      }
      this.reports.push(report);
      onReport(report);
    });
    this.#child.stderr!.on(
      'data',
      (chunk: Buffer) => (this.stderr = (this.stderr + String(chunk)).slice(-4000)),
    );
  }

  /** Reports of one kind. */
  of<K extends Report['k']>(kind: K): Extract<Report, { k: K }>[] {
    return this.reports.filter((report): report is Extract<Report, { k: K }> => report.k === kind);
  }

  /** Throws with what the process said when it reported an error or exited. */
  check(): void {
    const error = this.reports.find((report) => report.k === 'error');
    if (error !== undefined || this.#exited) {
      throw new Error(`a fixture process failed: ${JSON.stringify(error ?? 'exited')}\n${this.stderr}`);
    }
  }

  /** Writes a line to its stdin. */
  write(line: string): void {
    this.#child.stdin!.write(`${line}\n`);
  }

  kill(): void {
    if (!this.#exited) this.#child.kill('SIGKILL');
  }
}
