import { json, type Reply, type Router } from '../../http/server.js';
import { MAS_VERSION, type MasApp, type Req } from '../app.js';
import { MasError } from '../errors.js';
import { byId, type ProviderRow, type UpstreamLinkRow, type UserEmailRow, type UserRow } from '../store.js';
import { checkToken, parseUlid } from '../util.js';
import { mount } from './mount.js';

/**
 * The admin API (`crates/handlers/src/admin`, `docs/api/spec.json`), base `/api/admin/v1`,
 * for the operations the sandbox needs: users, user emails, upstream links and providers,
 * version and site config. Responses follow the published OpenAPI schemas.
 */
const BASE = '/api/admin/v1';

class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly error: MasError,
  ) {
    super(error.message);
  }
}

const fail = (status: number, message: string, ...sources: string[]) => {
  let err: MasError | undefined;
  for (const s of [...sources].reverse()) err = new MasError(s, err);
  return new AdminError(status, new MasError(message, err));
};

function errorResponse(err: AdminError): Reply {
  return json(err.status, { errors: [err.error.message, ...err.error.sources].map((title) => ({ title })) });
}

const ts = (d: Date | null) => (d ? d.toISOString() : null);

interface Resource {
  id: string;
  kind: string;
  path: string;
  attributes: Record<string, unknown>;
}

const userResource = (u: UserRow): Resource => ({
  id: u.id,
  kind: 'user',
  path: `${BASE}/users/${u.id}`,
  attributes: {
    username: u.username,
    created_at: ts(u.createdAt),
    locked_at: ts(u.lockedAt),
    deactivated_at: ts(u.deactivatedAt),
    admin: u.canRequestAdmin,
    legacy_guest: u.isGuest,
  },
});

const emailResource = (e: UserEmailRow): Resource => ({
  id: e.id,
  kind: 'user-email',
  path: `${BASE}/user-emails/${e.id}`,
  attributes: { created_at: ts(e.createdAt), user_id: e.userId, email: e.email },
});

const linkResource = (l: UpstreamLinkRow): Resource => ({
  id: l.id,
  kind: 'upstream-oauth-link',
  path: `${BASE}/upstream-oauth-links/${l.id}`,
  attributes: {
    created_at: ts(l.createdAt),
    provider_id: l.providerId,
    subject: l.subject,
    user_id: l.userId,
    human_account_name: l.humanAccountName,
  },
});

const providerResource = (p: ProviderRow): Resource => ({
  id: p.id,
  kind: 'upstream-oauth-provider',
  path: `${BASE}/upstream-oauth-providers/${p.id}`,
  attributes: {
    issuer: p.config.issuer ?? null,
    human_name: p.config.humanName ?? null,
    brand_name: p.config.brandName ?? null,
    created_at: ts(p.createdAt),
    disabled_at: ts(p.disabledAt),
    registration_token_required: p.config.registrationTokenRequired,
  },
});

function single(r: Resource, self = r.path): Reply {
  return json(200, {
    data: { type: r.kind, id: r.id, attributes: r.attributes, links: { self: r.path } },
    links: { self },
  });
}

interface Pagination {
  before?: string;
  after?: string;
  direction: 'forward' | 'backward';
  count: number;
}

