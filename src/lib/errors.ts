// Errors carry their exit code; the CLI catches once and prints `error: {message}`.

export type ErrorKind = 'usage' | 'store' | 'login-required' | 'transient' | 'failed' | 'interrupted';

export class LlmAuthError extends Error {
  readonly exitCode: number;
  readonly kind: ErrorKind;
  /** Advice printed after the error line as `hint: ...`. */
  readonly hint: string | undefined;

  constructor(message: string, options: { exitCode?: number; kind?: ErrorKind; hint?: string } = {}) {
    super(message);
    this.name = 'LlmAuthError';
    this.kind = options.kind ?? 'failed';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? (this.kind === 'usage' ? 2 : this.kind === 'interrupted' ? 130 : 1);
  }
}

export const usageError = (message: string): LlmAuthError => new LlmAuthError(message, { kind: 'usage' });
export const storeError = (message: string): LlmAuthError => new LlmAuthError(message, { kind: 'store' });

/** Node system errors carry `code` and a message `CODE: description, syscall 'path'`; keep code and description. */
export function systemErrorReason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : 'EUNKNOWN';
  const message = typeof e?.message === 'string' ? e.message : '';
  const match = /^[A-Z0-9_]+: ([^,]+)/.exec(message);
  return match ? `${code}: ${match[1]}` : code;
}
