/**
 * Errors the user can act on carry a stable ERR_* code and map to exit code 2; the CLI
 * prints their message as one line. Anything else reaching the top is a bug.
 */
export type ErrorCode =
  | 'ERR_USAGE'
  | 'ERR_CONFIG_INVALID'
  | 'ERR_INPUT_UNREADABLE'
  | 'ERR_INPUT_INVALID'
  | 'ERR_SOPS_DECRYPT'
  | 'ERR_SOPS_MAC'
  | 'ERR_SOPS_NO_IDENTITY'
  | 'ERR_INTERNAL';

export class SsochainError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
  get exitCode(): 2 {
    return 2;
  }
}

export class UsageError extends SsochainError {
  constructor(message: string) {
    super('ERR_USAGE', message);
  }
}

/** Bad input file: the message already names the file (and line when known). */
export class InputError extends SsochainError {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    options?: { cause?: unknown },
  ) {
    super('ERR_INPUT_INVALID', message, options);
  }
}

export class ConfigError extends SsochainError {
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super('ERR_CONFIG_INVALID', message);
  }
}

export class SopsError extends SsochainError {
  constructor(
    code: 'ERR_SOPS_DECRYPT' | 'ERR_SOPS_MAC' | 'ERR_SOPS_NO_IDENTITY',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