function paginationFrom(query: URLSearchParams): {
  pagination: Pagination;
  includeCount: 'true' | 'false' | 'only';
} {
  const invalid = (detail: string) => fail(400, 'Invalid pagination parameters', detail);
  const ulidParam = (name: string) => {
    const v = query.get(name);
    if (v === null) return undefined;
    const parsed = parseUlid(v);
    if (!parsed.ok) throw invalid(`${name}: ${parsed.error}`);
    return parsed.value;
  };
  const countParam = (name: string) => {
    const v = query.get(name);
    if (v === null) return undefined;
    if (!/^[0-9]+$/.test(v)) throw invalid(`${name}: invalid digit found in string`);
    if (Number(v) === 0) throw invalid(`${name}: number would be zero for non-zero type`);
    return Number(v);
  };
  const before = ulidParam('page[before]');
  const after = ulidParam('page[after]');
  const first = countParam('page[first]');
  const last = countParam('page[last]');
  const count = query.get('count');
  if (count !== null && !['true', 'false', 'only'].includes(count))
    throw invalid(`count: unknown variant \`${count}\`, expected one of \`true\`, \`false\`, \`only\``);
  if (first !== undefined && last !== undefined)
    throw fail(400, 'Cannot specify both `page[first]` and `page[last]` parameters');
  return {
    pagination: {
      before,
      after,
      direction: last !== undefined ? 'backward' : 'forward',
      count: first ?? last ?? 10,
    },
    includeCount: (count as 'true' | 'false' | 'only' | null) ?? 'true',
  };
}

function urlWithPagination(base: string, p: Pagination): string {
  const i = base.indexOf('?');
  const path = i < 0 ? base : base.slice(0, i);
  let query = i < 0 ? '' : base.slice(i + 1);
  if (p.before) query += `&page[before]=${p.before}`;
  if (p.after) query += `&page[after]=${p.after}`;
  query += p.direction === 'forward' ? `&page[first]=${p.count}` : `&page[last]=${p.count}`;
  return `${path}?${query.replace(/^&+/, '')}`;
}

/** `PaginatedResponse::for_page` / `for_count_only` over rows sorted by id (the cursor) */
function paginated<T extends { id: string }>(
  rows: T[],
  toResource: (row: T) => Resource,
  baseWithFilters: string,
  query: URLSearchParams,
): Reply {
  const { pagination: p, includeCount } = paginationFrom(query);
  const sep = baseWithFilters.includes('?') ? '&' : '?';
  const base = includeCount === 'true' ? baseWithFilters : `${baseWithFilters}${sep}count=${includeCount}`;
  const all = [...rows].sort(byId);
  if (includeCount === 'only') return json(200, { meta: { count: all.length }, links: { self: base } });
  let window = all.filter((r) => (!p.after || r.id > p.after) && (!p.before || r.id < p.before));
  let hasNext = false;
  let hasPrev = false;
  if (p.direction === 'forward') {
    hasNext = window.length > p.count;
    window = window.slice(0, p.count);
  } else {
    hasPrev = window.length > p.count;
    window = window.slice(Math.max(0, window.length - p.count));
  }
  const links: Record<string, string> = {
    self: urlWithPagination(base, p),
    first: urlWithPagination(base, { direction: 'forward', count: p.count }),
    last: urlWithPagination(base, { direction: 'backward', count: p.count }),
  };
  if (hasNext)
    links.next = urlWithPagination(base, { ...p, before: undefined, after: window[window.length - 1]!.id });
  if (hasPrev) links.prev = urlWithPagination(base, { ...p, after: undefined, before: window[0]!.id });
  return json(200, {
    ...(includeCount === 'true' ? { meta: { count: all.length } } : {}),
    data: window.map((row) => {
      const r = toResource(row);
      return {
        type: r.kind,
        id: r.id,
        attributes: r.attributes,
        links: { self: r.path },
        meta: { page: { cursor: r.id } },
      };
    }),
    links,
  });
}

/** `CallContext`: a bearer access token whose session holds `urn:mas:admin` */
function authenticate(app: MasApp, req: Req): void {
  const auth = req.ctx.headers.authorization;
  if (auth === undefined) throw fail(400, 'Missing authorization header');
  const m = /^Bearer +(\S+)$/i.exec(auth);
  if (!m) throw fail(400, 'Invalid authorization header');
  const token = m[1]!;
  const check = checkToken(token);
  if (!check.ok) throw fail(401, 'Invalid type of access token', check.error);
  if (check.kind !== 'mat') throw fail(401, 'Invalid type of access token');
  const access = app.store.accessToken(token);
  if (!access) throw fail(401, 'Unknown access token');
  const session = app.store.oauthSessions.get(access.sessionId);
  if (!session) throw fail(500, `Failed to load session ${access.sessionId}`);
  if (session.finishedAt) throw fail(401, 'Access token revoked');
  if (access.revokedAt || (access.expiresAt && access.expiresAt.getTime() <= Date.now()))
    throw fail(401, 'Access token expired');
  if (session.userId) {
    const user = app.store.users.get(session.userId);
    if (!user) throw fail(500, `Failed to load user ${session.userId}`);
    if (user.lockedAt || user.deactivatedAt) throw fail(401, 'User locked');
  }
  if (!session.scope.includes('urn:mas:admin')) throw fail(401, 'Missing urn:mas:admin scope');
}

