/**
 * Errors as MAS reports them: a top-level message plus the chain of `source()` errors, which
 * MAS prints on error pages ("details") and in log lines (`message.sources=[...]`).
 */
export class MasError extends Error {
  constructor(
    message: string,
    readonly source?: MasError,
  ) {
    super(message);
    this.name = 'MasError';
  }

  /** The messages of every source, outermost first (not including this error's own). */
  get sources(): string[] {
    const out: string[] = [];
    for (let e = this.source; e; e = e.source) out.push(e.message);
    return out;
  }

  /** Wraps this error under a new outer message (anyhow's `.context()`). */
  context(message: string): MasError {
    return new MasError(message, this);
  }
}

/** Builds an error chain from outermost to innermost message. */
export function masError(...messages: string[]): MasError {
  let err: MasError | undefined;
  for (const message of [...messages].reverse()) err = new MasError(message, err);
  return err ?? new MasError('unknown error');
}

/**
 * An error that a route turns into an error response, as MAS's `GenericError` (a WARN line from
 * `mas_axum_utils::fancy_error:38`) or `InternalError` (an ERROR line from `fancy_error:67`).
 */
export class RouteFailure extends Error {
  /**
   * the `record_error!` line some routes log before the response (at the call site's module
   * and line, ERROR for server-side errors and WARN otherwise)
   */
  record?: { target: string; line: number; level: 'ERROR' | 'WARN' };

  constructor(
    readonly error: MasError,
    public kind: 'generic' | 'internal',
    public status: number,
  ) {
    super(error.message);
    this.name = 'RouteFailure';
  }
}

export const internal = (error: MasError): RouteFailure => new RouteFailure(error, 'internal', 500);
export const generic = (status: number, error: MasError | string): RouteFailure =>
  new RouteFailure(typeof error === 'string' ? new MasError(error) : error, 'generic', status);

/** Rust's `{:?}` of a string: double quotes with escapes (close to serde_json's escaping). */
export function debugStr(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\u{${code.toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}
