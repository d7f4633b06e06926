// The output layer: results are collected and written only when the command succeeds; every line that
// leaves the process passes through the last line of secret redaction (core.md §14.2).
import { SecretMasker } from '../lib/redact.js';
import type { OutputStream } from '../lib/runtime.js';

export interface Streams {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
}

const MIN_SECRET_LENGTH = 8;

export class Output {
  private readonly lines: string[] = [];
  private readonly secrets = new Set<string>();
  /** Compiled when first needed after a change: a store of thousands of surfaces is masked in linear time. */
  private masker: SecretMasker | undefined;

  constructor(private readonly streams: Streams) {}

  /**
   * Known secrets of 8 or more characters are replaced by `[redacted]` in everything printed. Whole values
   * only: unlike `redactSecrets` (lib/redact.ts), no prefix or suffix rule, since this pass sees every line.
   */
  addSecrets(values: Iterable<string>): void {
    for (const v of values) {
      if (v.length >= MIN_SECRET_LENGTH && !this.secrets.has(v)) {
        this.secrets.add(v);
        this.masker = undefined;
      }
    }
  }

  maskKnownSecrets(text: string): string {
    this.masker ??= new SecretMasker(this.secrets);
    return this.masker.mask(text);
  }

  /** A result line for stdout, written by flush(). */
  result(line: string): void {
    this.lines.push(this.maskKnownSecrets(line) + '\n');
  }

  /**
   * What `token` and `env` exist to print: secrets, unmasked. Collected and flushed like results, so a command
   * that fails prints none of it.
   */
  handOver(text: string): void {
    this.lines.push(text);
  }

  warn(message: string): void {
    this.streams.stderr.write(`warning: ${this.maskKnownSecrets(message)}\n`);
  }

  hint(message: string): void {
    this.streams.stderr.write(`hint: ${this.maskKnownSecrets(message)}\n`);
  }

  /** A line for stdout that must be seen now (the device code while we poll). */
  immediate(line: string): void {
    this.streams.stdout.write(`${this.maskKnownSecrets(line)}\n`);
  }

  /** A diagnostic line for `--verbose`, on stderr as it happens. */
  trace(line: string): void {
    this.streams.stderr.write(`${this.maskKnownSecrets(line)}\n`);
  }

  error(message: string): void {
    this.streams.stderr.write(`error: ${this.maskKnownSecrets(message)}\n`);
  }

  flush(): void {
    if (this.lines.length > 0) this.streams.stdout.write(this.lines.join(''));
    this.lines.length = 0;
  }

  discard(): void {
    this.lines.length = 0;
  }
}
