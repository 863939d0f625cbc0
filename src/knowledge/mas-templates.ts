import { Environment } from 'minijinja-js';

/**
 * Knowledge of MAS shared by the MAS emulator (which signs users in with it) and the checks
 * (which predict what MAS will render for a user): one engine, so the two cannot disagree.
 *
 * The MiniJinja environment MAS renders `claims_imports` (and other upstream) templates with
 * (`crates/handlers/src/upstream_oauth2/template.rs`): MiniJinja with Python-compatible
 * methods, the contrib filters, and MAS's own `b64decode`, `b64encode`, `tlvdecode`, `string`
 * and `from_json`. Undefined values are lenient, so a missing claim renders as "".
 *
 * Values cross the wasm boundary as plain JS values, so bytes are carried as strings (UTF-8,
 * with the raw bytes remembered for `tlvdecode`/`b64encode`) and `tlvdecode` returns a list
 * indexed by tag (docs/sandbox-mas.md).
 */

const bytesOf = new Map<string, Buffer>();

/**
 * A JS filter must never throw: a panic inside the wasm engine corrupts it. Filters record
 * their error here and return undefined; the render then counts as failed with that error.
 */
let filterError: string | undefined;

function guarded<A extends unknown[]>(fn: (...args: A) => unknown): (...args: A) => unknown {
  return (...args: A) => {
    try {
      return fn(...args);
    } catch (err) {
      filterError ??= String((err as Error)?.message ?? err);
      return undefined;
    }
  };
}

function toBytes(value: unknown): Buffer {
  if (typeof value === 'string') return bytesOf.get(value) ?? Buffer.from(value, 'utf8');
  if (Array.isArray(value)) return Buffer.from(value.map((n) => Number(n) & 0xff));
  return Buffer.from(String(value ?? ''), 'utf8');
}

function fromBytes(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  bytesOf.set(text, bytes);
  return text;
}

/** MiniJinja's Display of a value, for the `string` filter */
export function displayValue(value: unknown, nested = false): string {
  if (value === undefined) return nested ? 'undefined' : '';
  if (value === null) return 'none';
  if (typeof value === 'string') return nested ? JSON.stringify(value) : value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => displayValue(v, true)).join(', ')}]`;
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value as object);
  return `{${entries.map(([k, v]) => `${displayValue(k, true)}: ${displayValue(v, true)}`).join(', ')}}`;
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]*={0,2}|[A-Za-z0-9_-]*={0,2})$/;

function createEnvironment(): Environment {
  const env = new Environment();
  env.debug = false;
  env.enablePyCompat();
  const filter = <A extends unknown[]>(name: string, fn: (...args: A) => unknown) =>
    env.addFilter(name, guarded(fn));
  filter('b64decode', (value: unknown) => {
    const text = String(value ?? '');
    if (!BASE64_RE.test(text) || text.replace(/=+$/, '').length % 4 === 1)
      throw new Error('invalid operation: Failed to decode base64 string');
    return fromBytes(Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
  });
  filter('b64encode', (value: unknown) => toBytes(value).toString('base64'));
  filter('tlvdecode', (value: unknown) => {
    const bytes = toBytes(value);
    const out: (string | undefined)[] = [];
    for (let i = 0; i < bytes.length;) {
      const tag = bytes[i++]!;
      if (i >= bytes.length) throw new Error('invalid operation: Invalid ILV encoding');
      const len = bytes[i++]!;
      if (i + len > bytes.length) throw new Error('invalid operation: Invalid ILV encoding');
      out[tag] = fromBytes(bytes.subarray(i, i + len));
      i += len;
    }
    return Array.from(out, (v) => v ?? null);
  });
  filter('string', (value: unknown) => displayValue(value));
  filter('from_json', (value: unknown) => {
    try {
      return JSON.parse(String(value)) as unknown;
    } catch {
      throw new Error('invalid operation: Failed to decode JSON');
    }
  });
  // minijinja_contrib filters missing from the wasm build
  filter(
    'wordcount',
    (value: unknown) =>
      String(value ?? '')
        .split(/\s+/)
        .filter(Boolean).length,
  );
  filter(
    'truncate',
    (value: unknown, length?: number, killwords?: boolean, end?: string, leeway?: number) => {
      const s = String(value ?? '');
      const max = length ?? 255;
      const suffix = end ?? '...';
      if ([...s].length <= max + (leeway ?? 0)) return s;
      const cut = [...s].slice(0, Math.max(0, max - suffix.length)).join('');
      if (killwords) return cut + suffix;
      const space = cut.lastIndexOf(' ');
      return (space > 0 ? cut.slice(0, space) : cut) + suffix;
    },
  );
  filter('wordwrap', (value: unknown, width?: number) => {
    const words = String(value ?? '')
      .split(/\s+/)
      .filter(Boolean);
    const lines: string[] = [];
    let line = '';
    for (const w of words) {
      if (line && line.length + 1 + w.length > (width ?? 79)) {
        lines.push(line);
        line = w;
      } else line = line ? `${line} ${w}` : w;
    }
    if (line) lines.push(line);
    return lines.join('\n');
  });
  return env;
}

let env: Environment | undefined;

/** The template variables of an upstream sign-in (docs/setup/sso.md). */
export interface AttributeMappingContext {
  idTokenClaims?: Record<string, unknown>;
  userinfoClaims?: Record<string, unknown>;
  extraCallbackParameters?: Record<string, unknown>;
}

export function buildContext(ctx: AttributeMappingContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (ctx.idTokenClaims || ctx.userinfoClaims) {
    const userinfo =
      ctx.userinfoClaims && typeof ctx.userinfoClaims === 'object' && !Array.isArray(ctx.userinfoClaims)
        ? ctx.userinfoClaims
        : {};
    out.user = { ...userinfo, ...(ctx.idTokenClaims ?? {}) };
  }
  if (ctx.idTokenClaims) out.id_token_claims = ctx.idTokenClaims;
  if (ctx.userinfoClaims) out.userinfo_claims = ctx.userinfoClaims;
  if (ctx.extraCallbackParameters) out.extra_callback_parameters = ctx.extraCallbackParameters;
  return out;
}

/** Renders a template; the error is MiniJinja's (e.g. `undefined value (in <string>:1)`). */
export function renderTemplate(
  template: string,
  context: Record<string, unknown>,
): { ok: true; value: string } | { ok: false; error: string } {
  env ??= createEnvironment();
  bytesOf.clear();
  filterError = undefined;
  try {
    const value = env.renderStr(template, context);
    if (filterError !== undefined) return { ok: false, error: filterError };
    return { ok: true, value };
  } catch (err) {
    const message = String((err as Error)?.message ?? err).split('\n')[0]!;
    // a wasm panic leaves the engine unusable: start a fresh one next time
    if (/unreachable|recursive use|RuntimeError/.test(message)) env = undefined;
    return { ok: false, error: filterError ?? message };
  } finally {
    bytesOf.clear();
    filterError = undefined;
  }
}
