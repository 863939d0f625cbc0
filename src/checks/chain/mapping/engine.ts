import { Environment } from 'minijinja-js';

/**
 * Renders claims_imports templates the way MAS does (crates/handlers/src/upstream_oauth2/
 * template.rs and link.rs): the real MiniJinja (minijinja-js), undefined values lenient (a
 * missing claim renders as ""), pycompat methods, and MAS's filters `b64decode`, `b64encode`,
 * `tlvdecode`, `from_json` plus minijinja-contrib's `pluralize`, `filesizeformat`, `truncate`
 * and `striptags`. The context is MAS's `AttributeMappingContext`: `user` (userinfo claims
 * merged under the id_token's), `id_token_claims`, `userinfo_claims` (only when fetched).
 *
 * A JavaScript filter must not throw (a throw inside the WebAssembly module poisons the
 * environment), so filters record their failure and the render reports it as MAS would.
 */

export type Rendered = { ok: true; value: string } | { ok: false; error: string };

interface State {
  failure?: string;
  /** bytes behind strings produced by b64decode, for tlvdecode */
  bytes: Map<string, Buffer>;
}

let environment: { env: Environment; state: State } | undefined;

function decodeBase64(value: string): Buffer | undefined {
  const s = value.trim();
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s) || s.length % 4 === 1) return undefined;
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

function create(): { env: Environment; state: State } {
  const state: State = { bytes: new Map() };
  const env = new Environment();
  env.enablePyCompat();
  const fail = (message: string) => {
    state.failure ??= message;
    return '';
  };
  env.addFilter('b64decode', (value: unknown) => {
    if (typeof value !== 'string') return fail('invalid operation: Failed to decode base64 string');
    const bytes = decodeBase64(value);
    if (!bytes) return fail('invalid operation: Failed to decode base64 string');
    const text = bytes.toString('utf8');
    state.bytes.set(text, bytes);
    return text;
  });
  env.addFilter('b64encode', (value: unknown) => {
    const bytes =
      typeof value === 'string'
        ? (state.bytes.get(value) ?? Buffer.from(value, 'utf8'))
        : Buffer.from(String(value));
    return bytes.toString('base64');
  });
  env.addFilter('tlvdecode', (value: unknown) => {
    if (typeof value !== 'string') return fail('invalid operation: Invalid ILV encoding');
    const bytes = state.bytes.get(value) ?? Buffer.from(value, 'utf8');
    const out: Record<string, string> = {};
    let i = 0;
    while (i < bytes.length) {
      const tag = bytes[i]!;
      const len = bytes[i + 1];
      if (len === undefined || i + 2 + len > bytes.length)
        return fail('invalid operation: Invalid ILV encoding');
      const part = bytes.subarray(i + 2, i + 2 + len);
      const text = part.toString('utf8');
      state.bytes.set(text, Buffer.from(part));
      out[String(tag)] = text;
      i += 2 + len;
    }
    return out;
  });
  env.addFilter('from_json', (value: unknown) => {
    if (typeof value !== 'string') return fail('invalid operation: Failed to decode JSON');
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return fail('invalid operation: Failed to decode JSON');
    }
  });
  env.addFilter('pluralize', (value: unknown, singular = '', plural = 's') =>
    Number(value) === 1 ? singular : plural,
  );
  env.addFilter('filesizeformat', (value: unknown, binary = false) => {
    const bytes = Number(value);
    const base = binary ? 1024 : 1000;
    const units = binary ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'] : ['kB', 'MB', 'GB', 'TB', 'PB'];
    if (!Number.isFinite(bytes) || Math.abs(bytes) < base) return `${bytes} Bytes`;
    let v = bytes;
    let unit = '';
    for (const u of units) {
      v /= base;
      unit = u;
      if (Math.abs(v) < base) break;
    }
    return `${v.toFixed(1)} ${unit}`;
  });
  env.addFilter('truncate', (value: unknown, length = 255, killwords = false, end = '...', leeway = 5) => {
    const s = String(value ?? '');
    if (s.length <= length + leeway) return s;
    const cut = s.slice(0, Math.max(0, length - end.length));
    if (killwords) return cut + end;
    const space = cut.lastIndexOf(' ');
    return (space > 0 ? cut.slice(0, space) : cut) + end;
  });
  env.addFilter('striptags', (value: unknown) =>
    String(value ?? '')
      .replace(/<!--[\s\S]*?-->|<[^>]*>/g, '')
      .replace(/\s+/g, ' ')
      .trim(),
  );
  return { env, state };
}

/**
 * Whether ssochain renders a template as MAS would. Not for `tlvdecode`: MAS keys its result by
 * integer tags, which a JavaScript filter cannot hand to MiniJinja, so `(… | tlvdecode)[1]`
 * would render empty here while it works in MAS.
 */
export function faithfullyRenderable(template: string): boolean {
  return !/\btlvdecode\b/.test(template);
}

/** The context MAS builds from the id_token claims and (when fetched) the userinfo claims. */
export function templateContext(
  idToken: Record<string, unknown> | undefined,
  userinfo: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const ctx: Record<string, unknown> = {};
  if (idToken || userinfo) ctx.user = { ...(userinfo ?? {}), ...(idToken ?? {}) };
  if (idToken) ctx.id_token_claims = idToken;
  if (userinfo) ctx.userinfo_claims = userinfo;
  return ctx;
}

/** Renders one template; a compile or render error comes back as MiniJinja's first line. */
export function renderTemplate(template: string, context: Record<string, unknown>): Rendered {
  environment ??= create();
  const { env, state } = environment;
  state.failure = undefined;
  state.bytes.clear();
  try {
    const value = env.renderStr(template, context);
    if (state.failure) return { ok: false, error: state.failure };
    return { ok: true, value };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // a panic inside the module leaves it unusable: start afresh next time
    if (/unreachable|recursive use|panicked/i.test(message)) environment = undefined;
    return { ok: false, error: message.split('\n')[0]!.trim() };
  }
}