function boolFilter(query: URLSearchParams, name: string): boolean | undefined {
  const v = query.get(name);
  if (v === null) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw fail(400, 'Invalid filter parameters', `${name}: provided string was not \`true\` or \`false\``);
}

function ulidFilter(query: URLSearchParams, name: string): string | undefined {
  const v = query.get(name);
  if (v === null) return undefined;
  const parsed = parseUlid(v);
  if (!parsed.ok) throw fail(400, 'Invalid filter parameters', `${name}: ${parsed.error}`);
  return parsed.value;
}

function pathId(req: Req): string {
  const raw = req.ctx.params.id ?? '';
  const parsed = parseUlid(raw);
  if (!parsed.ok) throw fail(400, 'Invalid ULID in path', `Cannot parse \`${raw}\` to a \`u128\``);
  return parsed.value;
}

async function body<T>(req: Req): Promise<T> {
  const raw = (await req.ctx.body()).toString('utf8');
  try {
    return JSON.parse(raw || 'null') as T;
  } catch (err) {
    throw fail(400, `Failed to parse the request body as JSON: ${(err as Error).message}`);
  }
}

/** `username_valid` (users/add.rs): non-empty, ≤ 255, no leading `_`, `[a-z0-9.=_/+-]` */
function usernameValid(username: string): boolean {
  if (username.length === 0 || username.length > 255) return false;
  if (username.startsWith('_')) return false;
  return /^[a-z0-9.=_/+-]+$/.test(username);
}

/** lettre's address check, approximately */
function emailError(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return 'Missing domain or user';
  if (/\s/.test(email)) return 'Invalid input found';
  return undefined;
}

