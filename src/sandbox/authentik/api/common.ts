import { json, type Reply, type RequestContext, type Router } from '../../http/server.js';
import type { Ak } from '../context.js';
import { normalizeUuid } from '../ids.js';
import type { UserRec } from '../model.js';
import { csrfFailure } from '../session.js';
import { ValidationFailed, type Errors } from '../validate.js';

/** Endpoint group of the API v3 (everything under /api/v3/ except the flow executor). */
export const API = 'api';
export const BASE = '/api/v3';

export const detail = (status: number, message: string): Reply => json(status, { detail: message });
export const notFound = (model: string): Reply => detail(404, `No ${model} matches the given query.`);
export const badRequest = (errors: Errors): Reply => json(400, errors);
export const noContent = (): Reply => ({ status: 204 });

export const SLUG = /^[-a-zA-Z0-9_]+$/;
export const SLUG_MESSAGE = 'Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.';

/** Lookup by UUID primary key, with or without dashes (as Django accepts them). */
export function byUuid<T>(table: Record<string, T>, id: string): T | undefined {
  try {
    return table[normalizeUuid(id)];
  } catch {
    return undefined;
  }
}

export type AuthResult = { user: UserRec } | { reply: Reply };

/**
 * Authentik's API authentication: `Authorization: Bearer <API token>`, else the session
 * cookie (with CSRF on unsafe methods). Failures are 403 `{detail}`, never 401 (DRF without
 * an authenticate header). The admin API needs a superuser.
 */
export function authenticate(ak: Ak, ctx: RequestContext, needSuperuser = true): AuthResult {
  const raw = ctx.headers.authorization;
  let user: UserRec | null = null;
  if (raw !== undefined && raw.trim() !== '') {
    const header = raw.trim();
    if (!header.includes(' ')) return { reply: detail(403, 'Authentication credentials were not provided.') };
    const i = header.indexOf(' ');
    const type = header.slice(0, i);
    const credentials = header.slice(i + 1).trim();
    if (type.toLowerCase() !== 'bearer') return { reply: detail(403, 'Unsupported authentication type') };
    if (!credentials) return { reply: detail(403, 'Malformed header') };
    const token = Object.values(ak.store.data.tokens).find((t) => t.key === credentials);
    const owner = token ? ak.store.data.users[token.user] : undefined;
    if (!owner || !owner.is_active) return { reply: detail(403, 'Token invalid/expired') };
    user = owner;
  } else {
    const session = ak.sessions.get(ctx);
    user = ak.sessions.user(session);
    if (user && session && !['GET', 'HEAD', 'OPTIONS'].includes(ctx.method)) {
      const failure = csrfFailure(ctx, session);
      if (failure) return { reply: detail(403, failure) };
    }
  }
  if (!user) return { reply: detail(403, 'Authentication credentials were not provided.') };
  if (needSuperuser && !ak.store.isSuperuser(user))
    return { reply: detail(403, 'You do not have permission to perform this action.') };
  return { user };
}

export type Handler = (ctx: RequestContext, user: UserRec) => Promise<Reply> | Reply;

/** Registers an authenticated API route. */
export function route(
  router: Router,
  ak: Ak,
  method: string | string[],
  path: string,
  handler: Handler,
  opts: { superuser?: boolean } = {},
): void {
  router.on(method, `${BASE}${path}`, API, async (ctx) => {
    const auth = authenticate(ak, ctx, opts.superuser ?? true);
    if ('reply' in auth) return auth.reply;
    try {
      return await handler(ctx, auth.user);
    } catch (err) {
      if (err instanceof ValidationFailed) return badRequest(err.errors);
      if (err instanceof SyntaxError) return detail(400, `JSON parse error - ${err.message}`);
      throw err;
    }
  });
}

// --- lists ---------------------------------------------------------------------------------

export const PAGE_SIZE = 100;

/** Authentik's pagination (page numbers, 0 when there is none; autocomplete always present). */
export function paginate(items: unknown[], query: URLSearchParams): Reply {
  const sizeRaw = Number(query.get('page_size'));
  const size = Number.isInteger(sizeRaw) && sizeRaw > 0 ? sizeRaw : PAGE_SIZE;
  const pageRaw = query.get('page');
  const page =
    pageRaw === null || pageRaw === '' || pageRaw === 'last'
      ? pageRaw === 'last'
        ? -1
        : 1
      : Number(pageRaw);
  const count = items.length;
  const totalPages = Math.max(1, Math.ceil(count / size));
  const current = page === -1 ? totalPages : page;
  if (!Number.isInteger(current) || current < 1 || current > totalPages) return detail(404, 'Invalid page.');
  const start = (current - 1) * size;
  const results = items.slice(start, start + size);
  return json(200, {
    pagination: {
      next: current < totalPages ? current + 1 : 0,
      previous: current > 1 ? current - 1 : 0,
      count,
      current,
      total_pages: totalPages,
      start_index: count === 0 ? 0 : start + 1,
      end_index: count === 0 ? 0 : start + results.length,
    },
    results,
    autocomplete: {},
  });
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return String(a).localeCompare(String(b));
}

/** `?ordering=field,-other` over serialized objects (unknown fields are ignored, as DRF does). */
export function order<T extends Record<string, unknown>>(
  items: T[],
  ordering: string | null,
  fallback: string,
): T[] {
  const fields = (ordering || fallback)
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  return [...items].sort((x, y) => {
    for (const f of fields) {
      const desc = f.startsWith('-');
      const key = desc ? f.slice(1) : f;
      if (!(key in x)) continue;
      const c = compare(x[key], y[key]);
      if (c !== 0) return desc ? -c : c;
    }
    return 0;
  });
}

/** `?search=` over the given fields, case-insensitive containment. */
export function search<T>(items: T[], term: string | null, fields: (item: T) => unknown[]): T[] {
  if (!term) return items;
  const t = term.toLowerCase();
  return items.filter((i) =>
    fields(i).some((v) => v !== null && v !== undefined && String(v).toLowerCase().includes(t)),
  );
}

export const boolParam = (v: string): boolean | undefined =>
  ['true', 'True', '1'].includes(v) ? true : ['false', 'False', '0'].includes(v) ? false : undefined;

/** Filters by query parameter: each filter sees the item and the parameter's values. */
export type Filters<T> = Record<string, (item: T, values: string[]) => boolean>;

export function applyFilters<T>(items: T[], query: URLSearchParams, filters: Filters<T>): T[] {
  let out = items;
  for (const [name, test] of Object.entries(filters)) {
    const values = query.getAll(name).filter((v) => v !== '');
    if (values.length === 0) continue;
    out = out.filter((i) => test(i, values));
  }
  return out;
}

export const eq =
  <T>(get: (item: T) => unknown) =>
  (item: T, values: string[]): boolean =>
    values.some((v) => {
      const actual = get(item);
      if (typeof actual === 'boolean') return boolParam(v) === actual;
      return String(actual ?? '') === v;
    });

export async function readJson(ctx: RequestContext): Promise<unknown> {
  const raw = (await ctx.body()).toString('utf8');
  if (!raw.trim()) return {};
  return JSON.parse(raw) as unknown;
}