export function mountAdmin(router: Router, app: MasApp): void {
  /**
   * Each operation answers its errors with `ErrorResponse` after `record_error!` at the
   * handler's module and line (the authentication in `call_context.rs` L85).
   */
  const route = (
    method: string,
    path: string,
    at: [string, number],
    handler: (req: Req) => Promise<Reply> | Reply,
  ) =>
    mount(router, app, method, `${BASE}${path}`, 'adminapi', 'adminapi', async (req) => {
      let where: [string, number] = ['mas_handlers::admin::call_context', 85];
      try {
        authenticate(app, req);
        where = [`mas_handlers::admin::v1::${at[0]}`, at[1]];
        return await handler(req);
      } catch (err) {
        if (!(err instanceof AdminError)) throw err;
        app.recordError(req, where[0], where[1], err.status >= 500 ? 'ERROR' : 'WARN', err.error);
        return errorResponse(err);
      }
    });
  const user = (id: string) => {
    const u = app.store.users.get(id);
    if (!u) throw fail(404, `User ID ${id} not found`);
    return u;
  };

  route('GET', '/version', ['version', 30], () => json(200, { version: MAS_VERSION }));

  route('GET', '/site-config', ['site_config', 90], () => {
    const c = app.cfg;
    const pw = c.passwords.enabled;
    return json(200, {
      server_name: c.matrix.homeserver,
      password_login_enabled: pw,
      password_registration_enabled: pw && c.account.passwordRegistrationEnabled,
      password_registration_email_required: c.account.passwordRegistrationEmailRequired,
      password_registration_token_required:
        c.account.passwordRegistrationTokenRequired || c.account.registrationTokenRequired,
      registration_token_required:
        c.account.passwordRegistrationTokenRequired || c.account.registrationTokenRequired,
      email_change_allowed: c.account.emailChangeAllowed,
      displayname_change_allowed: c.account.displaynameChangeAllowed,
      password_change_allowed: pw && c.account.passwordChangeAllowed,
      account_recovery_allowed: pw && c.account.passwordRecoveryEnabled,
      account_deactivation_allowed: c.account.accountDeactivationAllowed,
      captcha_enabled: c.captchaEnabled,
      minimum_password_complexity: c.passwords.minimumComplexity,
    });
  });

  // --- users ---
  route('GET', '/users', ['users::list', 156], (req) => {
    const q = req.ctx.query;
    paginationFrom(q);
    const admin = boolFilter(q, 'filter[admin]');
    const guest = boolFilter(q, 'filter[legacy-guest]');
    const search = q.get('filter[search]') ?? undefined;
    const status = q.get('filter[status]') ?? undefined;
    if (status !== undefined && !['active', 'locked', 'deactivated'].includes(status))
      throw fail(
        400,
        'Invalid filter parameters',
        `filter[status]: unknown variant \`${status}\`, expected one of \`active\`, \`locked\`, \`deactivated\``,
      );
    const clients = q
      .getAll('filter[active-oauth2-client]')
      .concat(q.getAll('filter[active-oauth2-client][]'));
    for (const c of clients) {
      const parsed = parseUlid(c);
      if (!parsed.ok)
        throw fail(400, 'Invalid filter parameters', `filter[active-oauth2-client]: ${parsed.error}`);
      if (!app.store.clients.has(parsed.value)) throw fail(404, `Client ID ${parsed.value} not found`);
    }
    const hasOAuth = boolFilter(q, 'filter[has-active-oauth2-session]');
    const hasCompat = boolFilter(q, 'filter[has-active-compat-session]');
    const activeSessions = (u: UserRow) =>
      [...app.store.oauthSessions.values()].filter((s) => s.userId === u.id && !s.finishedAt);
    const rows = [...app.store.users.values()].filter(
      (u) =>
        (admin === undefined || u.canRequestAdmin === admin) &&
        (guest === undefined || u.isGuest === guest) &&
        (search === undefined || u.username.toLowerCase().includes(search.toLowerCase())) &&
        (status === undefined ||
          (status === 'active' && !u.lockedAt && !u.deactivatedAt) ||
          (status === 'locked' && !!u.lockedAt) ||
          (status === 'deactivated' && !!u.deactivatedAt)) &&
        (clients.length === 0 ||
          activeSessions(u).some((s) => clients.map((c) => c.toUpperCase()).includes(s.clientId))) &&
        (hasOAuth === undefined || activeSessions(u).length > 0 === hasOAuth) &&
        (hasCompat === undefined || hasCompat === false),
    );
    let filters = '';
    const add = (k: string, v: string) => (filters += `${filters ? '&' : '?'}${k}=${v}`);
    if (admin !== undefined) add('filter[admin]', String(admin));
    if (guest !== undefined) add('filter[legacy-guest]', String(guest));
    if (search !== undefined) add('filter[search]', search);
    if (status !== undefined) add('filter[status]', status);
    for (const c of clients) add('filter[active-oauth2-client]', c);
    if (hasOAuth !== undefined) add('filter[has-active-oauth2-session]', String(hasOAuth));
    if (hasCompat !== undefined) add('filter[has-active-compat-session]', String(hasCompat));
    return paginated(rows, userResource, `${BASE}/users${filters}`, q);
  });

  route('POST', '/users', ['users::add', 82], async (req) => {
    const params = await body<{
      username?: unknown;
      skip_homeserver_check?: unknown;
      displayname?: unknown;
      avatar_url?: unknown;
    }>(req);
    if (!params || typeof params.username !== 'string')
      throw fail(400, 'Failed to deserialize the JSON body into the target type: missing field `username`');
    const username = params.username;
    if (app.store.userByUsername(username)) throw fail(409, 'User already exists');
    if (!usernameValid(username)) throw fail(400, 'Username is not valid');
    let available: boolean;
    try {
      available = await app.homeserver.isLocalpartAvailable(username, req.log);
    } catch (err) {
      const e = err as MasError;
      throw fail(500, e.message, ...e.sources);
    }
    if (!available) {
      if (params.skip_homeserver_check !== true) throw fail(409, 'Username is reserved by the homeserver');
      app.logger.write(
        'WARN',
        'mas_handlers::admin::v1::users::add',
        169,
        `Skipped homeserver check for username ${username}`,
        {},
        req.log,
      );
    }
    const row = app.store.addUser(username);
    try {
      await app.homeserver.provisionUser({
        localpart: row.username,
        locked: false,
        displayname: typeof params.displayname === 'string' ? params.displayname : undefined,
        avatarUrl: typeof params.avatar_url === 'string' ? params.avatar_url : undefined,
      });
    } catch (err) {
      app.store.users.delete(row.id); // the transaction is not committed
      const e = err as MasError;
      throw fail(500, e.message, ...e.sources);
    }
    const reply = single(userResource(row));
    return { ...reply, status: 201 };
  });

  route('GET', '/users/by-username/:username', ['users::by_username', 38], (req) => {
    const username = req.ctx.params.username ?? '';
    const u = app.store.userByUsername(username);
    if (!u) throw fail(404, `User with username ${JSON.stringify(username)} not found`);
    return single(userResource(u), `${BASE}/users/by-username/${username}`);
  });

  route('GET', '/users/:id', ['users::get', 38], (req) => single(userResource(user(pathId(req)))));

  route('POST', '/users/:id/set-admin', ['users::set_admin', 40], async (req) => {
    const id = pathId(req);
    const params = await body<{ admin?: unknown }>(req);
    if (!params || typeof params.admin !== 'boolean')
      throw fail(400, 'Failed to deserialize the JSON body into the target type: missing field `admin`');
    const u = user(id);
    u.canRequestAdmin = params.admin;
    return single(userResource(u), `${BASE}/users/${id}/set-admin`);
  });

  route('POST', '/users/:id/lock', ['users::lock', 40], (req) => {
    const id = pathId(req);
    const u = user(id);
    u.lockedAt ??= new Date();
    app.worker.schedule('provision-user', { user_id: u.id });
    return single(userResource(u), `${BASE}/users/${id}/lock`);
  });

  route('POST', '/users/:id/unlock', ['users::unlock', 40], (req) => {
    const id = pathId(req);
    const u = user(id);
    u.lockedAt = null;
    app.worker.schedule('provision-user', { user_id: u.id });
    return single(userResource(u), `${BASE}/users/${id}/unlock`);
  });

  route('POST', '/users/:id/deactivate', ['users::deactivate', 43], async (req) => {
    const id = pathId(req);
    const params = (await body<{ skip_erase?: unknown } | null>(req)) ?? {};
    const u = user(id);
    u.deactivatedAt ??= new Date();
    app.logger.write(
      'INFO',
      'mas_handlers::admin::v1::users::deactivate',
      113,
      'Scheduling deactivation of user',
      {
        'user.id': u.id,
      },
      req.log,
    );
    app.worker.schedule('deactivate-user', { user_id: u.id, hs_erase: params.skip_erase !== true });
    return single(userResource(u), `${BASE}/users/${id}/deactivate`);
  });

  route('POST', '/users/:id/reactivate', ['users::reactivate', 43], async (req) => {
    const id = pathId(req);
    const u = user(id);
    try {
      await app.homeserver.reactivateUser(u.username);
    } catch (err) {
      const e = err as MasError;
      throw fail(500, e.message, ...e.sources);
    }
    u.deactivatedAt = null;
    return single(userResource(u), `${BASE}/users/${id}/reactivate`);
  });

  route('POST', '/users/:id/set-password', ['users::set_password', 47], async (req) => {
    const id = pathId(req);
    const params = await body<{ password?: unknown; skip_password_check?: unknown }>(req);
    if (!params || typeof params.password !== 'string')
      throw fail(400, 'Failed to deserialize the JSON body into the target type: missing field `password`');
    if (!app.cfg.passwords.enabled) throw fail(403, 'Password auth is disabled');
    const u = user(id);
    if (
      params.skip_password_check !== true &&
      passwordScore(params.password) < app.cfg.passwords.minimumComplexity
    )
      throw fail(400, 'Password is too weak');
    u.password = params.password;
    return { status: 204, body: '' };
  });

  // --- user emails ---
  route('GET', '/user-emails', ['user_emails::list', 79], (req) => {
    const q = req.ctx.query;
    paginationFrom(q);
    const userId = ulidFilter(q, 'filter[user]');
    if (userId && !app.store.users.has(userId)) throw fail(404, `User ID ${userId} not found`);
    const email = q.get('filter[email]') ?? undefined;
    let filters = '';
    if (userId) filters += `?filter[user]=${userId}`;
    if (email !== undefined) filters += `${filters ? '&' : '?'}filter[email]=${email}`;
    const rows = [...app.store.emails.values()].filter(
      (e) => (!userId || e.userId === userId) && (email === undefined || e.email === email),
    );
    return paginated(rows, emailResource, `${BASE}/user-emails${filters}`, q);
  });

  route('POST', '/user-emails', ['user_emails::add', 56], async (req) => {
    const params = await body<{ user_id?: unknown; email?: unknown }>(req);
    if (!params || typeof params.user_id !== 'string' || typeof params.email !== 'string')
      throw fail(400, 'Failed to deserialize the JSON body into the target type: missing field `user_id`');
    const parsed = parseUlid(params.user_id);
    if (!parsed.ok)
      throw fail(400, `Failed to deserialize the JSON body into the target type: user_id: ${parsed.error}`);
    const u = user(parsed.value);
    const invalid = emailError(params.email);
    if (invalid) throw fail(400, `Email ${JSON.stringify(params.email)} is not valid`, invalid);
    if ([...app.store.emails.values()].some((e) => e.email === params.email))
      throw fail(409, `User email ${JSON.stringify(params.email)} already in use`);
    const row = app.store.addEmail(u.id, params.email);
    app.worker.schedule('provision-user', { user_id: u.id });
    return { ...single(emailResource(row)), status: 201 };
  });

  route('GET', '/user-emails/:id', ['user_emails::get', 37], (req) => {
    const id = pathId(req);
    const row = app.store.emails.get(id);
    if (!row) throw fail(404, `User email ID ${id} not found`);
    return single(emailResource(row));
  });

  route('DELETE', '/user-emails/:id', ['user_emails::delete', 34], (req) => {
    const id = pathId(req);
    const row = app.store.emails.get(id);
    if (!row) throw fail(404, `User email ID ${id} not found`);
    app.store.emails.delete(id);
    app.worker.schedule('provision-user', { user_id: row.userId });
    return { status: 204, body: '' };
  });

  // --- upstream links ---
  route('GET', '/upstream-oauth-links', ['upstream_oauth_links::list', 103], (req) => {
    const q = req.ctx.query;
    paginationFrom(q);
    const userId = ulidFilter(q, 'filter[user]');
    if (userId && !app.store.users.has(userId)) throw fail(404, `User ID ${userId} not found`);
    const providerId = ulidFilter(q, 'filter[provider]');
    if (providerId && !app.store.providers.has(providerId))
      throw fail(404, `Provider ID ${providerId} not found`);
    const subject = q.get('filter[subject]') ?? undefined;
    const human = q.get('filter[human-account-name]') ?? undefined;
    let filters = '';
    const add = (k: string, v: string) => (filters += `${filters ? '&' : '?'}${k}=${v}`);
    if (userId) add('filter[user]', userId);
    if (providerId) add('filter[provider]', providerId);
    if (subject !== undefined) add('filter[subject]', subject);
    if (human !== undefined) add('filter[human-account-name]', human);
    const rows = [...app.store.links.values()].filter(
      (l) =>
        (!userId || l.userId === userId) &&
        (!providerId || l.providerId === providerId) &&
        (subject === undefined || l.subject === subject) &&
        (human === undefined || l.humanAccountName === human),
    );
    return paginated(rows, linkResource, `${BASE}/upstream-oauth-links${filters}`, q);
  });

  route('POST', '/upstream-oauth-links', ['upstream_oauth_links::add', 45], async (req) => {
    const params = await body<{
      user_id?: unknown;
      provider_id?: unknown;
      subject?: unknown;
      human_account_name?: unknown;
    }>(req);
    for (const field of ['user_id', 'provider_id', 'subject'] as const)
      if (!params || typeof params[field] !== 'string')
        throw fail(
          400,
          `Failed to deserialize the JSON body into the target type: missing field \`${field}\``,
        );
    const userId = parseUlid(params.user_id as string);
    const providerId = parseUlid(params.provider_id as string);
    if (!userId.ok)
      throw fail(400, `Failed to deserialize the JSON body into the target type: user_id: ${userId.error}`);
    if (!providerId.ok)
      throw fail(
        400,
        `Failed to deserialize the JSON body into the target type: provider_id: ${providerId.error}`,
      );
    const u = user(userId.value);
    const provider = app.store.providers.get(providerId.value);
    if (!provider) throw fail(404, `Upstream OAuth 2.0 Provider ID ${providerId.value} not found`);
    const subject = params.subject as string;
    const existing = app.store.linkBySubject(provider.id, subject);
    if (existing) {
      if (existing.userId)
        throw fail(
          409,
          `Upstream Oauth 2.0 Provider ID ${existing.providerId} with subject ${existing.subject} is already linked to a user`,
        );
      existing.userId = u.id;
      return single(linkResource(existing));
    }
    const link = app.store.addLink(
      provider.id,
      subject,
      typeof params.human_account_name === 'string' ? params.human_account_name : null,
    );
    link.userId = u.id;
    return { ...single(linkResource(link)), status: 201 };
  });

  route('GET', '/upstream-oauth-links/:id', ['upstream_oauth_links::get', 37], (req) => {
    const id = pathId(req);
    const link = app.store.links.get(id);
    if (!link) throw fail(404, `Upstream OAuth 2.0 Link ID ${id} not found`);
    return single(linkResource(link));
  });

  route('DELETE', '/upstream-oauth-links/:id', ['upstream_oauth_links::delete', 32], (req) => {
    const id = pathId(req);
    if (!app.store.links.has(id)) throw fail(404, `Upstream OAuth 2.0 Link ID ${id} not found`);
    app.store.links.delete(id);
    return { status: 204, body: '' };
  });

  // --- upstream providers ---
  route('GET', '/upstream-oauth-providers', ['upstream_oauth_providers::list', 65], (req) => {
    const q = req.ctx.query;
    paginationFrom(q);
    const enabled = boolFilter(q, 'filter[enabled]');
    const rows = [...app.store.providers.values()].filter(
      (p) => enabled === undefined || !p.disabledAt === enabled,
    );
    return paginated(
      rows,
      providerResource,
      `${BASE}/upstream-oauth-providers${enabled === undefined ? '' : `?filter[enabled]=${enabled}`}`,
      q,
    );
  });

  route('GET', '/upstream-oauth-providers/:id', ['upstream_oauth_providers::get', 37], (req) => {
    const id = pathId(req);
    const p = app.store.providers.get(id);
    if (!p) throw fail(404, 'Provider not found');
    return single(providerResource(p));
  });
}

/** a rough stand-in for zxcvbn's 0-4 score (length and character classes) */
function passwordScore(password: string): number {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((r) => r.test(password)).length;
  if (password.length < 8) return 0;
  if (password.length < 10) return Math.min(2, classes);
  if (password.length < 14) return Math.min(3, classes);
  return 4;
}
